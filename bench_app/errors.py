"""Every error the bench can show: a stable code, a plain message in French and English,
and what to do next. Callers raise `BenchError(CODE, **values)`."""

from __future__ import annotations

from dataclasses import dataclass

from bench_app.text import Text


@dataclass(frozen=True, slots=True)
class ErrorKind:
    code: str
    message: Text
    action: Text


def _kind(code: str, fr: str, en: str, fr_do: str, en_do: str) -> ErrorKind:
    return ErrorKind(code, Text(fr, en), Text(fr_do, en_do))


CATALOG: dict[str, ErrorKind] = {
    k.code: k
    for k in (
        _kind(
            "DB_NEWER",
            "La base de données {path} a été créée par une version plus récente d’Établi "
            "(schéma {found}, cette version connaît {known}).",
            "The database {path} was made by a newer Établi (schema {found}; this version "
            "knows {known}).",
            "Installez la dernière version d’Établi, ou choisissez un autre dossier de données.",
            "Install the latest Établi, or choose another data folder.",
        ),
        _kind(
            "DB_LOCKED",
            "Établi est déjà ouvert sur ce dossier de données ({path}).",
            "Établi is already running on this data folder ({path}).",
            "Fermez l’autre fenêtre d’Établi, puis réessayez.",
            "Close the other Établi window, then try again.",
        ),
        _kind(
            "DB_CORRUPT",
            "La base de données {path} est illisible : {detail}.",
            "The database {path} cannot be read: {detail}.",
            "Ne supprimez rien. Restaurez la dernière sauvegarde (fichier .bak) ou appelez "
            "votre encadrant.",
            "Delete nothing. Restore the latest backup (.bak file) or call your supervisor.",
        ),
        _kind(
            "EVENT_INVALID",
            "Fait refusé ({event_type}) : {detail}.",
            "Fact refused ({event_type}): {detail}.",
            "Vérifiez les informations saisies puis recommencez.",
            "Check what was entered, then try again.",
        ),
        _kind(
            "ASSET_CODE_INVALID",
            "Le code « {code} » n’est pas valide : {detail}.",
            "The code “{code}” is not valid: {detail}.",
            "Relisez le code sur l’étiquette, ou scannez-le.",
            "Read the code on the label again, or scan it.",
        ),
        _kind(
            "ASSET_CODE_UNKNOWN",
            "Aucun appareil ne porte le code {code} sur ce poste.",
            "No device has the code {code} on this station.",
            "Vérifiez le code, ou enregistrez l’appareil à l’accueil.",
            "Check the code, or register the device at intake.",
        ),
        _kind(
            "IMEI_INVALID",
            "L’IMEI « {imei} » n’est pas valide (15 chiffres, le dernier est une clé de contrôle).",
            "The IMEI “{imei}” is not valid (15 digits, the last one is a check digit).",
            "Relisez-le : composez *#06# sur le téléphone ou regardez l’étiquette sous la batterie.",
            "Read it again: dial *#06# on the phone or look at the label under the battery.",
        ),
        _kind(
            "JOB_BUSY",
            "Cet appareil a déjà une tâche en cours.",
            "This device already has a job running.",
            "Attendez la fin de la tâche en cours, ou annulez-la.",
            "Wait for the running job to finish, or cancel it.",
        ),
        _kind(
            "JOB_DEVICE_ABSENT",
            "L’appareil {asset} n’est pas branché.",
            "Device {asset} is not plugged in.",
            "Branchez l’appareil, puis appuyez sur Reprendre.",
            "Plug the device in, then press Resume.",
        ),
        _kind(
            "JOB_NOT_RESUMABLE",
            "Cette tâche ne peut pas être reprise (état : {state}).",
            "This job cannot be resumed (state: {state}).",
            "Lancez une nouvelle tâche pour cet appareil.",
            "Start a new job for this device.",
        ),
        _kind(
            "JOB_UNKNOWN_PIPELINE",
            "Parcours inconnu : {pipeline}.",
            "Unknown pipeline: {pipeline}.",
            "Mettez Établi à jour ou choisissez un autre parcours.",
            "Update Établi or choose another pipeline.",
        ),
        _kind(
            "DEVICE_GONE",
            "L’appareil a été débranché pendant l’étape « {step} ».",
            "The device was unplugged during step “{step}”.",
            "Rebranchez l’appareil, puis appuyez sur Reprendre.",
            "Plug the device back in, then press Resume.",
        ),
        _kind(
            "DEVICE_NO_ANSWER",
            "L’appareil ne répond pas ({detail}).",
            "The device does not answer ({detail}).",
            "Débranchez et rebranchez l’appareil, puis appuyez sur Reprendre.",
            "Unplug and plug the device back in, then press Resume.",
        ),
        _kind(
            "SIMULATION_REFUSED",
            "Les appareils simulés ne servent qu’en mode formation et dans les tests.",
            "Simulated devices are only for training mode and tests.",
            "Lancez Établi avec --training pour une démonstration.",
            "Start Établi with --training for a demonstration.",
        ),
        _kind(
            "SETTINGS_INVALID",
            "Le fichier de réglages {path} est illisible : {detail}.",
            "The settings file {path} cannot be read: {detail}.",
            "Corrigez le fichier ou supprimez-le : Établi en recréera un.",
            "Fix the file or delete it: Établi will create a new one.",
        ),
        _kind(
            "ERASE_NOT_A_DRIVE",
            "{path} n’est pas un disque entier ni un fichier image ({detail}).",
            "{path} is not a whole disk nor an image file ({detail}).",
            "Choisissez le disque lui-même (par exemple /dev/sdb), pas une partition.",
            "Choose the disk itself (for example /dev/sdb), not a partition.",
        ),
        _kind(
            "ERASE_SYSTEM_DISK",
            "{path} est le disque du système de ce poste : il ne sera jamais effacé.",
            "{path} holds this station’s system: it is never erased.",
            "Branchez le disque à effacer sur le dock et choisissez-le.",
            "Plug the disk to erase into the dock and choose it.",
        ),
        _kind(
            "ERASE_LIVE_MEDIUM",
            "{path} est la clé USB sur laquelle Établi a démarré : elle ne sera jamais effacée.",
            "{path} is the USB stick Établi started from: it is never erased.",
            "Choisissez le disque interne de l’ordinateur, pas la clé de démarrage.",
            "Choose the computer’s internal disk, not the boot stick.",
        ),
        _kind(
            "ERASE_DATA_DISK",
            "{path} contient les données d’Établi ({data_dir}) : il ne sera pas effacé.",
            "{path} holds Établi’s data ({data_dir}): it is not erased.",
            "Gardez les données d’Établi sur un autre disque que ceux à effacer.",
            "Keep Établi’s data on another disk than those to erase.",
        ),
        _kind(
            "ERASE_MOUNTED",
            "{path} est utilisé : il est monté sur {mountpoint}.",
            "{path} is in use: it is mounted on {mountpoint}.",
            "Démontez-le (ou débranchez-le et rebranchez-le), puis recommencez.",
            "Unmount it (or unplug and plug it again), then start again.",
        ),
        _kind(
            "ERASE_SWAP",
            "{path} sert de mémoire d’échange (swap : {swap}).",
            "{path} is used as swap ({swap}).",
            "Arrêtez ce swap (swapoff), puis recommencez.",
            "Turn that swap off (swapoff), then start again.",
        ),
        _kind(
            "ERASE_IN_USE",
            "{path} est tenu par {holders} (LVM, chiffrement, RAID ou image montée).",
            "{path} is held by {holders} (LVM, encryption, RAID or a mounted image).",
            "Fermez ce qui l’utilise, ou débranchez et rebranchez le disque.",
            "Close whatever uses it, or unplug and plug the disk again.",
        ),
        _kind(
            "ERASE_READ_ONLY",
            "{path} est en lecture seule : il ne peut pas être effacé.",
            "{path} is read-only: it cannot be erased.",
            "Vérifiez le verrou du disque ou de l’adaptateur, ou mettez le disque au recyclage.",
            "Check the disk’s or adapter’s lock switch, or send the disk to recycling.",
        ),
        _kind(
            "ERASE_NOT_CONFIRMED",
            "L’effacement de {path} ({model}) n’est pas confirmé.",
            "Erasing {path} ({model}) is not confirmed.",
            "Tapez les {n} derniers caractères du numéro de série imprimé sur l’étiquette "
            "du disque.",
            "Type the last {n} characters of the serial number printed on the disk’s label.",
        ),
        _kind(
            "ERASE_METHOD_UNAVAILABLE",
            "La méthode {method} n’est pas possible sur ce disque : {reason}",
            "The {method} method is not possible on this disk: {reason}",
            "Choisissez une autre méthode.",
            "Choose another method.",
        ),
        _kind(
            "ERASE_TARGET_CHANGED",
            "Le disque branché n’est plus celui choisi (attendu {expected}, trouvé {found}).",
            "The disk plugged in is no longer the one chosen (expected {expected}, found {found}).",
            "Rebranchez le bon disque, puis reprenez l’effacement.",
            "Plug the right disk back in, then resume the erasure.",
        ),
        _kind(
            "PROCESS_FAILED",
            "Le programme {program} a échoué (code {rc}) : {detail}.",
            "The program {program} failed (exit {rc}): {detail}.",
            "Réessayez ; si cela recommence, appelez votre encadrant.",
            "Try again; if it happens again, call your supervisor.",
        ),
    )
}


class BenchError(Exception):
    """An error with a stable code, a bilingual message and the next thing to do."""

    def __init__(self, error_code: str, /, **values: object) -> None:
        kind = CATALOG[error_code]
        self.code = error_code
        self.values = values
        # A value may itself be bilingual (a step title): each language gets its own.
        fr = {k: v.fr if isinstance(v, Text) else v for k, v in values.items()}
        en = {k: v.en if isinstance(v, Text) else v for k, v in values.items()}
        self.message = Text(kind.message.fr.format(**fr), kind.message.en.format(**en))
        self.action = Text(kind.action.fr.format(**fr), kind.action.en.format(**en))
        super().__init__(f"[{error_code}] {self.message.en}")

    def text(self, lang: str = "fr") -> str:
        """The message and the next action, in one language."""
        return f"{self.message.get(lang)} {self.action.get(lang)}"
