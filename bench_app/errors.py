"""Every error the bench can show: a stable code, a plain message in French and English,
and what to do next. Callers raise `BenchError(CODE, **values)`."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

from bench_app.text import Text


@dataclass(frozen=True, slots=True)
class ErrorKind:
    code: str
    message: Text
    action: Text

    @property
    def short(self) -> Text:
        """What an operator reads first: at most 12 words, no raw detail."""
        return SHORT.get(self.code, self.message)


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
            "DISK_FULL",
            "Le disque du poste est plein : Établi ne peut plus rien enregistrer dans {path}.",
            "The station's disk is full: Établi cannot record anything more in {path}.",
            "Rien de ce qui était déjà enregistré n’est perdu. Libérez de la place sur ce disque "
            "(videz la corbeille, déplacez des images disque), puis relancez : la tâche "
            "reprendra où elle s’est arrêtée.",
            "Nothing already recorded is lost. Free some space on this disk (empty the bin, "
            "move disk images away), then start again: the job resumes where it stopped.",
        ),
        _kind(
            "DATA_FOLDER_READONLY",
            "Le dossier de données {path} est en lecture seule : Établi peut le lire, mais "
            "pas y écrire.",
            "The data folder {path} is read-only: Établi can read it, but not write to it.",
            "Consulter marche toujours. Pour travailler, remettez le disque en écriture ou "
            "choisissez un autre dossier (--data-dir) ; si le disque est passé seul en lecture "
            "seule, il est peut-être abîmé : appelez votre encadrant.",
            "Looking things up still works. To work, make the disk writable again or choose "
            "another folder (--data-dir); if the disk turned read-only by itself, it may be "
            "failing: call your supervisor.",
        ),
        _kind(
            "DATA_FOLDER_GONE",
            "Le dossier de données {path} n’est plus accessible (disque débranché, dossier "
            "supprimé ou déplacé).",
            "The data folder {path} can no longer be reached (disk unplugged, folder removed "
            "or moved).",
            "Ce qui était déjà enregistré est resté dans le dossier. Rebranchez le disque ou "
            "remettez le dossier en place, puis relancez : la tâche reprendra où elle s’est "
            "arrêtée.",
            "What was already recorded stays in the folder. Plug the disk back in or put the "
            "folder back, then start again: the job resumes where it stopped.",
        ),
        _kind(
            "DB_HEAD_MISSING",
            "La tête signée du journal ({path}) a disparu : on ne peut plus vérifier que des "
            "faits n’ont pas été supprimés à la fin du journal.",
            "The signed head of the log ({path}) is gone: nobody can tell any more whether "
            "facts were removed from the end of the log.",
            "Ne modifiez rien. Remettez ce fichier depuis une sauvegarde du dossier de données, "
            "ou appelez votre encadrant.",
            "Change nothing. Put the file back from a backup of the data folder, or call your "
            "supervisor.",
        ),
        _kind(
            "DB_HEAD_NEVER_SIGNED",
            "Le journal de ce poste n’a jamais été signé ({path} absent) : la fin du journal "
            "n’est pas protégée.",
            "This station’s log was never signed ({path} is absent): the end of the log is "
            "not protected.",
            "Ouvrez Établi une fois sur ce dossier : il signe le journal tel qu’il est. Si ce "
            "poste signait déjà son journal, ne faites rien et appelez votre encadrant.",
            "Open Établi once on this folder: it signs the log as it stands. If this station "
            "already signed its log, do nothing and call your supervisor.",
        ),
        _kind(
            "DB_HEAD_INVALID",
            "La tête signée du journal ({path}) n’est pas valable : {detail}.",
            "The signed head of the log ({path}) is not valid: {detail}.",
            "Ne modifiez rien et appelez votre encadrant : le fichier a été changé en dehors "
            "d’Établi.",
            "Change nothing and call your supervisor: the file was changed outside Établi.",
        ),
        _kind(
            "DB_LOG_SHORTER_THAN_HEAD",
            "Le journal s’arrête au fait n° {last}, mais la tête signée le {signed_at} va "
            "jusqu’au n° {seq} : {missing} fait(s) ont été supprimés à la fin du journal.",
            "The log ends at fact #{last}, but the head signed at {signed_at} goes up to "
            "#{seq}: {missing} fact(s) were removed from the end of the log.",
            "Ne modifiez rien et appelez votre encadrant. Les faits déjà synchronisés sont "
            "gardés par le collectif.",
            "Change nothing and call your supervisor. Facts already synced are kept by the "
            "collective.",
        ),
        _kind(
            "DB_LOG_DIVERGES_FROM_HEAD",
            "Le fait n° {seq} n’est plus celui qui a été signé le {signed_at} : le journal a "
            "été réécrit à cet endroit ou avant (empreinte {found}, signée {signed}).",
            "Fact #{seq} is not the one signed at {signed_at}: the log was rewritten there or "
            "before it (hash {found}, signed {signed}).",
            "Ne modifiez rien et appelez votre encadrant. Les faits déjà synchronisés sont "
            "gardés par le collectif.",
            "Change nothing and call your supervisor. Facts already synced are kept by the "
            "collective.",
        ),
        _kind(
            "DB_LOG_PAST_HEAD",
            "Les faits n° {first} à {last} ne sont couverts par aucune tête signée (la "
            "dernière, signée le {signed_at}, s’arrête au n° {seq}) : ils ont été ajoutés en "
            "dehors d’Établi, ou une ancienne tête a été remise à la place de la bonne.",
            "Facts #{first} to #{last} are covered by no signed head (the last one, signed at "
            "{signed_at}, stops at #{seq}): they were added outside Établi, or an older head "
            "was put in place of the right one.",
            "Ne vous fiez pas à ces faits ; ne modifiez rien et appelez votre encadrant.",
            "Do not trust these facts; change nothing and call your supervisor.",
        ),
        _kind(
            "DB_HUB_ACK_INVALID",
            "L’accusé de réception du collectif ({path}) est illisible : {detail}.",
            "The collective’s acknowledgement ({path}) cannot be read: {detail}.",
            "Ne modifiez rien ; la prochaine synchronisation le réécrit. Si cela revient, "
            "appelez votre encadrant.",
            "Change nothing; the next sync writes it again. If it comes back, call your "
            "supervisor.",
        ),
        _kind(
            "DB_LOG_SHORTER_THAN_HUB",
            "Le collectif ({hub}) a confirmé le {received_at} détenir les faits de ce poste "
            "jusqu’au n° {seq}, mais le journal local s’arrête au n° {last}.",
            "The collective ({hub}) confirmed at {received_at} that it holds this station’s "
            "facts up to #{seq}, but the local log ends at #{last}.",
            "Ne modifiez rien et appelez votre encadrant : le collectif a gardé les faits "
            "manquants.",
            "Change nothing and call your supervisor: the collective kept the missing facts.",
        ),
        _kind(
            "DB_LOG_DIVERGES_FROM_HUB",
            "Le fait n° {seq} n’est pas celui que le collectif ({hub}) a reçu et confirmé le "
            "{received_at} : le journal local a été réécrit (empreinte {found}, confirmée "
            "{acknowledged}).",
            "Fact #{seq} is not the one the collective ({hub}) received and confirmed at "
            "{received_at}: the local log was rewritten (hash {found}, confirmed "
            "{acknowledged}).",
            "Ne modifiez rien et appelez votre encadrant : le collectif a gardé les faits "
            "d’origine.",
            "Change nothing and call your supervisor: the collective kept the original facts.",
        ),
        _kind(
            "DB_PROJECTION_DIFFERS",
            "La table {table} ne correspond plus au journal : ligne {key}, colonne {column} : "
            "{stored} enregistré, {rebuilt} d’après le journal.",
            "The table {table} no longer matches the log: row {key}, column {column}: "
            "{stored} stored, {rebuilt} from the log.",
            "Ne vous fiez pas à ce qu’affiche cette table ; ne modifiez rien et appelez votre "
            "encadrant (elle se reconstruit depuis le journal).",
            "Do not trust what this table shows; change nothing and call your supervisor (it "
            "can be rebuilt from the log).",
        ),
        _kind(
            "DB_PROJECTION_ROW_EXTRA",
            "La table {table} contient une ligne qu’aucun fait du journal ne justifie : {key}.",
            "The table {table} holds a row no fact of the log accounts for: {key}.",
            "Ne vous fiez pas à ce qu’affiche cette table ; ne modifiez rien et appelez votre "
            "encadrant (elle se reconstruit depuis le journal).",
            "Do not trust what this table shows; change nothing and call your supervisor (it "
            "can be rebuilt from the log).",
        ),
        _kind(
            "DB_PROJECTION_ROW_MISSING",
            "Il manque à la table {table} une ligne que le journal donne : {key}.",
            "The table {table} lacks a row the log gives: {key}.",
            "Ne vous fiez pas à ce qu’affiche cette table ; ne modifiez rien et appelez votre "
            "encadrant (elle se reconstruit depuis le journal).",
            "Do not trust what this table shows; change nothing and call your supervisor (it "
            "can be rebuilt from the log).",
        ),
        _kind(
            "DB_PROJECTION_ORDER",
            "L’ordre des lignes de {table} pour {group} ne correspond plus au journal "
            "(la valeur actuelle en dépend) : {stored} enregistré, {rebuilt} d’après le journal.",
            "The order of the rows of {table} for {group} no longer matches the log (the "
            "current value depends on it): {stored} stored, {rebuilt} from the log.",
            "Ne vous fiez pas à ce qu’affiche cette table ; ne modifiez rien et appelez votre "
            "encadrant (elle se reconstruit depuis le journal).",
            "Do not trust what this table shows; change nothing and call your supervisor (it "
            "can be rebuilt from the log).",
        ),
        _kind(
            "DB_PROJECTION_REPLAY_FAILED",
            "Le journal ne peut pas être rejoué pour vérifier les tables : {detail}.",
            "The log cannot be replayed to check the tables: {detail}.",
            "Ne modifiez rien et appelez votre encadrant.",
            "Change nothing and call your supervisor.",
        ),
        _kind(
            "EVENT_INVALID",
            "Fait refusé ({event_type}) : {detail}.",
            "Fact refused ({event_type}): {detail}.",
            "Vérifiez les informations saisies puis recommencez.",
            "Check what was entered, then try again.",
        ),
        _kind(
            "FACT_MALFORMED",
            "Établi a voulu enregistrer un fait mal formé ({event_type}, {detail}) : c’est un "
            "défaut du logiciel, rien n’a été enregistré.",
            "Établi tried to record a malformed fact ({event_type}, {detail}): this is a bug "
            "in the software; nothing was recorded.",
            "Signalez-le à votre encadrant avec ce message ; l’appareil n’a rien perdu.",
            "Report it to your supervisor with this message; the device lost nothing.",
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
            "SEARCH_NOTHING_FOUND",
            "Aucun appareil ne correspond à « {text} » sur ce poste.",
            "No device matches “{text}” on this station.",
            "Vérifiez ce qui est tapé : un code, un numéro de série, un IMEI, un modèle, "
            "un donateur ou un numéro de bénéficiaire.",
            "Check what was typed: a code, a serial number, an IMEI, a model, a donor or a "
            "beneficiary number.",
        ),
        _kind(
            "SEARCH_EMPTY",
            "Rien à chercher : le texte est vide.",
            "Nothing to search for: the text is empty.",
            "Tapez ou scannez un code, un numéro de série, un IMEI, un modèle ou un nom.",
            "Type or scan a code, a serial number, an IMEI, a model or a name.",
        ),
        _kind(
            "IMEI_INVALID",
            "L’IMEI « {imei} » n’est pas valide (15 chiffres, le dernier est une clé de contrôle).",
            "The IMEI “{imei}” is not valid (15 digits, the last one is a check digit).",
            "Relisez-le : composez *#06# sur le téléphone ou regardez l’étiquette sous la batterie.",
            "Read it again: dial *#06# on the phone or look at the label under the battery.",
        ),
        _kind(
            "INTAKE_NO_IDENTIFIER",
            "Il faut un numéro de série ou un IMEI.",
            "A serial number or an IMEI is needed.",
            "Lisez l’étiquette, ou composez *#06# sur un téléphone.",
            "Read the label, or dial *#06# on a phone.",
        ),
        _kind(
            "INTAKE_SERIAL_KNOWN",
            "Ce numéro de série est déjà celui de {asset}.",
            "This serial number already belongs to {asset}.",
            "Relisez-le. Si c’est le même appareil, confirmez-le.",
            "Read it again. If it is the same device, confirm it.",
        ),
        _kind(
            "INTAKE_IMEI_KNOWN",
            "Cet IMEI est déjà celui de {asset}.",
            "This IMEI already belongs to {asset}.",
            "Relisez-le. Si c’est le même appareil, confirmez-le.",
            "Read it again. If it is the same device, confirm it.",
        ),
        _kind(
            "INTAKE_TWICE_IN_DONATION",
            "Cet appareil est déjà dans ce don : {asset}.",
            "This device is already in this donation: {asset}.",
            "Relisez le numéro. Si c’est le même appareil, confirmez-le.",
            "Read the number again. If it is the same device, confirm it.",
        ),
        _kind(
            "INTAKE_IDENTIFIERS_CONFLICT",
            "Ce numéro de série et cet IMEI sont sur deux appareils.",
            "This serial number and this IMEI belong to two devices.",
            "Relisez les deux numéros : {serial_asset} et {imei_asset}.",
            "Read both numbers again: {serial_asset} and {imei_asset}.",
        ),
        _kind(
            "OPERATOR_UNKNOWN",
            "« {name} » n’est pas dans la liste des opérateurs du poste.",
            "“{name}” is not in this station's list of operators.",
            "Choisissez un nom de la liste, ou ajoutez-le dans la fenêtre.",
            "Choose a name from the list, or add it in the window.",
        ),
        _kind(
            "OPERATOR_PIN_WRONG",
            "Code faux pour {name}.",
            "Wrong PIN for {name}.",
            "Réessayez, ou demandez à votre encadrant.",
            "Try again, or ask your supervisor.",
        ),
        _kind(
            "OPERATOR_NAME_INVALID",
            "Écrivez votre prénom (60 caractères au plus).",
            "Type your first name (60 characters at most).",
            "Un prénom ou un surnom suffit.",
            "A first name or a nickname is enough.",
        ),
        _kind(
            "OPERATOR_EXISTS",
            "« {name} » est déjà dans la liste.",
            "“{name}” is already in the list.",
            "Choisissez ce nom, ou ajoutez une initiale.",
            "Choose that name, or add an initial.",
        ),
        _kind(
            "OPERATOR_PIN_FORMAT",
            "Le code doit avoir 4 à 8 chiffres.",
            "The PIN must be 4 to 8 digits.",
            "Tapez seulement des chiffres, ou laissez vide.",
            "Type digits only, or leave it empty.",
        ),
        # Roles and approvals (bench_app/operators.py, bench_app/approvals.py).
        _kind(
            "OPERATOR_ROLE_NEEDS_PIN",
            "Un responsable ou un formateur doit avoir un code.",
            "A supervisor or a trainer needs a PIN.",
            "Donnez-lui un code de 4 à 8 chiffres.",
            "Give them a PIN of 4 to 8 digits.",
        ),
        _kind(
            "APPROVAL_NEEDED",
            "{action} : il faut l’accord d’un responsable.",
            "{action}: a supervisor must approve.",
            "Un responsable choisit son nom, tape son code et dit pourquoi.",
            "A supervisor chooses their name, types their PIN and says why.",
        ),
        _kind(
            "APPROVAL_NO_SUPERVISOR",
            "Aucun responsable n’est inscrit sur ce poste.",
            "No supervisor is listed at this station.",
            "Ajoutez un responsable avec son code dans Réglages, Opérateurs (en formation : "
            "un formateur).",
            "Add a supervisor with a PIN in Settings, Operators (in training: a trainer).",
        ),
        _kind(
            "APPROVAL_NOT_SUPERVISOR",
            "« {name} » ne peut pas donner cet accord.",
            "“{name}” cannot give this approval.",
            "Choisissez un responsable de la liste (en formation : un formateur).",
            "Choose a supervisor from the list (in training: a trainer).",
        ),
        _kind(
            "APPROVAL_PIN_WRONG",
            "Code faux pour {name}.",
            "Wrong PIN for {name}.",
            "Le responsable retape son code.",
            "The supervisor types their PIN again.",
        ),
        _kind(
            "APPROVAL_PIN_MISSING",
            "Le code du responsable n’a pas été donné.",
            "The supervisor's PIN was not given.",
            "Tapez-le quand il est demandé, ou mettez-le dans ETABLI_SUPERVISOR_PIN.",
            "Type it when asked, or put it in ETABLI_SUPERVISOR_PIN.",
        ),
        _kind(
            "APPROVAL_REASON_MISSING",
            "Écrivez pourquoi, en quelques mots (300 caractères au plus).",
            "Write why, in a few words (300 characters at most).",
            "La raison est gardée avec l’accord.",
            "The reason is kept with the approval.",
        ),
        _kind(
            "APPROVAL_NOTHING_TO_OVERRIDE",
            "Le contrôle de {asset} n’a pas échoué : rien à passer outre.",
            "The check of {asset} did not fail: nothing to override.",
            "Continuez le parcours normalement.",
            "Go on with the journey as usual.",
        ),
        _kind(
            "JOB_BUSY",
            "Cet appareil a déjà une tâche en cours.",
            "This device already has a job running.",
            "Attendez la fin de la tâche en cours, ou annulez-la.",
            "Wait for the running job to finish, or cancel it.",
        ),
        _kind(
            "BATCH_EMPTY",
            "Aucun téléphone n’est choisi pour la série.",
            "No phone is chosen for the batch.",
            "Cochez les téléphones à traiter ensemble, puis relancez.",
            "Tick the phones to do together, then start again.",
        ),
        _kind(
            "BATCH_NOT_A_PHONE",
            "{asset} n’est pas un téléphone : une série ne prend que des téléphones.",
            "{asset} is not a phone: a batch only takes phones.",
            "Retirez-le de la série, puis relancez.",
            "Take it out of the batch, then start again.",
        ),
        _kind(
            "BATCH_DEVICE_BUSY",
            "{asset} a déjà une tâche en cours.",
            "{asset} already has a job running.",
            "Attendez la fin de sa tâche, ou retirez-le de la série.",
            "Wait for its job to end, or take it out of the batch.",
        ),
        _kind(
            "BATCH_MIXED_MODELS",
            "Une série ne prend qu’un seul modèle ; ici : {models}.",
            "A batch takes only one model; here: {models}.",
            "Choisissez des téléphones du même modèle.",
            "Choose phones of the same model.",
        ),
        _kind(
            "BATCH_FASTBOOT_COUNT",
            "{given} adresses --fastboot pour {phones} téléphones.",
            "{given} --fastboot addresses for {phones} phones.",
            "Donnez une adresse --fastboot par téléphone, dans le même ordre, ou aucune.",
            "Give one --fastboot address per phone, in the same order, or none.",
        ),
        _kind(
            "BATCH_WIPE_NOT_VERIFIED",
            "L’effacement n’est pas vérifié : le système n’est pas installé.",
            "The wipe is not verified: the system was not installed.",
            "Ouvrez la carte du téléphone et refaites l’effacement.",
            "Open the phone's card and do the wipe again.",
        ),
        _kind(
            "BATCH_STOPPED",
            "La série a été arrêtée avant ce téléphone.",
            "The batch was stopped before this phone.",
            "Relancez ce téléphone depuis sa carte.",
            "Start this phone again from its card.",
        ),
        _kind(
            "INTERNAL_BATCH",
            "Erreur interne pendant la série.",
            "Internal error during the batch.",
            "Relancez ce téléphone depuis sa carte ; signalez le problème s’il revient.",
            "Start this phone again from its card; report it if it comes back.",
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
            "ADB_TARGET_INVALID",
            "« {target} » n’est ni un numéro de série de téléphone ni une adresse HÔTE:PORT.",
            "“{target}” is neither a phone's serial number nor a HOST:PORT address.",
            "Donnez le numéro affiché par « adb devices », ou HÔTE:PORT (port de 1 à 65535).",
            "Give the serial shown by “adb devices”, or HOST:PORT (port from 1 to 65535).",
        ),
        _kind(
            "DEVICE_GONE",
            "L’appareil a été débranché pendant l’étape « {step} ».",
            "The device was unplugged during step “{step}”.",
            "Rebranchez l’appareil, puis appuyez sur Reprendre.",
            "Plug the device back in, then press Resume.",
        ),
        _kind(
            "PHONE_ADDRESS_INVALID",
            "Adresse incorrecte : « {address} ».",
            "Wrong address: “{address}”.",
            "Tapez l’adresse IP et le port, par exemple 192.168.1.20:5555.",
            "Type the IP address and the port, e.g. 192.168.1.20:5555.",
        ),
        _kind(
            "PHONE_ADDRESS_NO_ANSWER",
            "Aucun téléphone ne répond à l’adresse {address}.",
            "No phone answers at {address}.",
            "Vérifiez le numéro et que le téléphone est sur le même Wi-Fi.",
            "Check the number and that the phone is on the same Wi-Fi.",
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
            "SCENARIO_INVALID",
            "Le scénario de formation {path} est invalide (champ « {field} ») : {detail}.",
            "The training scenario {path} is not valid (field “{field}”): {detail}.",
            "Corrigez ce champ du fichier, puis rouvrez le mode formation.",
            "Fix that field of the file, then open training mode again.",
        ),
        _kind(
            "SCENARIO_UNKNOWN",
            "Aucun scénario de formation « {name} ». Scénarios : {known}.",
            "No training scenario “{name}”. Scenarios: {known}.",
            "Choisissez un des scénarios de la liste.",
            "Choose one of the scenarios listed.",
        ),
        _kind(
            "SCENARIO_WITHOUT_TRAINING",
            "Un scénario ne se joue qu’en mode formation.",
            "A scenario only plays in training mode.",
            "Ajoutez --training à la commande.",
            "Add --training to the command.",
        ),
        _kind(
            "SIMULATOR_LISTEN_FAILED",
            "L’appareil simulé ne peut pas écouter sur {listen} : {detail}.",
            "The simulated device cannot listen on {listen}: {detail}.",
            "Choisissez une adresse de ce poste (--host 127.0.0.1) ou un port libre (--port 0).",
            "Choose an address of this machine (--host 127.0.0.1) or a free port (--port 0).",
        ),
        _kind(
            "SETTINGS_INVALID",
            "Le fichier de réglages {path} est illisible : {detail}.",
            "The settings file {path} cannot be read: {detail}.",
            "Corrigez le fichier ou supprimez-le : Établi en recréera un.",
            "Fix the file or delete it: Établi will create a new one.",
        ),
        _kind(
            "WORKSHOP_UNNAMED",
            "Nommez d’abord l’atelier (Réglages).",
            "Name the workshop first (Settings).",
            "Ouvrez Réglages et donnez le nom de l’atelier, ou : etabli settings set "
            'organisation "Nom de l’atelier".',
            "Open Settings and give the workshop's name, or: etabli settings set "
            'organisation "Workshop name".',
        ),
        _kind(
            "SETUP_STATION_UNNAMED",
            "Donnez un nom à ce poste.",
            "Give this station a name.",
            "Un nom court, comme « Poste 1 » : il remplace le numéro du poste partout.",
            "A short name, like “Station 1”: it replaces the station's number everywhere.",
        ),
        _kind(
            "SETUP_NO_OPERATOR",
            "Ajoutez au moins une personne.",
            "Add at least one person.",
            "Tapez un prénom, un code PIN si vous voulez, puis « Ajouter cette personne ».",
            "Type a first name, a PIN if you wish, then “Add this person”.",
        ),
        _kind(
            "SETUP_OPERATOR_REFUSED",
            "Cette personne n’a pas pu être ajoutée.",
            "This person could not be added.",
            "Lisez le message sous la liste, corrigez, puis « Ajouter cette personne ».",
            "Read the message under the list, fix it, then “Add this person”.",
        ),
        _kind(
            "SETTINGS_KEY_UNKNOWN",
            "Le réglage « {key} » n’existe pas.",
            "There is no setting “{key}”.",
            "Réglages possibles : {keys}.",
            "Settings you can change: {keys}.",
        ),
        _kind(
            "SETTINGS_VALUE_INVALID",
            "La valeur « {value} » ne convient pas pour {key} : {detail}.",
            "The value “{value}” does not suit {key}: {detail}.",
            "Donnez une valeur comme : {expected}.",
            "Give a value like: {expected}.",
        ),
        _kind(
            "DATA_DIR_NOT_A_FOLDER",
            "Le dossier de données {path} n’est pas un dossier : c’est {kind}.",
            "The data folder {path} is not a folder: it is {kind}.",
            "Donnez un dossier avec --data-dir (ou ETABLI_DATA_DIR), par exemple ~/etabli.",
            "Give a folder with --data-dir (or ETABLI_DATA_DIR), for example ~/etabli.",
        ),
        _kind(
            "INPUT_NOT_A_FILE",
            "{path} n’est pas un fichier que l’on peut lire : {kind}.",
            "{path} is not a file that can be read: {kind}.",
            "Donnez le chemin du fichier lui-même (pas un dossier, un périphérique ni un tube).",
            "Give the path of the file itself (not a folder, a device nor a pipe).",
        ),
        _kind(
            "INPUT_TOO_LARGE",
            "Le fichier {path} est bien trop gros pour ce qu’il doit être ({size} ; au plus "
            "{limit}).",
            "The file {path} is far too large for what it should be ({size}; at most {limit}).",
            "Vérifiez que c’est le bon fichier ; il a peut-être été mal copié.",
            "Check that it is the right file; it may have been copied wrongly.",
        ),
        _kind(
            "TEXT_UNDECODABLE",
            "« {text} » contient des caractères illisibles (des octets qui ne sont pas du "
            "texte UTF-8), que les registres ne peuvent pas garder.",
            "“{text}” contains unreadable characters (bytes that are not UTF-8 text), which the "
            "records cannot keep.",
            "Renommez le fichier ou retapez le texte avec des caractères ordinaires, puis "
            "recommencez.",
            "Rename the file or type the text again with ordinary characters, then try again.",
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
            "ERASE_DATA_FILE",
            "{path} repose sur {chain}, un fichier des données d’Établi ({data_dir}) : il ne "
            "sera jamais effacé.",
            "{path} stands on {chain}, a file of Établi’s data ({data_dir}): it is never erased.",
            "Ce n’est pas un vrai disque. Détachez-le sans l’effacer (losetup -d, dmsetup "
            "remove), puis choisissez le disque branché sur le dock.",
            "It is not a real disk. Detach it without erasing it (losetup -d, dmsetup remove), "
            "then choose the disk plugged into the dock.",
        ),
        _kind(
            "ERASE_STACKED",
            "{path} repose sur {chain}. {reason}",
            "{path} stands on {chain}. {reason}",
            "Ne l’effacez pas : choisissez le disque branché sur le dock, pas un disque virtuel "
            "posé sur les disques de ce poste.",
            "Do not erase it: choose the disk plugged into the dock, not a virtual disk set on "
            "this station’s own disks.",
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
            "PROGRAM_MISSING",
            "Le programme {program} manque sur ce poste.",
            "The program {program} is missing on this station.",
            "Installez-le (paquet {package}) ou demandez à l’encadrant ; « etabli selfcheck » "
            "dit ce qui manque.",
            "Install it (package {package}) or ask your supervisor; “etabli selfcheck” says "
            "what is missing.",
        ),
        _kind(
            "ERASE_HELPER_UNREACHABLE",
            "Le service d’effacement d’Établi ne répond pas ({socket} : {detail}).",
            "Établi's erasure service does not answer ({socket}: {detail}).",
            "Demandez à l’encadrant de lancer « sudo systemctl enable --now "
            "etabli-erase-helper.socket » et d’ajouter ce compte au groupe etabli (puis "
            "reconnectez-vous). Voir « etabli selfcheck ».",
            "Ask your supervisor to run “sudo systemctl enable --now "
            "etabli-erase-helper.socket” and to add this account to the etabli group (then log "
            "in again). See “etabli selfcheck”.",
        ),
        _kind(
            "ERASE_HELPER_NOT_ALLOWED",
            "Ce compte (uid {uid}) n’est pas dans le groupe {group} : pas d’effacement.",
            "This account (uid {uid}) is not in the {group} group: no erasure.",
            "Demandez à l’encadrant : « sudo usermod -aG {group} NOM », puis reconnectez-vous.",
            "Ask your supervisor: “sudo usermod -aG {group} NAME”, then log in again.",
        ),
        _kind(
            "ERASE_HELPER_BAD_REQUEST",
            "Le service d’effacement refuse une demande mal formée : {detail}.",
            "The erasure service refuses a malformed request: {detail}.",
            "Mettez Établi à jour : le poste et le service doivent être de la même version.",
            "Update Établi: the station and the service must be the same version.",
        ),
        _kind(
            "ERASE_HELPER_FAILED",
            "Le service d’effacement a répondu de façon illisible : {detail}.",
            "The erasure service gave an unreadable answer: {detail}.",
            "Relancez le service (« sudo systemctl restart etabli-erase-helper.socket »), puis "
            "recommencez.",
            "Restart the service (“sudo systemctl restart etabli-erase-helper.socket”), then "
            "start again.",
        ),
        _kind(
            "ERASE_TARGET_CHANGED",
            "Le disque branché n’est plus celui choisi (attendu {expected}, trouvé {found}).",
            "The disk plugged in is no longer the one chosen (expected {expected}, found {found}).",
            "Rebranchez le bon disque, puis reprenez l’effacement.",
            "Plug the right disk back in, then resume the erasure.",
        ),
        _kind(
            "OUTCOME_RECYCLING_REFERENCE",
            "Un recyclage doit porter la référence de l’éco-organisme (bordereau d’enlèvement).",
            "A recycling outcome needs the eco-organism’s reference (its pick-up slip number).",
            "Recopiez le numéro du bordereau de l’éco-organisme, puis enregistrez à nouveau.",
            "Copy the number from the eco-organism’s slip, then record it again.",
        ),
        # A device's journey: what blocks a stage (bench_app/journey.py), one sentence each.
        _kind(
            "JOURNEY_FRP_LOCK",
            "Un compte Google bloque ce téléphone (protection contre la réinitialisation).",
            "A Google account locks this phone (factory reset protection).",
            "Faites retirer le compte par le donateur (Paramètres > Comptes), puis relancez "
            "le contrôle.",
            "Have the donor remove the account (Settings > Accounts), then check it again.",
        ),
        _kind(
            "JOURNEY_MDM_LOCK",
            "Une entreprise gère encore ce téléphone à distance (MDM).",
            "A company still manages this phone remotely (MDM).",
            "Demandez au donateur de le retirer de sa console de gestion, puis relancez le "
            "contrôle.",
            "Ask the donor to release it from their management console, then check it again.",
        ),
        _kind(
            "JOURNEY_DISK_FAILING",
            "Le disque est défaillant : l’appareil ne peut aller qu’aux pièces ou au recyclage.",
            "The disk is failing: the device can only go to spare parts or recycling.",
            "Effacez-le quand même si possible, puis choisissez pièces détachées ou recyclage.",
            "Erase it anyway if you can, then choose spare parts or recycling.",
        ),
        _kind(
            "JOURNEY_ERASURE_FAILED",
            "Le dernier effacement n’a pas abouti : les données sont peut-être encore là.",
            "The last erasure did not succeed: the data may still be there.",
            "Relancez l’effacement ; s’il échoue encore, envoyez l’appareil au recyclage.",
            "Start the erasure again; if it fails again, send the device to recycling.",
        ),
        _kind(
            "JOURNEY_CHECK_FAILED",
            "Le contrôle a échoué.",
            "The check failed.",
            "Recommencez-le ; s’il échoue encore, un responsable peut passer outre "
            "(Autres actions).",
            "Start it again; if it fails again, a supervisor may override it (Other actions).",
        ),
        # A computer's disks, docked at the station (bench_app/disk_links.py).
        _kind(
            "JOURNEY_NO_DISK_LINKED",
            "Aucun disque n’est relié à cet ordinateur.",
            "No disk is linked to this computer.",
            "Sortez son disque, branchez-le au poste, puis reliez-le à l’ordinateur.",
            "Take its disk out, dock it at the station, then link it to the computer.",
        ),
        _kind(
            "JOURNEY_DISK_NOT_ERASED",
            "Disque pas encore effacé et vérifié : {disks}.",
            "Disk not yet erased and verified: {disks}.",
            "Branchez ce disque au poste et effacez-le.",
            "Dock this disk at the station and erase it.",
        ),
        _kind(
            "LINK_NOT_A_DISK",
            "{asset} n’est pas un disque : seul un disque se relie.",
            "{asset} is not a disk: only a disk can be linked.",
            "Choisissez la carte du disque branché au poste.",
            "Choose the card of the disk docked at the station.",
        ),
        _kind(
            "LINK_NOT_A_COMPUTER",
            "{asset} n’est ni un portable ni un ordinateur fixe.",
            "{asset} is neither a laptop nor a desktop.",
            "Vérifiez le code de l’ordinateur.",
            "Check the computer's code.",
        ),
        _kind(
            "LINK_TRAINING_MIX",
            "{asset} et ce disque ne sont pas tous deux en formation.",
            "{asset} and this disk are not both in training.",
            "Reliez un disque de formation à un ordinateur de formation.",
            "Link a training disk to a training computer.",
        ),
        _kind(
            "LAPTOP_NO_DISK_DOCKED",
            "Aucun disque de cet ordinateur n’est branché au poste.",
            "No disk of this computer is docked at the station.",
            "Branchez son disque sur le dock du poste.",
            "Dock its disk at the station.",
        ),
        _kind(
            "LAPTOP_IMAGE_NOT_SET",
            "L’atelier n’a pas choisi d’image système pour les ordinateurs.",
            "The workshop has not chosen a system image for computers.",
            "Demandez à l’encadrant de la choisir, ou passez l’étape avec une raison.",
            "Ask your supervisor to choose it (setting laptop_image), or skip the stage with a reason.",
        ),
        _kind(
            "GRADE_ANSWERS_MISSING",
            "Répondez à chaque question avant de noter.",
            "Answer every question before grading.",
            "Choisissez une réponse pour chaque ligne.",
            "Choose an answer on each line.",
        ),
        # Refusals of an outcome (bench_app/journey.py `outcome_refusal`).
        _kind(
            "OUTCOME_DISK_NOT_ERASED",
            "Pas de {outcome} : disque {disks} pas effacé et vérifié.",
            "No {outcome}: disk {disks} not erased and verified.",
            "Effacez ce disque au poste, puis choisissez la destination.",
            "Erase this disk at the station, then choose the outcome.",
        ),
        _kind(
            "OUTCOME_NEEDS_VERIFIED_ERASURE",
            "Pas de {outcome} sans effacement vérifié : les données du donateur sont peut-être "
            "encore sur l’appareil.",
            "No {outcome} without a verified erasure: the donor's data may still be on the device.",
            "Effacez l’appareil d’abord (etabli wipe ou etabli erase), puis recommencez.",
            "Erase the device first (etabli wipe or etabli erase), then try again.",
        ),
        _kind(
            "OUTCOME_DEVICE_LOCKED",
            "Pas de {outcome} : le téléphone est encore bloqué par un compte ou une entreprise.",
            "No {outcome}: the phone is still locked by an account or a company.",
            "Faites lever le blocage, ou choisissez pièces détachées ou recyclage.",
            "Have the lock removed, or choose spare parts or recycling.",
        ),
        _kind(
            "OUTCOME_DISK_FAILING",
            "Pas de {outcome} : le disque est défaillant.",
            "No {outcome}: the disk is failing.",
            "Choisissez pièces détachées ou recyclage.",
            "Choose spare parts or recycling.",
        ),
        _kind(
            "OUTCOME_BENEFICIARY_MISSING",
            "Un {outcome} doit porter la référence du bénéficiaire.",
            "A {outcome} needs the beneficiary's reference.",
            "Ajoutez --beneficiary REF (le numéro de dossier, pas le nom de la personne).",
            "Add --beneficiary REF (the file number, not the person's name).",
        ),
        _kind(
            "BENEFICIARY_REFERENCE_INVALID",
            "Le numéro de dossier « {reference} » ne convient pas : {detail}.",
            "The file number “{reference}” will not do: {detail}.",
            "Donnez le numéro de dossier de la personne (40 signes au plus), jamais son nom.",
            "Give the person's file number (40 characters at most), never their name.",
        ),
        _kind(
            "BENEFICIARY_FIELD_INVALID",
            "Le champ {field} ne convient pas : {detail}.",
            "The field {field} will not do: {detail}.",
            "Écrivez-le sur une ligne, en 200 signes au plus.",
            "Write it on one line, in 200 characters at most.",
        ),
        _kind(
            "BENEFICIARY_EXISTS",
            "Le dossier {reference} est déjà enregistré sur ce poste.",
            "The file {reference} is already recorded on this station.",
            "Modifiez-le dans la vue Bénéficiaires, ou choisissez un autre numéro.",
            "Edit it in the Beneficiaries view, or choose another number.",
        ),
        _kind(
            "BENEFICIARY_UNKNOWN",
            "Ce poste ne garde aucune donnée sur le dossier {reference}.",
            "This station holds no data about the file {reference}.",
            "Vérifiez le numéro de dossier (etabli beneficiary list).",
            "Check the file number (etabli beneficiary list).",
        ),
        _kind(
            "OUTCOME_DUE_DATE_MISSING",
            "Un prêt doit porter sa date de retour.",
            "A loan needs its return date.",
            "Ajoutez --due AAAA-MM-JJ.",
            "Add --due YYYY-MM-DD.",
        ),
        _kind(
            "OUTCOME_DUE_DATE_INVALID",
            "La date de retour « {due} » n’est pas une date à venir.",
            "The return date “{due}” is not a date to come.",
            "Donnez une date après aujourd’hui, au format AAAA-MM-JJ.",
            "Give a date after today, as YYYY-MM-DD.",
        ),
        _kind(
            "OUTCOME_PRICE_MISSING",
            "Une vente solidaire doit porter son prix.",
            "A solidarity sale needs its price.",
            "Ajoutez --price, en euros (par exemple 45 ou 45,50).",
            "Add --price, in euros (for example 45 or 45.50).",
        ),
        _kind(
            "OUTCOME_PRICE_INVALID",
            "Le prix « {price} » n’est pas un montant en euros valable.",
            "The price “{price}” is not a valid amount in euros.",
            "Donnez un montant positif ou nul, avec au plus deux chiffres après la virgule "
            "(par exemple 45,50).",
            "Give an amount of zero or more, with at most two decimals (for example 45.50).",
        ),
        _kind(
            "OUTCOME_RECEIPT_MISSING",
            "Une vente solidaire porte son numéro de reçu.",
            "A solidarity sale carries its receipt number.",
            "Recopiez le numéro du reçu remis à l’acheteur (--receipt).",
            "Copy the number of the receipt given to the buyer (--receipt).",
        ),
        _kind(
            "OUTCOME_RENTAL_TERM_INVALID",
            "Durée de location « {months} » incorrecte : de 1 à 60 mois.",
            "Rental term “{months}” is wrong: 1 to 60 months.",
            "Donnez le nombre de mois de la location (--months), de 1 à 60.",
            "Give the rental's number of months (--months), from 1 to 60.",
        ),
        _kind(
            "OUTCOME_PART_INCOMPLETE",
            "Une pièce donnée nomme la pièce et l’appareil qui la reçoit.",
            "A part given names the part and the device receiving it.",
            "Donnez les deux : le nom de la pièce (--part) et le code de l’appareil (--to).",
            "Give both: the part's name (--part) and the device's code (--to).",
        ),
        _kind(
            "OUTCOME_PART_RECEIVER_UNKNOWN",
            "Aucun appareil enregistré sous le code {code}.",
            "No device is recorded under code {code}.",
            "Relisez le code d’inventaire sur l’étiquette de l’appareil qui reçoit la pièce.",
            "Read again the asset code on the label of the device receiving the part.",
        ),
        _kind(
            "OUTCOME_PART_RECEIVER_SELF",
            "Un appareil ne se donne pas une pièce à lui-même.",
            "A device does not give a part to itself.",
            "Donnez le code de l’appareil qui reçoit la pièce.",
            "Give the code of the device receiving the part.",
        ),
        _kind(
            "OUTCOME_WEIGHT_INVALID",
            "Poids « {weight} » incorrect : un nombre de kilos au-dessus de zéro.",
            "Weight “{weight}” is wrong: a number of kilograms above zero.",
            "Donnez le poids pesé en kilos, par exemple 0,2 ou 12,5.",
            "Give the weighed weight in kilograms, for example 0.2 or 12.5.",
        ),
        _kind(
            "HANDOVER_PICTURE_INVALID",
            "L’image de la signature n’est pas une image PNG ou JPEG lisible.",
            "The signature picture is not a readable PNG or JPEG picture.",
            "Prenez une photo de la fiche signée (PNG ou JPEG, moins de 5 Mo), ou signez à "
            "l’écran.",
            "Take a photo of the signed sheet (PNG or JPEG, under 5 MB), or sign on screen.",
        ),
        _kind(
            "HANDOVER_PICTURE_UNREADABLE",
            "Impossible de lire la photo {path}.",
            "Cannot read the photo {path}.",
            "Vérifiez que la clé USB est branchée et que le fichier existe, puis réessayez.",
            "Check that the USB stick is plugged in and the file exists, then try again.",
        ),
        _kind(
            "HANDOVER_PICTURE_MISSING",
            "L’image de la signature n’est plus dans le dossier de données.",
            "The signature picture is no longer in the data folder.",
            "Signez de nouveau à l’écran, ou reprenez la photo de la fiche signée.",
            "Sign again on screen, or take the photo of the signed sheet again.",
        ),
        _kind(
            "LOAN_NOT_OUT",
            "{code} n’est ni prêté ni loué en ce moment.",
            "{code} is neither lent nor rented right now.",
            "Vérifiez le code sur l’étiquette ; la liste des prêts : etabli loans.",
            "Check the code on the label; the list of loans: etabli loans.",
        ),
        _kind(
            "LOAN_ALREADY_SIGNED",
            "La fiche de remise de {code} est déjà signée.",
            "The handover sheet of {code} is already signed.",
            "Pour ajouter l’image de la signature, donnez-la (--signature).",
            "To add the signature's picture, give it (--signature).",
        ),
        _kind(
            "PAYMENT_NOT_RENTAL",
            "{code} est prêté, pas loué : rien à payer.",
            "{code} is lent, not rented: nothing to pay.",
            "Vérifiez le code sur l’étiquette ; la liste : etabli loans.",
            "Check the code on the label; the list: etabli loans.",
        ),
        _kind(
            "PAYMENT_DATE_INVALID",
            "Date de paiement « {day} » incorrecte.",
            "Wrong payment date “{day}”.",
            "Donnez une date AAAA-MM-JJ entre le début de la location et aujourd’hui.",
            "Give a YYYY-MM-DD date between the rental's start and today.",
        ),
        _kind(
            "PAYMENT_AMOUNT_INVALID",
            "Montant « {amount} » incorrect.",
            "Wrong amount “{amount}”.",
            "Donnez un montant en euros au-dessus de zéro, par exemple 12,50.",
            "Give an amount in euros above zero, for example 12.50.",
        ),
        _kind(
            "PAYMENT_RECEIPT_MISSING",
            "Un paiement a son numéro de reçu.",
            "A payment has its receipt number.",
            "Écrivez le numéro du reçu remis au bénéficiaire.",
            "Write the number of the receipt given to the beneficiary.",
        ),
        _kind(
            "PAYMENT_MONTHS_INVALID",
            "Ce paiement couvre {months} mois ; il en reste {left} à payer.",
            "This payment covers {months} months; {left} are left to pay.",
            "Donnez un nombre de mois entre 1 et ce qui reste.",
            "Give a number of months from 1 to what is left.",
        ),
        _kind(
            "PART_DONOR_NOT_SPARE",
            "{code} n’est pas gardé pour ses pièces.",
            "{code} is not kept for its spare parts.",
            "Choisissez d’abord la destination « Pièces détachées » pour {code}.",
            "First choose the outcome “Spare parts” for {code}.",
        ),
        _kind(
            "PART_MISSING",
            "Dites quelle pièce est donnée.",
            "Say which part is given.",
            "Écrivez la pièce, par exemple « écran » ou « batterie ».",
            "Write the part, for example “screen” or “battery”.",
        ),
        _kind(
            "RETURN_CONDITION_MISSING",
            "Un retour dit dans quel état revient l’appareil.",
            "A return says in what condition the device came back.",
            "Décrivez l’état en quelques mots (--condition), par exemple « écran rayé ».",
            "Describe the condition in a few words (--condition), e.g. “scratched screen”.",
        ),
        _kind(
            "RETURN_STATE_UNKNOWN",
            "État « {state} » inconnu.",
            "Unknown condition “{state}”.",
            "Choisissez : {choices}.",
            "Choose: {choices}.",
        ),
        _kind(
            "INSTALL_NEEDS_VERIFIED_WIPE",
            "Pas d’installation de système avant un effacement vérifié du téléphone.",
            "No system installation before a verified wipe of the phone.",
            "Effacez d’abord le téléphone (etabli wipe), puis installez.",
            "Wipe the phone first (etabli wipe), then install.",
        ),
        _kind(
            "INSTALL_SKIP_REASON_MISSING",
            "Passer l’installation demande une raison.",
            "Skipping the installation needs a reason.",
            "Écrivez pourquoi (par exemple « système d’origine à jour »).",
            "Write why (for example “stock system up to date”).",
        ),
        _kind(
            "JOURNEY_WRONG_KIND",
            "{asset} est un appareil de type « {kind} » : cette commande ne sert qu’aux {wanted}.",
            "{asset} is a device of kind “{kind}”: this command is only for {wanted}.",
            "Vérifiez le code de l’appareil.",
            "Check the device's code.",
        ),
        _kind(
            "PHONE_NOT_THAT_DEVICE",
            "Le téléphone branché est {found}, pas {asset}.",
            "The phone plugged in is {found}, not {asset}.",
            "Branchez le téléphone qui porte l’étiquette {asset}, ou donnez son code.",
            "Plug in the phone labelled {asset}, or give its code.",
        ),
        _kind(
            "PHONE_NOT_FOUND",
            "Le téléphone {target} ne répond pas ou n’a pas autorisé ce poste.",
            "The phone {target} does not answer or did not allow this station.",
            "Branchez-le, activez le débogage USB et touchez « Autoriser » sur son écran, "
            "puis recommencez.",
            "Plug it in, turn USB debugging on and tap “Allow” on its screen, then try again.",
        ),
        _kind(
            "REPORT_LOT_UNKNOWN",
            "Aucun don ne correspond à « {lot} » sur ce poste.",
            "No lot matches “{lot}” on this station.",
            "Donnez la référence de convention du don, ou la fin de son identifiant.",
            "Give the lot’s agreement reference, or the end of its id.",
        ),
        _kind(
            "REPORT_LOT_AMBIGUOUS",
            "« {lot} » correspond à {count} dons.",
            "“{lot}” matches {count} lots.",
            "Donnez plus de caractères de la fin de l’identifiant du don.",
            "Give more characters from the end of the lot’s id.",
        ),
        _kind(
            "REPORT_FORMAT",
            "Le fichier {path} doit se terminer par {formats}.",
            "The file {path} must end in {formats}.",
            "Choisissez un nom de fichier avec la bonne extension.",
            "Choose a file name with the right extension.",
        ),
        _kind(
            "REPORT_PERIOD_INVALID",
            "La période est invalide : {detail}.",
            "The period is not valid: {detail}.",
            "Donnez deux dates AAAA-MM-JJ, la première avant la seconde.",
            "Give two dates YYYY-MM-DD, the first before the second.",
        ),
        _kind(
            "DASHBOARD_FAILED",
            "Le tableau de bord n’a pas pu être calculé : {detail}.",
            "The dashboard could not be computed: {detail}.",
            "Cliquez sur « Actualiser ». Si cela recommence, lancez « etabli db check ».",
            "Click “Refresh”. If it happens again, run “etabli db check”.",
        ),
        _kind(
            "REPORT_WRITE_FAILED",
            "Impossible d’écrire {path} : {detail}.",
            "Cannot write {path}: {detail}.",
            "Choisissez un autre dossier (une clé USB pleine ou protégée ?), puis recommencez.",
            "Choose another folder (a full or write-protected USB stick?), then try again.",
        ),
        _kind(
            "ENVIRONMENT_FACTORS_INVALID",
            "Le fichier des facteurs environnementaux {path} est invalide ({key}) : {detail}.",
            "The environmental factors file {path} is not valid ({key}): {detail}.",
            "Corrigez cette valeur dans le fichier, ou supprimez la copie de l’atelier pour "
            "revenir aux facteurs fournis.",
            "Fix that value in the file, or delete the workshop’s copy to go back to the "
            "shipped factors.",
        ),
        _kind(
            "FASTBOOT_GONE",
            "Le téléphone a cessé de répondre pendant l’étape « {step} » ({detail}). "
            "Il est sans doute resté en mode fastboot.",
            "The phone stopped answering during step “{step}” ({detail}). "
            "It is probably still in fastboot mode.",
            "Le téléphone est resté en mode fastboot. Rebranchez-le, puis reprenez à l’étape "
            "« {step} ».",
            "The phone stayed in fastboot mode. Plug it back in, then resume at step “{step}”.",
        ),
        _kind(
            "FASTBOOT_FAILED",
            "Le téléphone a refusé « {command} » pendant l’étape « {step} » : {message}.",
            "The phone refused “{command}” during step “{step}”: {message}.",
            "Le téléphone est resté en mode fastboot. Vérifiez que l’image est bien celle de ce "
            "modèle, puis reprenez à l’étape « {step} ».",
            "The phone stayed in fastboot mode. Check that the image is the one for this model, "
            "then resume at step “{step}”.",
        ),
        _kind(
            "FASTBOOT_GARBLED",
            "Le téléphone répond de façon incompréhensible pendant l’étape « {step} » ({detail}).",
            "The phone answers nonsense during step “{step}” ({detail}).",
            "Débranchez et rebranchez le téléphone (il reste en mode fastboot), puis reprenez à "
            "l’étape « {step} ». Si cela recommence, changez de câble.",
            "Unplug and plug the phone back in (it stays in fastboot mode), then resume at step "
            "“{step}”. If it happens again, change the cable.",
        ),
        _kind(
            "FASTBOOT_WRONG_DEVICE",
            "Ce téléphone n’est pas le modèle attendu : {name} vaut « {found} », "
            "attendu {allowed}.",
            "This phone is not the expected model: {name} is “{found}”, expected {allowed}.",
            "Rien n’a été écrit. Branchez le bon téléphone, ou choisissez le profil de ce modèle.",
            "Nothing was written. Plug in the right phone, or choose this model’s profile.",
        ),
        _kind(
            "FASTBOOT_LOCKED",
            "Le chargeur de démarrage est verrouillé : le téléphone refuse « {command} » "
            "({message}).",
            "The bootloader is locked: the phone refuses “{command}” ({message}).",
            "Déverrouillez d’abord le chargeur de démarrage (étape de déverrouillage), puis "
            "reprenez à l’étape « {step} ».",
            "Unlock the bootloader first (the unlock step), then resume at step “{step}”.",
        ),
        _kind(
            "FASTBOOT_OPERATOR_TIMEOUT",
            "Le téléphone attend toujours une confirmation sur son écran ({seconds} s sans "
            "réponse).",
            "The phone is still waiting for a confirmation on its screen (no answer for "
            "{seconds} s).",
            "Sur le téléphone, choisissez avec les touches de volume et validez avec le bouton "
            "marche/arrêt, puis reprenez à l’étape « {step} ».",
            "On the phone, choose with the volume keys and confirm with the power button, then "
            "resume at step “{step}”.",
        ),
        _kind(
            "FASTBOOT_IMAGE_INVALID",
            "Le fichier image {path} est illisible : {detail}.",
            "The image file {path} cannot be read: {detail}.",
            "Rien n’a été écrit. Téléchargez à nouveau l’image dans la bibliothèque, puis "
            "reprenez.",
            "Nothing was written. Download the image again into the library, then resume.",
        ),
        _kind(
            "FASTBOOT_FORMAT_UNSUPPORTED",
            "Impossible de préparer un système de fichiers {fs_type} pour la partition "
            "{partition} : {detail}.",
            "Cannot build a {fs_type} file system for partition {partition}: {detail}.",
            "Effacez la partition à la place (erase), ou appelez votre encadrant.",
            "Erase the partition instead, or call your supervisor.",
        ),
        _kind(
            "KEY_STATION_UNREADABLE",
            "La clé de signature du poste ({path}) est illisible : {detail}.",
            "The station’s signing key ({path}) cannot be read: {detail}.",
            "Ne la supprimez pas : restaurez-la depuis une sauvegarde, ou appelez votre encadrant.",
            "Do not delete it: restore it from a backup, or call your supervisor.",
        ),
        _kind(
            "KEY_INVALID",
            "Le fichier {path} n’est pas une clé publique Ed25519 ({detail}).",
            "The file {path} is not an Ed25519 public key ({detail}).",
            "Demandez au poste ou au collectif le fichier donné par « etabli keys export-public ».",
            "Ask the station or the collective for the file made by “etabli keys export-public”.",
        ),
        _kind(
            "SIGNATURE_MALFORMED",
            "{path} ne porte pas de signature Établi lisible : {detail}.",
            "{path} carries no readable Établi signature: {detail}.",
            "Demandez un nouvel exemplaire au poste qui l’a produit.",
            "Ask the station that made it for a new copy.",
        ),
        _kind(
            "SIGNATURE_KEY_UNKNOWN",
            "{path} est signé par la clé {key_id}, que ce poste ne connaît pas.",
            "{path} is signed by key {key_id}, which this station does not know.",
            "Si ce poste ou ce collectif est de confiance, importez sa clé publique : "
            "etabli keys trust FICHIER.pub",
            "If that station or collective is trusted, import its public key: "
            "etabli keys trust FILE.pub",
        ),
        _kind(
            "SIGNATURE_INVALID",
            "La signature de {path} (clé {key_id}) ne correspond pas : le contenu a été modifié "
            "après la signature.",
            "The signature of {path} (key {key_id}) does not match: the content was changed "
            "after it was signed.",
            "Ne vous fiez pas à ce document ; demandez l’original au poste qui l’a produit.",
            "Do not trust this document; ask the station that made it for the original.",
        ),
        _kind(
            "CERT_NO_ERASURE",
            "Aucun effacement n’est enregistré pour l’appareil {asset}.",
            "No erasure is recorded for device {asset}.",
            "Effacez l’appareil d’abord, puis redemandez le certificat.",
            "Erase the device first, then ask for the certificate again.",
        ),
        _kind(
            "CERT_LOT_UNKNOWN",
            "Aucun lot ne porte l’identifiant {lot} sur ce poste.",
            "No lot has the id {lot} on this station.",
            "Vérifiez l’identifiant du lot (etabli devices --json le montre).",
            "Check the lot id (etabli devices --json shows it).",
        ),
        _kind(
            "CERT_LOT_EMPTY",
            "Le lot {lot} n’a aucun appareil.",
            "Lot {lot} has no device.",
            "Rattachez les appareils au lot à l’accueil, puis recommencez.",
            "Attach the devices to the lot at intake, then try again.",
        ),
        _kind(
            "CERT_NOT_CERTIFICATE",
            "{path} n’est pas un certificat d’effacement Établi : {detail}.",
            "{path} is not an Établi erasure certificate: {detail}.",
            "Choisissez le fichier PDF produit par « etabli certificate ».",
            "Choose the PDF file made by “etabli certificate”.",
        ),
        _kind(
            "CERT_TAMPERED",
            "{path} a été modifié après sa signature : {detail}.",
            "{path} was changed after it was signed: {detail}.",
            "Ne vous fiez pas à ce certificat ; demandez l’original au poste qui l’a produit.",
            "Do not trust this certificate; ask the station that made it for the original.",
        ),
        _kind(
            "CERT_TOO_LARGE",
            "{path} est bien trop gros pour être un certificat d’Établi ({detail}) : il n’a "
            "pas été vérifié.",
            "{path} is far too large to be an Établi certificate ({detail}): it was not checked.",
            "Vérifiez que c’est le bon fichier : un certificat fait quelques centaines de Ko, "
            "même pour un lot. Sinon, demandez l’original au poste qui l’a produit.",
            "Check it is the right file: a certificate is a few hundred KB, even for a lot. "
            "Otherwise ask the station that made it for the original.",
        ),
        _kind(
            "CERT_WRITE_FAILED",
            "Impossible d’écrire {path} : {detail}.",
            "Cannot write {path}: {detail}.",
            "Choisissez un autre dossier, ou libérez de la place.",
            "Choose another folder, or free some space.",
        ),
        _kind(
            "LABEL_TEMPLATE_UNKNOWN",
            "Modèle d’étiquette inconnu : « {name} » (modèles connus : {known}).",
            "Unknown label template “{name}” (known templates: {known}).",
            "Choisissez un des modèles connus.",
            "Choose one of the known templates.",
        ),
        _kind(
            "LABEL_OUTPUT_INVALID",
            "Impossible d’écrire l’étiquette dans {path} : seuls les fichiers .png et .pdf "
            "sont possibles.",
            "Cannot write the label to {path}: only .png and .pdf files are possible.",
            "Donnez un nom de fichier qui finit par .png ou .pdf.",
            "Give a file name ending in .png or .pdf.",
        ),
        _kind(
            "LABEL_WRITE_FAILED",
            "Impossible d’écrire l’étiquette dans {path} : {detail}.",
            "Cannot write the label to {path}: {detail}.",
            "Choisissez un fichier dans un dossier qui existe (pas un dossier du même nom).",
            "Choose a file in a folder that exists (not a folder of that name).",
        ),
        _kind(
            "PRINTERS_INVALID",
            "Le réglage des imprimantes {path} est illisible : {detail}.",
            "The printer settings {path} cannot be read: {detail}.",
            "Corrigez l’imprimante dans « Imprimantes… », ou supprimez le fichier et "
            "réglez-les à nouveau.",
            "Fix the printer in “Printers…”, or delete the file and set them up again.",
        ),
        _kind(
            "PRINTER_UNKNOWN",
            "Aucune imprimante « {name} » n’est réglée sur ce poste.",
            "No printer “{name}” is set up on this station.",
            "Ajoutez-la dans « Imprimantes… », ou choisissez une imprimante réglée.",
            "Add it in “Printers…”, or choose a printer that is set up.",
        ),
        _kind(
            "PRINTER_UNREACHABLE",
            "L’imprimante {printer} ne répond pas ({detail}).",
            "The printer {printer} does not answer ({detail}).",
            "Vérifiez qu’elle est allumée et que son câble (USB ou réseau) est branché, "
            "puis appuyez sur Réessayer.",
            "Check that it is switched on and its cable (USB or network) is plugged in, "
            "then press Retry.",
        ),
        _kind(
            "PRINTER_NO_MEDIA",
            "L’imprimante {printer} n’a plus d’étiquettes ({detail}).",
            "The printer {printer} is out of labels ({detail}).",
            "Mettez un rouleau d’étiquettes, refermez le capot, puis appuyez sur Réessayer.",
            "Load a roll of labels, close the cover, then press Retry.",
        ),
        _kind(
            "PRINTER_NOT_READY",
            "L’imprimante {printer} n’est pas prête : {detail}.",
            "The printer {printer} is not ready: {detail}.",
            "Refermez le capot, retirez l’étiquette coincée ou sortez-la de la pause, "
            "puis appuyez sur Réessayer.",
            "Close the cover, remove a stuck label or take it out of pause, then press Retry.",
        ),
        _kind(
            "PRINT_FAILED",
            "L’impression sur {printer} a échoué : {detail}.",
            "Printing on {printer} failed: {detail}.",
            "Appuyez sur Réessayer ; si cela recommence, vérifiez la file d’impression "
            "(lpstat -t) ou appelez votre encadrant.",
            "Press Retry; if it happens again, check the print queue (lpstat -t) or call "
            "your supervisor.",
        ),
        _kind(
            "PROFILE_INVALID",
            "Le profil d’appareil {path} est invalide (ligne {line}, champ « {field} ») : {detail}.",
            "The device profile {path} is not valid (line {line}, field “{field}”): {detail}.",
            "Corrigez cette ligne du fichier, puis lancez « etabli profiles check ».",
            "Fix that line of the file, then run “etabli profiles check”.",
        ),
        _kind(
            "PROFILE_UNKNOWN",
            "Aucun profil d’appareil ne correspond au modèle « {codename} ».",
            "No device profile matches the model “{codename}”.",
            "Ce téléphone ne peut pas encore être installé ici : ajoutez son profil dans le "
            "dossier device_profiles des données du poste, ou appelez votre encadrant.",
            "This phone cannot be installed here yet: add its profile to the station data’s "
            "device_profiles folder, or call your supervisor.",
        ),
        _kind(
            "PROFILE_OTHER_TOOL",
            "Le {model} ne s’installe pas avec ce poste : il n’a pas de mode fastboot et "
            "demande un autre outil ({tool}).",
            "The {model} cannot be installed with this station: it has no fastboot mode and "
            "needs another tool ({tool}).",
            "Mettez le téléphone de côté pour un poste équipé de cet outil, ou laissez son "
            "système d’origine.",
            "Set the phone aside for a station with that tool, or keep its original system.",
        ),
        _kind(
            "IMAGE_MISSING",
            "L’image {name} n’est pas dans la bibliothèque d’images du poste.",
            "The image {name} is not in the station’s image library.",
            "Importez-la depuis une clé USB (« etabli images import DOSSIER »), puis recommencez.",
            "Import it from a USB stick (“etabli images import FOLDER”), then start again.",
        ),
        _kind(
            "IMAGE_CHECKSUM_MISMATCH",
            "L’image {name} ne correspond pas à sa somme de contrôle (attendue {expected}, "
            "trouvée {found}) : elle ne sera pas utilisée.",
            "The image {name} does not match its checksum (expected {expected}, found "
            "{found}): it will not be used.",
            "Importez à nouveau une copie saine de cette image, depuis sa source officielle.",
            "Import a sound copy of this image again, from its official source.",
        ),
        _kind(
            "IMAGE_NO_CHECKSUM",
            "Aucune somme de contrôle publiée n’est connue pour {name} : elle n’est pas importée.",
            "No published checksum is known for {name}: it is not imported.",
            "Mettez à côté de l’image son fichier SHA256SUMS ou {name}.sha256 téléchargé "
            "depuis le site officiel, puis importez à nouveau.",
            "Put its SHA256SUMS or {name}.sha256 file from the official site beside the "
            "image, then import again.",
        ),
        _kind(
            "IMAGE_IMPORT_FAILED",
            "L’import de {name} a échoué : {detail}. Rien n’a été ajouté à la bibliothèque.",
            "Importing {name} failed: {detail}. Nothing was added to the library.",
            "Vérifiez que la clé USB reste branchée et lisible, puis importez à nouveau.",
            "Check the USB stick stays plugged in and readable, then import again.",
        ),
        _kind(
            "IMAGE_MANIFEST_TOO_LARGE",
            "Le fichier de sommes de contrôle {name} est bien trop gros ({size} Mio ; au plus "
            "{limit} Mio) : il n’est pas lu, et les images qu’il liste ne sont pas importées.",
            "The checksum file {name} is far too large ({size} MiB; at most {limit} MiB): it "
            "is not read, and the images it lists are not imported.",
            "Téléchargez de nouveau ce fichier depuis le site officiel (il fait quelques Ko), "
            "puis importez à nouveau.",
            "Download this file again from the official site (it is a few KB), then import again.",
        ),
        _kind(
            "SIDELOAD_NOT_READY",
            "Le téléphone n’attend pas de paquet par ADB (il n’est pas en mode « sideload »).",
            "The phone is not waiting for a package over ADB (it is not in sideload mode).",
            "Sur le téléphone, dans le menu de récupération, choisissez « Apply update from "
            "ADB » (Appliquer une mise à jour par ADB), puis recommencez.",
            "On the phone, in the recovery menu, choose “Apply update from ADB”, then try again.",
        ),
        _kind(
            "SIDELOAD_FILE_UNREADABLE",
            "Le paquet {path} ne peut pas être lu : {detail}.",
            "The package {path} cannot be read: {detail}.",
            "Vérifiez que le fichier est bien dans la bibliothèque d’images, puis recommencez.",
            "Check the file is in the image library, then try again.",
        ),
        _kind(
            "SIDELOAD_FAILED",
            "L’envoi du paquet au téléphone a échoué : {detail}.",
            "Sending the package to the phone failed: {detail}.",
            "Sur le téléphone, choisissez à nouveau « Apply update from ADB », puis "
            "recommencez l’envoi.",
            "On the phone, choose “Apply update from ADB” again, then send it again.",
        ),
        _kind(
            "PHONE_WIPE_ROUTE_UNAVAILABLE",
            "L’effacement {route} n’est pas possible sur ce téléphone : {reason}",
            "Erasure {route} is not possible on this phone: {reason}",
            "Relancez l’effacement en choisissant le menu de récupération (recovery).",
            "Start the erasure again and choose the recovery menu.",
        ),
        _kind(
            "PHONE_RECOVERY_NOT_REACHED",
            "Le téléphone n’a pas affiché son menu de récupération (recovery).",
            "The phone did not show its recovery menu.",
            "Éteignez le téléphone, rallumez-le en maintenant Volume bas (ou haut) et Marche, "
            "choisissez « Recovery », puis appuyez sur Reprendre.",
            "Switch the phone off, switch it on holding Volume down (or up) and Power, choose "
            "“Recovery”, then press Resume.",
        ),
        _kind(
            "IPHONE_ERASE_NOT_STARTED",
            "L’iPhone n’a pas été effacé : il refuse l’effacement à distance.",
            "The iPhone was not erased: it refuses a remote erase.",
            "Sur l’iPhone : Réglages › Général › Transférer ou réinitialiser l’iPhone › Effacer "
            "contenu et réglages, puis appuyez sur Reprendre.",
            "On the iPhone: Settings › General › Transfer or Reset iPhone › Erase All Content "
            "and Settings, then press Resume.",
        ),
        _kind(
            "DISK_IMAGE_UNREADABLE",
            "L’image disque {name} est illisible : {detail}.",
            "The disk image {name} cannot be read: {detail}.",
            "Vérifiez le chemin de l’image ou reprenez-la dans la bibliothèque d’images.",
            "Check the image’s path, or take it again from the image library.",
        ),
        _kind(
            "DISK_IMAGE_FORMAT",
            "L’image {name} est compressée en {format}, que ce poste ne sait pas lire.",
            "The image {name} is compressed with {format}, which this station cannot read.",
            "Rien n’a été écrit. Utilisez l’image non compressée ou en .xz, ou faites "
            "installer ce format par votre encadrant.",
            "Nothing was written. Use the uncompressed or .xz image, or have your "
            "supervisor install that format.",
        ),
        _kind(
            "DISK_IMAGE_BMAP_INVALID",
            "La carte de blocs {name} n’est pas valide : {detail}.",
            "The block map {name} is not valid: {detail}.",
            "Rien n’a été écrit. Téléchargez à nouveau l’image et son fichier .bmap.",
            "Nothing was written. Download the image and its .bmap file again.",
        ),
        _kind(
            "DISK_IMAGE_BMAP_CHECKSUM",
            "La carte de blocs {name} a été modifiée ou abîmée (sa somme de contrôle ne "
            "correspond pas).",
            "The block map {name} was changed or damaged (its checksum does not match).",
            "Rien n’a été écrit. Téléchargez à nouveau l’image et son fichier .bmap.",
            "Nothing was written. Download the image and its .bmap file again.",
        ),
        _kind(
            "DISK_IMAGE_CORRUPT",
            "L’image {name} est abîmée : {detail}.",
            "The image {name} is damaged: {detail}.",
            "Le disque n’est pas installé. Téléchargez à nouveau l’image, puis recommencez.",
            "The drive is not installed. Download the image again, then start again.",
        ),
        _kind(
            "DISK_IMAGE_SHA256",
            "L’image {name} n’est pas celle attendue (sha256 {found}, attendu {expected}).",
            "The image {name} is not the one expected (sha256 {found}, expected {expected}).",
            "Rien n’a été écrit. Téléchargez à nouveau l’image, ou vérifiez la somme donnée.",
            "Nothing was written. Download the image again, or check the checksum given.",
        ),
        _kind(
            "DISK_IMAGE_NO_LAYOUT",
            "{name} ne ressemble pas à une image disque : ni table de partitions (MBR ou GPT), "
            "ni secteur de démarrage, ni ISO 9660, ni système de fichiers connu. Il commence "
            "par « {start} ».",
            "{name} does not look like a disk image: no partition table (MBR or GPT), no boot "
            "sector, no ISO 9660, no known file system. It starts with “{start}”.",
            "Rien n’a été écrit. C’est peut-être une page d’erreur enregistrée à la place de "
            "l’image : téléchargez-la à nouveau. Si vous êtes sûr de cette image, écrivez-la "
            "quand même (etabli write-image --no-layout-check).",
            "Nothing was written. It may be an error page saved instead of the image: download "
            "it again. If you are sure of this image, write it anyway (etabli write-image "
            "--no-layout-check).",
        ),
        _kind(
            "DISK_IMAGE_CHANGED",
            "L’image {name} a changé depuis le début de l’écriture.",
            "The image {name} changed since the writing started.",
            "Recommencez l’écriture depuis le début (nouvelle tâche).",
            "Start the writing again from the beginning (a new job).",
        ),
        _kind(
            "DISK_IMAGE_TOO_LARGE",
            "L’image {name} ({image_size} octets) est plus grande que le disque {path} "
            "({size} octets).",
            "The image {name} ({image_size} bytes) is larger than the disk {path} ({size} bytes).",
            "Rien n’a été écrit. Choisissez un disque plus grand ou une image plus petite.",
            "Nothing was written. Choose a larger disk or a smaller image.",
        ),
        _kind(
            "DISK_IMAGE_WRITE_FAILED",
            "Le disque {path} refuse l’écriture à l’octet {offset} : {detail}.",
            "The disk {path} refuses the write at byte {offset}: {detail}.",
            "Le disque n’est pas installé. Vérifiez son câble ; s’il recommence, mettez-le "
            "au recyclage.",
            "The drive is not installed. Check its cable; if it happens again, send it to "
            "recycling.",
        ),
        _kind(
            "FASTBOOT_NOT_FOUND",
            "Le téléphone {serial} n’apparaît pas en mode fastboot (chargeur de démarrage).",
            "Phone {serial} does not show up in fastboot mode (bootloader).",
            "Vérifiez que son écran montre le chargeur de démarrage et que le câble est bien "
            "branché, puis reprenez.",
            "Check that its screen shows the bootloader and that the cable is plugged in, then "
            "resume.",
        ),
        _kind(
            "FASTBOOT_WRONG_PHONE",
            "Le téléphone en mode fastboot n’est pas celui attendu (attendu {expected}, "
            "trouvé {found}).",
            "The phone in fastboot mode is not the one expected (expected {expected}, found "
            "{found}).",
            "Débranchez les autres téléphones en mode fastboot, puis reprenez.",
            "Unplug the other phones in fastboot mode, then resume.",
        ),
        _kind(
            "INSTALL_OS_UNKNOWN",
            "Le système « {os} » n’est pas prévu pour {model}.",
            "System “{os}” is not listed for {model}.",
            "Choisissez un des systèmes de la fiche du modèle (etabli profiles list).",
            "Choose one of the systems in the model's profile (etabli profiles list).",
        ),
        _kind(
            "INSTALL_ACTION_UNKNOWN",
            "La fiche du modèle demande une action inconnue « {action} » (ligne {line}).",
            "The model's profile asks for an unknown action “{action}” (line {line}).",
            "Vérifiez la fiche avec etabli profiles check, puis reprenez.",
            "Check the profile with etabli profiles check, then resume.",
        ),
        _kind(
            "INSTALL_OPERATOR_STUCK",
            "L’étape « {step} » n’a pas pu être faite sur le téléphone.",
            "Step “{step}” could not be done on the phone.",
            "Appelez votre encadrant ; l’installation reprendra à cette étape.",
            "Call your supervisor; the installation will resume at this step.",
        ),
        _kind(
            "INSTALL_STOPPED",
            "L’installation s’est arrêtée à l’étape {number}/{total} ({action}) : {detail} "
            "{state}.",
            "The installation stopped at step {number}/{total} ({action}): {detail} {state}.",
            "Rebranchez le téléphone s’il a été débranché, puis reprenez : l’installation "
            "recommence à cette étape. S’il ne démarre plus, maintenez Volume bas et Marche "
            "pour revenir au chargeur de démarrage, puis reprenez.",
            "Plug the phone back in if it was unplugged, then resume: the installation starts "
            "again at this step. If it no longer starts, hold Volume Down and Power to get back "
            "to the bootloader, then resume.",
        ),
        _kind(
            "INSTALL_PROFILE_CHANGED",
            "La fiche de {model} a changé depuis le début de cette installation.",
            "The profile of {model} changed since this installation started.",
            "Abandonnez cette installation et recommencez-la.",
            "Abandon this installation and start it again.",
        ),
        _kind(
            "EREUSE_NOT_A_COMPUTER",
            "{code} est un appareil de type « {kind} » : seuls les ordinateurs portables et "
            "fixes s’exportent vers eReuse.",
            "{code} is a “{kind}”: only laptops and desktops can be exported to eReuse.",
            "Donnez le code d’un ordinateur.",
            "Give the code of a computer.",
        ),
        _kind(
            "EREUSE_TRAINING_DEVICE",
            "{code} est un appareil de formation : il ne sort pas du poste.",
            "{code} is a training device: it never leaves the station.",
            "Donnez le code d’un vrai ordinateur.",
            "Give the code of a real computer.",
        ),
        _kind(
            "EREUSE_NOT_INVENTORIED",
            "L’ordinateur {code} n’a jamais été inventorié : rien à exporter.",
            "Computer {code} was never inventoried: nothing to export.",
            "Démarrez-le sur la clé Établi et lancez « etabli inventory --this-machine » "
            "dessus, puis recommencez l’export.",
            "Run etabli inventory --this-machine on it first (booted from the Établi stick), "
            "then export again.",
        ),
        _kind(
            "EREUSE_NO_INXI",
            "L’inventaire de {code} n’a pas la sortie d’inxi : Devicehub confondrait cet "
            "ordinateur avec tous les autres.",
            "The inventory of {code} has no inxi output: Devicehub would mistake this computer "
            "for every other one.",
            "Installez inxi (paquet inxi), relancez « etabli inventory --this-machine » sur "
            "l’ordinateur, puis recommencez l’export ; ou exportez avec --legacy.",
            "Install inxi (the inxi package), run etabli inventory --this-machine on the "
            "computer again, then export again; or export with --legacy.",
        ),
        _kind(
            "EREUSE_NO_IDENTITY",
            "Devicehub ne pourrait pas reconnaître {code} : son inventaire ne donne ni fabricant, "
            "ni modèle, ni numéro de série, ni adresse MAC lisibles.",
            "Devicehub could not recognise {code}: its inventory gives no readable manufacturer, "
            "model, serial number or MAC address.",
            "Relancez « etabli inventory --this-machine » en root sur l’ordinateur (dmidecode, "
            "lshw et inxi installés), puis recommencez l’export.",
            "Run etabli inventory --this-machine as root on the computer again (with dmidecode, "
            "lshw and inxi installed), then export again.",
        ),
        _kind(
            "EXPORT_WRITE_FAILED",
            "Impossible d’écrire le fichier {path} : {detail}.",
            "Cannot write the file {path}: {detail}.",
            "Choisissez un dossier où vous pouvez écrire (une clé USB branchée, votre dossier "
            "personnel), puis recommencez.",
            "Choose a folder you can write to (a plugged-in USB stick, your home folder), then "
            "try again.",
        ),
        _kind(
            "BUNDLE_UNREADABLE",
            "Le paquet {path} est illisible ou abîmé : {detail}. Rien n’a été importé.",
            "The bundle {path} is unreadable or damaged: {detail}. Nothing was imported.",
            "Refaites l’export sur le poste d’origine (etabli bundle export), recopiez-le sur "
            "la clé USB, éjectez-la proprement, puis importez de nouveau.",
            "Export again on the station it came from (etabli bundle export), copy it to the "
            "USB stick, eject the stick properly, then import again.",
        ),
        _kind(
            "BUNDLE_KEY_UNKNOWN",
            "Le paquet {path} est signé par la clé {key_id} (poste {station}), à laquelle ce "
            "poste ne fait pas confiance. Rien n’a été importé.",
            "The bundle {path} is signed by key {key_id} (station {station}), which this "
            "station does not trust. Nothing was imported.",
            "Sur le poste d’origine, exportez sa clé publique (etabli keys export-public), puis "
            "ici : etabli keys trust FICHIER.pub, et importez de nouveau. Paquet d’une clé "
            "Établi : préparez-la d’abord sur ce poste (etabli stick-prepare DOSSIER).",
            "On the station it came from, export its public key (etabli keys export-public), "
            "then here: etabli keys trust FILE.pub, and import again. A bundle from an Établi "
            "stick: prepare the stick at this station first (etabli stick-prepare FOLDER).",
        ),
        _kind(
            "BUNDLE_SIGNATURE_INVALID",
            "La signature du paquet {path} (clé {key_id}) ne correspond pas : son contenu a été "
            "modifié après l’export. Rien n’a été importé.",
            "The signature of the bundle {path} (key {key_id}) does not match: its content was "
            "changed after the export. Nothing was imported.",
            "N’utilisez pas ce fichier ; refaites l’export sur le poste d’origine.",
            "Do not use this file; export again on the station it came from.",
        ),
        _kind(
            "BUNDLE_TOO_LARGE",
            "Le paquet {path} dépasse {limit} Mio une fois décompressé : ce n’est pas un "
            "paquet qu’Établi peut lire. Rien n’a été importé.",
            "The bundle {path} is larger than {limit} MiB once decompressed: Établi cannot "
            "read it. Nothing was imported.",
            "N’utilisez pas ce fichier. Sur le poste d’origine, exportez seulement ce qui n’a "
            "pas encore été reçu (etabli bundle export --since-ack), plus souvent.",
            "Do not use this file. On the station it came from, export only what was not "
            "received yet (etabli bundle export --since-ack), more often.",
        ),
        _kind(
            "BUNDLE_EXPORT_TOO_LARGE",
            "Les événements à exporter font {size} Mio, plus que les {limit} Mio qu’un paquet "
            "peut porter. Rien n’a été écrit.",
            "The events to export take {size} MiB, more than the {limit} MiB a bundle can "
            "carry. Nothing was written.",
            "Exportez seulement ce que le hub n’a pas encore reçu (etabli bundle export "
            "--since-ack), ou synchronisez par le réseau.",
            "Export only what the hub has not received yet (etabli bundle export --since-ack), "
            "or sync over the network.",
        ),
        _kind(
            "HUB_DB_URL_INVALID",
            "L’adresse de base de données « {url} » n’est pas comprise.",
            "The database address “{url}” is not understood.",
            "Donnez postgresql://UTILISATEUR@HÔTE/BASE ou sqlite:///CHEMIN/hub.sqlite3.",
            "Give postgresql://USER@HOST/DB or sqlite:///PATH/hub.sqlite3.",
        ),
        _kind(
            "HUB_WORKERS_INVALID",
            "Nombre de processus du hub incorrect : {workers} (de 1 à {most}).",
            "Wrong number of hub worker processes: {workers} (1 to {most}).",
            "Donnez --workers entre 1 et {most} (par exemple 2 par cœur du serveur).",
            "Give --workers between 1 and {most} (for example 2 per server core).",
        ),
        _kind(
            "HUB_WAIT_INVALID",
            "Attente incorrecte : {wait} secondes (de 0 à 3600).",
            "Wrong wait: {wait} seconds (0 to 3600).",
            "Donnez --wait entre 0 et 3600 secondes.",
            "Give --wait between 0 and 3600 seconds.",
        ),
        _kind(
            "HUB_DB_UNREACHABLE",
            "Impossible de joindre la base de données du hub {url} : {detail}.",
            "Cannot reach the hub's database {url}: {detail}.",
            "Vérifiez que PostgreSQL tourne, que la base existe et que l’utilisateur a le "
            "droit de s’y connecter, puis relancez.",
            "Check that PostgreSQL is running, the database exists and the user may connect, "
            "then start again.",
        ),
        _kind(
            "HUB_LISTEN_INVALID",
            "L’adresse d’écoute « {listen} » n’est pas de la forme HÔTE:PORT.",
            "The listen address “{listen}” is not HOST:PORT.",
            "Donnez par exemple 127.0.0.1:8750.",
            "Give for example 127.0.0.1:8750.",
        ),
        _kind(
            "HUB_WORKSHOP_NAME_EMPTY",
            "Le nom de l’atelier est vide.",
            "The workshop name is empty.",
            "Donnez le nom de l’atelier, par exemple « Atelier de Lyon ».",
            "Give the workshop's name, for example “Atelier de Lyon”.",
        ),
        _kind(
            "HUB_VALID_DAYS_INVALID",
            "Durée de validité impossible : {days} jour(s).",
            "Impossible validity: {days} day(s).",
            "Donnez un nombre de jours de 1 à {most}.",
            "Give a number of days from 1 to {most}.",
        ),
        _kind(
            "HUB_DB_CORRUPT",
            "La base de données du hub {path} est illisible : {detail}.",
            "The hub's database {path} cannot be read: {detail}.",
            "Vérifiez le chemin donné à --db (ce doit être la base du hub, pas un autre "
            "fichier). Ne supprimez rien ; restaurez la dernière sauvegarde si elle est abîmée.",
            "Check the path given to --db (it must be the hub's database, not another file). "
            "Delete nothing; restore the latest backup if it is damaged.",
        ),
        _kind(
            "SYNC_NOT_ENROLLED",
            "Ce poste n’est inscrit auprès d’aucun hub.",
            "This station is not enrolled with any hub.",
            "Demandez un code d’inscription à l’administrateur du hub, puis : etabli enrol "
            "ADRESSE CODE.",
            "Ask the hub's administrator for an enrolment code, then: etabli enrol URL CODE.",
        ),
        _kind(
            "SYNC_URL_INVALID",
            "« {url} » n’est pas l’adresse d’un hub.",
            "“{url}” is not a hub's address.",
            "Donnez l’adresse reçue de votre collectif, qui commence par https:// (ou "
            "http://), par exemple https://hub.exemple.org.",
            "Give the address your collective sent, which starts with https:// (or http://), "
            "for example https://hub.example.org.",
        ),
        _kind(
            "SYNC_HUB_UNREACHABLE",
            "Le hub {url} ne répond pas : {detail}. Rien n’est perdu : les faits attendent "
            "sur ce poste.",
            "The hub {url} does not answer: {detail}. Nothing is lost: the events wait on "
            "this station.",
            "Vérifiez la connexion à Internet ; la synchronisation reprendra toute seule.",
            "Check the Internet connection; sync will resume by itself.",
        ),
        _kind(
            "SYNC_REFUSED",
            "Le hub refuse ce poste : il n’est pas inscrit ou sa clé a changé ({reason}).",
            "The hub refuses this station: it is not enrolled or its key changed ({reason}).",
            "Demandez un nouveau code d’inscription à l’administrateur du hub, puis : etabli "
            "enrol ADRESSE CODE.",
            "Ask the hub's administrator for a new enrolment code, then: etabli enrol URL CODE.",
        ),
        _kind(
            "SYNC_ENROL_REFUSED",
            "Inscription refusée par le hub : {reason}.",
            "Enrolment refused by the hub: {reason}.",
            "Vérifiez le code (il ne sert qu’une fois et expire) ou demandez-en un nouveau.",
            "Check the code (it works once and expires) or ask for a new one.",
        ),
        _kind(
            "SYNC_ENROL_PROOF_REFUSED",
            "Le hub n’a pas pu vérifier que ce poste détient sa clé ({reason}). Rien n’a été "
            "inscrit.",
            "The hub could not check that this station holds its key ({reason}). Nothing was "
            "enrolled.",
            "Vérifiez que le dossier de données contient bien la clé du poste (dossier keys), "
            "puis recommencez ; si cela dure, appelez l’administrateur du hub.",
            "Check that the data folder holds the station's key (keys folder), then try "
            "again; if it lasts, call the hub's administrator.",
        ),
        _kind(
            "SYNC_ENROL_CHALLENGE_REFUSED",
            "La vérification d’inscription a expiré ou a déjà servi ({reason}). Rien n’a été "
            "inscrit.",
            "The enrolment check expired or was already used ({reason}). Nothing was enrolled.",
            "Relancez etabli enrol avec le même code : il n’a pas été dépensé.",
            "Run etabli enrol again with the same code: it was not spent.",
        ),
        _kind(
            "SYNC_REJECTED",
            "{count} fait(s) refusé(s) pendant la synchronisation : {reasons}.",
            "{count} event(s) refused during sync: {reasons}.",
            "Rien n’est effacé. Lancez « etabli db check » et appelez votre encadrant avec ce "
            "message.",
            "Nothing is deleted. Run “etabli db check” and call your supervisor with this message.",
        ),
        _kind(
            "SYNC_HUB_ERROR",
            "Le hub a répondu par une erreur ({status}) : {reason}.",
            "The hub answered with an error ({status}): {reason}.",
            "Réessayez plus tard ; si cela dure, prévenez l’administrateur du hub.",
            "Try again later; if it lasts, tell the hub's administrator.",
        ),
        _kind(
            "HUB_BUNDLE_STATION_UNKNOWN",
            "Le paquet {path} vient du poste {station}, qui n’est pas inscrit auprès de ce hub. "
            "Rien n’a été importé.",
            "The bundle {path} comes from station {station}, which is not enrolled with this "
            "hub. Nothing was imported.",
            "Inscrivez d’abord ce poste (etabli hub enrol-code ATELIER, puis etabli enrol sur "
            "le poste), puis importez de nouveau.",
            "Enrol that station first (etabli hub enrol-code WORKSHOP, then etabli enrol on the "
            "station), then import again.",
        ),
        _kind(
            "HUB_BUNDLE_KEY_MISMATCH",
            "Le paquet {path} du poste {station} est signé par la clé {key_id}, mais le hub "
            "connaît ce poste sous la clé {enrolled}. Rien n’a été importé.",
            "The bundle {path} from station {station} is signed by key {key_id}, but the hub "
            "knows that station by key {enrolled}. Nothing was imported.",
            "Refaites l’export sur le poste inscrit lui-même ; si sa clé a changé, réinscrivez-le.",
            "Export again on the enrolled station itself; if its key changed, enrol it again.",
        ),
        _kind(
            "SYNC_WAITING",
            "{count} fait(s) reçu(s) attendent l’enregistrement de leur appareil, qui n’est pas "
            "encore arrivé au collectif (il voyage sur une clé USB).",
            "{count} fact(s) received wait for their device's registration, which has not "
            "reached the collective yet (it travels on a USB stick).",
            "Rien à faire : ils entreront d’eux-mêmes quand le poste qui a enregistré "
            "l’appareil se synchronisera.",
            "Nothing to do: they go in by themselves once the station that registered the "
            "device syncs.",
        ),
        _kind(
            "COMMAND_NOT_INSTALLED",
            "La commande « {command} » n’est pas installée sur ce poste.",
            "The command “{command}” is not installed on this machine.",
            "Lancez-la sur la machine du collectif, ou réinstallez Établi en entier "
            "(pip install -e .).",
            "Run it on the collective's machine, or reinstall Établi whole (pip install -e .).",
        ),
        _kind(
            "PAIR_CODE_INVALID",
            "Le code d’appairage est fait de 6 chiffres.",
            "The pairing code is 6 digits.",
            "Recopiez les 6 chiffres affichés en grand sur l’écran du portable.",
            "Type the 6 digits shown in large print on the laptop's screen.",
        ),
        _kind(
            "PAIR_ADDRESS_INVALID",
            "« {address} » n’est pas une adresse d’agent (adresse:port).",
            "“{address}” is not an agent address (address:port).",
            "Recopiez l’adresse affichée par `etabli laptops` ou sur l’écran du portable.",
            "Copy the address shown by `etabli laptops` or on the laptop's screen.",
        ),
        _kind(
            "PAIR_UNREACHABLE",
            "Le portable {address} ne répond pas : {detail}.",
            "The laptop at {address} does not answer: {detail}.",
            "Vérifiez que le portable est branché au réseau de l’atelier et affiche son code, "
            "puis réessayez.",
            "Check the laptop is on the workshop's network and shows its code, then try again.",
        ),
        _kind(
            "PAIR_WRONG_CODE",
            "Code d’appairage erroné : le portable n’est pas appairé.",
            "Wrong pairing code: the laptop is not paired.",
            "Relisez le code sur l’écran du portable et réessayez. Après 5 erreurs, le portable "
            "refuse tout code : redémarrez-le sur la clé.",
            "Read the code on the laptop's screen again and retry. After 5 mistakes the laptop "
            "takes no more codes: restart it from the stick.",
        ),
        _kind(
            "PAIR_LOCKED",
            "Ce portable a reçu trop de codes erronés : il n’accepte plus d’appairage.",
            "This laptop received too many wrong codes: it takes no more pairing.",
            "Redémarrez le portable sur la clé Établi : il affichera un nouveau code.",
            "Restart the laptop from the Établi stick: it will show a new code.",
        ),
        _kind(
            "PAIR_FAILED",
            "La liaison avec le portable a échoué ou a été altérée : {detail}.",
            "The link with the laptop failed or was tampered with: {detail}.",
            "Rien n’est enregistré de cet échange. Appairez de nouveau ; si cela recommence, "
            "appelez votre encadrant.",
            "Nothing from this exchange is recorded. Pair again; if it happens again, call your "
            "supervisor.",
        ),
        _kind(
            "AGENT_REFUSED",
            "Le portable refuse la demande : {detail}.",
            "The laptop refuses the request: {detail}.",
            "Vérifiez que le portable et le poste ont la même version d’Établi.",
            "Check the laptop and the station run the same Établi version.",
        ),
        _kind(
            "STICK_NOT_PREPARED",
            "La clé {path} n’est pas préparée pour le travail sans réseau : rien n’est fait.",
            "The stick {path} is not prepared for work with no network: nothing is done.",
            "Au poste, branchez la clé et lancez : etabli stick-prepare DOSSIER_DE_LA_CLÉ.",
            "At the station, plug the stick in and run: etabli stick-prepare STICK_FOLDER.",
        ),
        _kind(
            "STICK_FOLDER_INVALID",
            "Le dossier {path} ne peut pas servir de clé Établi : {detail}.",
            "The folder {path} cannot serve as an Établi stick: {detail}.",
            "Donnez le dossier où la clé USB est montée (par exemple /media/…/ETABLI).",
            "Give the folder where the USB stick is mounted (for example /media/…/ETABLI).",
        ),
        _kind(
            "AGENT_CONFIRM_OFFLINE_ONLY",
            "--confirm-serial ne sert qu’au travail sans réseau (--bundle-dir).",
            "--confirm-serial only serves work with no network (--bundle-dir).",
            "Avec le réseau, c’est le poste qui demande la fin du numéro de chaque disque.",
            "With the network, the station asks for the end of each disk's serial.",
        ),
        _kind(
            "AGENT_OFFLINE_OPTION",
            "{option} ne sert qu’au travail sans réseau (--bundle-dir seul).",
            "{option} only serves work with no network (--bundle-dir alone).",
            "Avec le réseau, c’est le poste qui mène les tests et écrit le système.",
            "With the network, the station runs the tests and writes the system.",
        ),
        _kind(
            "AGENT_IMAGE_WITHOUT_FOLDER",
            "--image nomme une image du dossier --images : donnez aussi ce dossier.",
            "--image names an image of the --images folder: give that folder too.",
            "Ajoutez --images DOSSIER (le dossier des images de la clé).",
            "Add --images FOLDER (the stick's image folder).",
        ),
        _kind(
            "STICK_IMAGE_CHOOSE",
            "Aucune image « {name} » à écrire dans {path} : rien n’est effacé. Images : {names}.",
            "No image “{name}” to write in {path}: nothing is erased. Images: {names}.",
            "Donnez le dossier des images de la clé et, s’il en a plusieurs, --image NOM.",
            "Give the stick's image folder and, when it holds several, --image NAME.",
        ),
        _kind(
            "LAPTOP_ERASE_NO_DISK",
            "Aucun disque désigné : rien n’est effacé.",
            "No disk named: nothing is erased.",
            "Ajoutez --confirm-serial avec la fin du numéro lu sur l’étiquette de chaque disque.",
            "Add --confirm-serial with the end of the serial read on each disk's label.",
        ),
        _kind(
            "LAPTOP_DISK_UNKNOWN",
            "« {typed} » ne désigne pas un seul disque de ce portable : rien n’est effacé.",
            "“{typed}” does not name exactly one disk of this laptop: nothing is erased.",
            "Relisez l’étiquette du disque et tapez au moins 4 derniers caractères du numéro.",
            "Read the disk's label again and type at least the last 4 characters of the serial.",
        ),
        _kind(
            "LAPTOP_DISK_REFUSED",
            "Le disque {disk} ne peut pas être effacé ({why}) : rien n’est effacé.",
            "Disk {disk} may not be erased ({why}): nothing is erased.",
            "C’est le système ou la clé de démarrage, ou il est monté : n’effacez que les disques internes.",
            "It is the system or the boot stick, or it is mounted: erase only the internal disks.",
        ),
        _kind(
            "LAPTOP_ERASE_INTERRUPTED",
            "Liaison perdue pendant l’effacement : les disques sont NON EFFACÉS ({detail}).",
            "Link lost during the erasure: the disks are NOT ERASED ({detail}).",
            "Vérifiez le réseau et le portable, puis relancez l’effacement depuis le début.",
            "Check the network and the laptop, then start the erasure again from the beginning.",
        ),
        _kind(
            "LAPTOP_CHECK_INTERRUPTED",
            "Liaison perdue pendant les tests du portable ({detail}) : les réponses données sont gardées.",
            "Link lost during the laptop's tests ({detail}): the answers given are kept.",
            "Vérifiez le réseau et le portable, puis relancez les tests.",
            "Check the network and the laptop, then run the tests again.",
        ),
        _kind(
            "LAPTOP_TEST_UNKNOWN",
            "Test inconnu : « {test} ». Tests connus : {known}.",
            "Unknown test: “{test}”. Known tests: {known}.",
            "Choisissez un test de la liste.",
            "Choose a test from the list.",
        ),
        _kind(
            "LAPTOP_IMAGE_NOT_ERASED",
            "Le système s’écrit après l’effacement vérifié de chaque disque : {disks} non effacé(s).",
            "The system is written after every disk is verified erased: {disks} not erased.",
            "Effacez d’abord chaque disque du portable : etabli laptop-erase.",
            "Erase every disk of the laptop first: etabli laptop-erase.",
        ),
        _kind(
            "LAPTOP_CERT_NOT_ERASED",
            "Pas de certificat pour {asset} : disque(s) {disks} non effacé(s) et vérifié(s).",
            "No certificate for {asset}: disk(s) {disks} not erased and verified.",
            "Effacez ce(s) disque(s) avec vérification, puis redemandez le certificat.",
            "Erase that disk (those disks) with verification, then ask for the certificate again.",
        ),
        _kind(
            "LAPTOP_CERT_NO_DISK",
            "Aucun disque connu pour l’ordinateur {asset} : pas de certificat.",
            "No disk known for computer {asset}: no certificate.",
            "Appairez son agent (etabli pair) ou liez son disque, puis effacez-le.",
            "Pair its agent (etabli pair) or link its disk, then erase it.",
        ),
        _kind(
            "LAPTOP_IMAGE_INTERRUPTED",
            "Liaison perdue pendant l’écriture du système : NON INSTALLÉ ({detail}).",
            "Link lost while writing the system: NOT INSTALLED ({detail}).",
            "Vérifiez le réseau et le portable, puis relancez l’écriture du système.",
            "Check the network and the laptop, then write the system again.",
        ),
        _kind(
            "LAPTOP_IMAGE_FAILED",
            "Le portable a arrêté l’écriture du système : NON INSTALLÉ ({detail}).",
            "The laptop stopped writing the system: NOT INSTALLED ({detail}).",
            "Vérifiez l’image dans la bibliothèque, puis relancez ; si cela recommence, appelez votre encadrant.",
            "Check the image in the library, then try again; if it happens again, call your supervisor.",
        ),
        _kind(
            "AGENT_ANSWER_INVALID",
            "La réponse du portable est incomplète : rien n’est enregistré.",
            "The laptop's answer is incomplete: nothing is recorded.",
            "Vérifiez que le portable et le poste ont la même version d’Établi.",
            "Check the laptop and the station run the same Établi version.",
        ),
        _kind(
            "AGENT_LISTEN_FAILED",
            "L’agent ne peut pas écouter sur {address} : {detail}.",
            "The agent cannot listen on {address}: {detail}.",
            "Donnez une adresse de cette machine et un port libre (adresse:port).",
            "Give an address of this machine and a free port (address:port).",
        ),
        _kind(
            "LAPTOPS_WAIT_INVALID",
            "Le temps d’écoute va de 0 à 60 secondes.",
            "The listening time is 0 to 60 seconds.",
            "Donnez un nombre de secondes entre 0 et 60.",
            "Give a number of seconds between 0 and 60.",
        ),
        _kind(
            "LAPTOPS_BROWSE_FAILED",
            "Impossible d’écouter le réseau pour trouver les portables : {detail}.",
            "Cannot listen on the network for laptops: {detail}.",
            "Appairez par l’adresse affichée sur le portable : etabli pair ADRESSE CODE.",
            "Pair by the address shown on the laptop: etabli pair ADDRESS CODE.",
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
        self.short = Text(kind.short.fr.format(**fr), kind.short.en.format(**en))
        super().__init__(f"[{error_code}] {self.message.en}")

    def text(self, lang: str = "fr") -> str:
        """The message and the next action, in one language."""
        return f"{self.message.get(lang)} {self.action.get(lang)}"


def folder_error(exc: OSError, folder: Path) -> BenchError | None:
    """The plain error behind a failure to write in the data folder `folder`: full, read-only
    or gone. None for any other failure, which stays what it is."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return BenchError("DISK_FULL", path=str(folder))
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return BenchError("DATA_FOLDER_READONLY", path=str(folder))
    if exc.errno in (errno.ENOENT, errno.ENOTDIR) and folder.is_dir():
        return None  # one file missing, the folder is there
    if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENODEV, errno.EIO, errno.ESTALE):
        return BenchError("DATA_FOLDER_GONE", path=str(folder))
    return None


# The short form an operator reads first (at most 12 words, no raw detail); the full
# message and what to do stay behind "En savoir plus" and in the log. Codes not listed
# here are short already: their message is their short form.
SHORT: dict[str, Text] = {
    code: Text(fr, en)
    for code, fr, en in (
        ("IPHONE_ERASE_NOT_STARTED", "iPhone non effacé : effacez-le depuis ses Réglages.", "iPhone not erased: erase it from its Settings."),
        ("SCENARIO_INVALID", "Scénario de formation invalide : {path}.", "Invalid training scenario: {path}."),
        ("JOURNEY_DISK_FAILING", "Disque défaillant : pièces ou recyclage seulement.", "Failing disk: spare parts or recycling only."),
        ("JOURNEY_WRONG_KIND", "Cette commande ne sert pas pour {asset}.", "This command is not for {asset}."),
        ("OUTCOME_DEVICE_LOCKED", "Téléphone encore bloqué : retirez d’abord le compte.", "Phone still locked: remove the account first."),
        ("OUTCOME_NEEDS_VERIFIED_ERASURE", "Pas de {outcome} sans effacement vérifié.", "No {outcome} without a verified erasure."),
        ("DB_NEWER", "Base créée par une version plus récente d’Établi.", "Database made by a newer Établi."),
        ("DB_CORRUPT", "La base de données est abîmée. Appelez votre encadrant.", "The database is damaged. Call your supervisor."),
        ("DISK_FULL", "Disque du poste plein : libérez de la place.", "The station's disk is full: free some space."),
        ("DATA_FOLDER_READONLY", "Dossier de données en lecture seule : on ne peut rien enregistrer.", "Data folder is read-only: nothing can be recorded."),
        ("DATA_FOLDER_GONE", "Dossier de données introuvable : rebranchez le disque.", "Data folder not found: plug the disk back in."),
        ("DB_HEAD_MISSING", "La signature du journal a disparu. Appelez votre encadrant.", "The log's signature is gone. Call your supervisor."),
        ("DB_HEAD_NEVER_SIGNED", "Le journal de ce poste n’a jamais été signé.", "This station's log was never signed."),
        ("DB_HEAD_INVALID", "La signature du journal n’est pas valable. Appelez votre encadrant.", "The log's signature is not valid. Call your supervisor."),
        ("DB_LOG_SHORTER_THAN_HEAD", "Des faits ont été supprimés du journal. Appelez votre encadrant.", "Facts were removed from the log. Call your supervisor."),
        ("DB_LOG_DIVERGES_FROM_HEAD", "Le journal a été réécrit. Appelez votre encadrant.", "The log was rewritten. Call your supervisor."),
        ("DB_LOG_PAST_HEAD", "Des faits non signés sont dans le journal. Appelez votre encadrant.", "Unsigned facts are in the log. Call your supervisor."),
        ("DB_HUB_ACK_INVALID", "Le reçu du collectif est illisible. Appelez votre encadrant.", "The collective's receipt cannot be read. Call your supervisor."),
        ("DB_LOG_SHORTER_THAN_HUB", "Le journal a perdu des faits reçus par le collectif.", "The log lost facts the collective received."),
        ("DB_LOG_DIVERGES_FROM_HUB", "Le journal diffère de ce que le collectif a reçu.", "The log differs from what the collective received."),
        ("DB_PROJECTION_DIFFERS", "La table {table} ne correspond plus au journal.", "The table {table} no longer matches the log."),
        ("DB_PROJECTION_ROW_EXTRA", "La table {table} a une ligne en trop.", "The table {table} has an extra row."),
        ("DB_PROJECTION_ROW_MISSING", "Il manque une ligne à la table {table}.", "The table {table} lacks a row."),
        ("DB_PROJECTION_ORDER", "L’ordre de la table {table} ne correspond plus au journal.", "The order of table {table} no longer matches the log."),
        ("DB_PROJECTION_REPLAY_FAILED", "Le journal ne peut pas être relu pour vérification.", "The log cannot be replayed to check it."),
        ("EVENT_INVALID", "Fait refusé : il est mal formé.", "Fact refused: it is malformed."),
        ("BENEFICIARY_REFERENCE_INVALID", "Numéro de dossier refusé : jamais un nom.", "File number refused: never a name."),
        ("BENEFICIARY_FIELD_INVALID", "Champ {field} refusé : une ligne, 200 signes.", "Field {field} refused: one line, 200 characters."),
        ("BENEFICIARY_EXISTS", "Dossier {reference} déjà enregistré.", "File {reference} already recorded."),
        ("BENEFICIARY_UNKNOWN", "Aucune donnée sur le dossier {reference}.", "No data about the file {reference}."),
        ("FACT_MALFORMED", "Défaut du logiciel : rien n’a été enregistré.", "Software bug: nothing was recorded."),
        ("ASSET_CODE_INVALID", "Code « {code} » incorrect : {detail}.", "Code “{code}” is wrong: {detail}."),
        ("SEARCH_NOTHING_FOUND", "Aucun appareil trouvé pour « {text} ».", "No device found for “{text}”."),
        ("IMEI_INVALID", "IMEI incorrect : relisez les 15 chiffres (*#06#).", "Wrong IMEI: read the 15 digits again (*#06#)."),
        ("ADB_TARGET_INVALID", "« {target} » n’est pas un téléphone connu.", "“{target}” is not a known phone."),
        ("DEVICE_NO_ANSWER", "L’appareil ne répond pas. Rebranchez-le.", "The device does not answer. Plug it in again."),
        ("SIMULATOR_LISTEN_FAILED", "L’appareil simulé ne peut pas démarrer.", "The simulated device cannot start."),
        ("SETTINGS_INVALID", "Le fichier de réglages est illisible.", "The settings file cannot be read."),
        ("SETTINGS_VALUE_INVALID", "Valeur refusée pour le réglage {key}.", "Value refused for the setting {key}."),
        ("INPUT_TOO_LARGE", "Le fichier {path} est bien trop gros.", "The file {path} is far too large."),
        ("TEXT_UNDECODABLE", "Ce texte contient des caractères illisibles.", "This text holds unreadable characters."),
        ("ERASE_NOT_A_DRIVE", "{path} n’est pas un disque entier.", "{path} is not a whole disk."),
        ("ERASE_SYSTEM_DISK", "Disque du système : jamais effacé.", "System disk: never erased."),
        ("ERASE_LIVE_MEDIUM", "Clé de démarrage d’Établi : jamais effacée.", "Établi's start-up stick: never erased."),
        ("ERASE_DATA_FILE", "Ce disque porte les données d’Établi : jamais effacé.", "This disk holds Établi's data: never erased."),
        ("ERASE_STACKED", "Ce disque repose sur un autre : pas effacé.", "This disk stands on another one: not erased."),
        ("ERASE_METHOD_UNAVAILABLE", "Cette méthode d’effacement est impossible sur ce disque.", "This erasure method is not possible on this disk."),
        ("ERASE_HELPER_UNREACHABLE", "Le service d’effacement ne répond pas.", "The erasure service does not answer."),
        ("ERASE_HELPER_NOT_ALLOWED", "Ce compte n’est pas dans le groupe {group}.", "This account is not in the {group} group."),
        ("ERASE_HELPER_BAD_REQUEST", "Demande refusée par le service d’effacement.", "Request refused by the erasure service."),
        ("ERASE_HELPER_FAILED", "Réponse illisible du service d’effacement.", "Unreadable answer from the erasure service."),
        ("ERASE_TARGET_CHANGED", "Ce n’est plus le disque choisi. Rien n’est effacé.", "This is no longer the chosen disk. Nothing erased."),
        ("REPORT_PERIOD_INVALID", "Période incorrecte.", "Wrong period."),
        ("DASHBOARD_FAILED", "Tableau de bord impossible à calculer.", "The dashboard could not be computed."),
        ("REPORT_WRITE_FAILED", "Impossible d’écrire le rapport.", "Cannot write the report."),
        ("ENVIRONMENT_FACTORS_INVALID", "Fichier des facteurs environnementaux incorrect.", "Environmental factors file not valid."),
        ("FASTBOOT_GONE", "Le téléphone ne répond plus (mode fastboot).", "The phone stopped answering (fastboot mode)."),
        ("FASTBOOT_FAILED", "Le téléphone a refusé une commande.", "The phone refused a command."),
        ("FASTBOOT_GARBLED", "Le téléphone répond de façon incompréhensible.", "The phone answers nonsense."),
        ("FASTBOOT_WRONG_DEVICE", "Ce téléphone n’est pas le modèle attendu.", "This phone is not the expected model."),
        ("FASTBOOT_LOCKED", "Chargeur de démarrage verrouillé : déverrouillez-le d’abord.", "Bootloader locked: unlock it first."),
        ("FASTBOOT_OPERATOR_TIMEOUT", "Le téléphone attend votre confirmation sur son écran.", "The phone waits for your confirmation on its screen."),
        ("FASTBOOT_IMAGE_INVALID", "Le fichier image est illisible.", "The image file cannot be read."),
        ("FASTBOOT_FORMAT_UNSUPPORTED", "Impossible de préparer la partition {partition}.", "Cannot prepare partition {partition}."),
        ("KEY_STATION_UNREADABLE", "La clé du poste est illisible. Appelez votre encadrant.", "The station's key cannot be read. Call your supervisor."),
        ("KEY_INVALID", "{path} n’est pas une clé publique.", "{path} is not a public key."),
        ("SIGNATURE_MALFORMED", "{path} n’a pas de signature lisible.", "{path} has no readable signature."),
        ("SIGNATURE_KEY_UNKNOWN", "{path} est signé par une clé inconnue.", "{path} is signed by an unknown key."),
        ("SIGNATURE_INVALID", "{path} a été modifié après sa signature.", "{path} was changed after it was signed."),
        ("CERT_NOT_CERTIFICATE", "{path} n’est pas un certificat d’Établi.", "{path} is not an Établi certificate."),
        ("CERT_TAMPERED", "{path} a été modifié après sa signature.", "{path} was changed after it was signed."),
        ("CERT_TOO_LARGE", "{path} est trop gros pour un certificat.", "{path} is too large for a certificate."),
        ("CERT_WRITE_FAILED", "Impossible d’écrire le certificat.", "Cannot write the certificate."),
        ("LABEL_OUTPUT_INVALID", "Étiquette : fichier .png ou .pdf seulement.", "Label: .png or .pdf file only."),
        ("LABEL_WRITE_FAILED", "Impossible d’écrire l’étiquette.", "Cannot write the label."),
        ("PRINTERS_INVALID", "Le réglage des imprimantes est illisible.", "The printer settings cannot be read."),
        ("PRINTER_UNREACHABLE", "L’imprimante {printer} ne répond pas : allumez-la.", "The printer {printer} does not answer: switch it on."),
        ("PRINTER_NO_MEDIA", "Plus d’étiquettes dans {printer} : rechargez-la.", "{printer} is out of labels: refill it."),
        ("PRINTER_NOT_READY", "L’imprimante {printer} n’est pas prête.", "The printer {printer} is not ready."),
        ("PRINT_FAILED", "L’impression sur {printer} a échoué.", "Printing on {printer} failed."),
        ("PROFILE_INVALID", "Fiche de modèle {path} incorrecte.", "Model profile {path} is not valid."),
        ("PROFILE_OTHER_TOOL", "Le {model} s’installe avec un autre outil.", "The {model} needs another tool to install."),
        ("IMAGE_CHECKSUM_MISMATCH", "L’image {name} est abîmée : elle n’est pas utilisée.", "The image {name} is damaged: it is not used."),
        ("IMAGE_NO_CHECKSUM", "L’image {name} n’a pas de somme de contrôle connue.", "The image {name} has no known checksum."),
        ("IMAGE_IMPORT_FAILED", "L’import de {name} a échoué.", "Importing {name} failed."),
        ("IMAGE_MANIFEST_TOO_LARGE", "Le fichier de sommes {name} est trop gros.", "The checksum file {name} is too large."),
        ("SIDELOAD_NOT_READY", "Le téléphone n’est pas en mode « sideload ».", "The phone is not in sideload mode."),
        ("SIDELOAD_FILE_UNREADABLE", "Le paquet {path} est illisible.", "The package {path} cannot be read."),
        ("SIDELOAD_FAILED", "L’envoi du système au téléphone a échoué.", "Sending the system to the phone failed."),
        ("PHONE_WIPE_ROUTE_UNAVAILABLE", "Cet effacement est impossible sur ce téléphone.", "This erasure is not possible on this phone."),
        ("DISK_IMAGE_UNREADABLE", "L’image disque {name} est illisible.", "The disk image {name} cannot be read."),
        ("DISK_IMAGE_FORMAT", "Format de compression de {name} inconnu.", "Unknown compression format for {name}."),
        ("DISK_IMAGE_BMAP_INVALID", "La carte de blocs {name} est incorrecte.", "The block map {name} is not valid."),
        ("DISK_IMAGE_BMAP_CHECKSUM", "La carte de blocs {name} est abîmée.", "The block map {name} is damaged."),
        ("DISK_IMAGE_CORRUPT", "L’image {name} est abîmée.", "The image {name} is damaged."),
        ("DISK_IMAGE_NO_LAYOUT", "{name} ne ressemble pas à une image disque.", "{name} does not look like a disk image."),
        ("DISK_IMAGE_TOO_LARGE", "L’image {name} est plus grande que le disque.", "The image {name} is larger than the disk."),
        ("DISK_IMAGE_WRITE_FAILED", "Le disque {path} refuse l’écriture.", "The disk {path} refuses the write."),
        ("FASTBOOT_WRONG_PHONE", "Ce n’est pas le téléphone attendu.", "This is not the expected phone."),
        ("INSTALL_ACTION_UNKNOWN", "La fiche du modèle demande une action inconnue.", "The model's profile asks for an unknown action."),
        ("INSTALL_STOPPED", "L’installation s’est arrêtée à l’étape {number}/{total}.", "The installation stopped at step {number}/{total}."),
        ("EREUSE_NOT_A_COMPUTER", "Seuls les ordinateurs s’exportent vers eReuse.", "Only computers can be exported to eReuse."),
        ("EREUSE_NO_INXI", "L’inventaire de {code} n’a pas la sortie d’inxi.", "The inventory of {code} has no inxi output."),
        ("EREUSE_NO_IDENTITY", "Devicehub ne pourrait pas reconnaître {code}.", "Devicehub could not recognise {code}."),
        ("EXPORT_WRITE_FAILED", "Impossible d’écrire le fichier {path}.", "Cannot write the file {path}."),
        ("BUNDLE_UNREADABLE", "Paquet illisible ou abîmé : rien n’est importé.", "Bundle unreadable or damaged: nothing imported."),
        ("BUNDLE_KEY_UNKNOWN", "Paquet signé par un poste inconnu : rien n’est importé.", "Bundle signed by an unknown station: nothing imported."),
        ("BUNDLE_SIGNATURE_INVALID", "Paquet modifié après l’export : rien n’est importé.", "Bundle changed after export: nothing imported."),
        ("BUNDLE_TOO_LARGE", "Paquet bien trop gros : rien n’est importé.", "Bundle far too large: nothing imported."),
        ("BUNDLE_EXPORT_TOO_LARGE", "Trop de faits pour un seul paquet : rien n’est écrit.", "Too many facts for one bundle: nothing written."),
        ("HUB_DB_UNREACHABLE", "Impossible de joindre la base de données du hub.", "Cannot reach the hub's database."),
        ("HUB_DB_CORRUPT", "La base de données du hub est illisible.", "The hub's database cannot be read."),
        ("SYNC_HUB_UNREACHABLE", "Serveur injoignable. Rien n’est perdu.", "Server unreachable. Nothing is lost."),
        ("SYNC_REFUSED", "Le serveur refuse ce poste : réinscrivez-le.", "The server refuses this station: enrol it again."),
        ("SYNC_ENROL_REFUSED", "Inscription refusée : demandez un nouveau code.", "Enrolment refused: ask for a new code."),
        ("SYNC_ENROL_PROOF_REFUSED", "Le serveur n’a pas pu vérifier la clé du poste.", "The server could not check the station's key."),
        ("SYNC_ENROL_CHALLENGE_REFUSED", "Vérification expirée : relancez l’inscription.", "Check expired: enrol again."),
        ("SYNC_REJECTED", "{count} fait(s) refusé(s) par le serveur.", "{count} fact(s) refused by the server."),
        ("SYNC_HUB_ERROR", "Le serveur a répondu par une erreur.", "The server answered with an error."),
        ("HUB_BUNDLE_STATION_UNKNOWN", "Paquet d’un poste non inscrit : rien n’est importé.", "Bundle from a station not enrolled: nothing imported."),
        ("HUB_BUNDLE_KEY_MISMATCH", "Paquet signé par une autre clé : rien n’est importé.", "Bundle signed by another key: nothing imported."),
        ("SYNC_WAITING", "{count} fait(s) attendent leur appareil (clé USB).", "{count} fact(s) wait for their device (USB stick)."),
        ("OUTCOME_RECEIPT_MISSING", "Une vente porte son numéro de reçu.", "A sale carries its receipt number."),
        ("OUTCOME_RENTAL_TERM_INVALID", "Location : de 1 à 60 mois.", "Rental: 1 to 60 months."),
        ("OUTCOME_PART_INCOMPLETE", "Nommez la pièce et l’appareil qui la reçoit.", "Name the part and the device receiving it."),
        ("OUTCOME_PART_RECEIVER_UNKNOWN", "Aucun appareil sous le code {code}.", "No device under code {code}."),
        ("OUTCOME_PART_RECEIVER_SELF", "Un appareil ne se donne pas une pièce.", "A device does not give itself a part."),
        ("OUTCOME_WEIGHT_INVALID", "Poids incorrect : des kilos au-dessus de zéro.", "Wrong weight: kilograms above zero."),
        ("HANDOVER_PICTURE_INVALID", "Image de signature illisible : PNG ou JPEG.", "Signature picture unreadable: PNG or JPEG."),
        ("HANDOVER_PICTURE_UNREADABLE", "Impossible de lire la photo {path}.", "Cannot read the photo {path}."),
        ("HANDOVER_PICTURE_MISSING", "Image de signature introuvable : signez de nouveau.", "Signature picture not found: sign again."),
        ("LOAN_NOT_OUT", "{code} n’est ni prêté ni loué.", "{code} is neither lent nor rented."),
        ("LOAN_ALREADY_SIGNED", "La fiche de {code} est déjà signée.", "The sheet of {code} is already signed."),
        ("PAYMENT_NOT_RENTAL", "{code} est prêté, pas loué.", "{code} is lent, not rented."),
        ("PAYMENT_DATE_INVALID", "Date de paiement « {day} » incorrecte.", "Wrong payment date “{day}”."),
        ("PAYMENT_AMOUNT_INVALID", "Montant « {amount} » incorrect.", "Wrong amount “{amount}”."),
        ("PAYMENT_RECEIPT_MISSING", "Écrivez le numéro du reçu.", "Write the receipt number."),
        ("PAYMENT_MONTHS_INVALID", "Il reste {left} mois à payer.", "{left} months are left to pay."),
        ("PART_DONOR_NOT_SPARE", "{code} n’est pas gardé pour ses pièces.", "{code} is not kept for parts."),
        ("PART_MISSING", "Dites quelle pièce est donnée.", "Say which part is given."),
        ("RETURN_CONDITION_MISSING", "Dites dans quel état revient l’appareil.", "Say in what condition the device came back."),
        ("RETURN_STATE_UNKNOWN", "État « {state} » inconnu.", "Unknown condition “{state}”."),
        ("PAIR_UNREACHABLE", "Le portable ne répond pas.", "The laptop does not answer."),
        ("PAIR_WRONG_CODE", "Code erroné : portable non appairé.", "Wrong code: laptop not paired."),
        ("PAIR_LOCKED", "Trop de codes erronés : redémarrez le portable.", "Too many wrong codes: restart the laptop."),
        ("PAIR_FAILED", "Liaison avec le portable rompue ou altérée.", "Link with the laptop broken or tampered with."),
        ("AGENT_REFUSED", "Le portable refuse la demande.", "The laptop refuses the request."),
        ("STICK_NOT_PREPARED", "Clé non préparée : rien n’est fait.", "Stick not prepared: nothing done."),
        ("STICK_FOLDER_INVALID", "Ce dossier ne peut pas servir de clé.", "This folder cannot serve as a stick."),
        ("AGENT_CONFIRM_OFFLINE_ONLY", "--confirm-serial seulement avec --bundle-dir.", "--confirm-serial only with --bundle-dir."),
        ("AGENT_OFFLINE_OPTION", "{option} seulement avec --bundle-dir seul.", "{option} only with --bundle-dir alone."),
        ("AGENT_IMAGE_WITHOUT_FOLDER", "--image sans --images.", "--image without --images."),
        ("STICK_IMAGE_CHOOSE", "Image à écrire introuvable : rien n’est effacé.", "Image to write not found: nothing erased."),
        ("LAPTOP_ERASE_NO_DISK", "Aucun disque désigné.", "No disk named."),
        ("LAPTOP_DISK_UNKNOWN", "Ce numéro ne désigne aucun disque unique.", "That serial names no single disk."),
        ("LAPTOP_DISK_REFUSED", "Ce disque ne peut pas être effacé.", "This disk may not be erased."),
        ("LAPTOP_ERASE_INTERRUPTED", "Liaison perdue : disques NON EFFACÉS.", "Link lost: disks NOT ERASED."),
        ("LAPTOP_CHECK_INTERRUPTED", "Liaison perdue pendant les tests.", "Link lost during the tests."),
        ("LAPTOP_TEST_UNKNOWN", "Test inconnu : « {test} ».", "Unknown test: “{test}”."),
        ("LAPTOP_IMAGE_NOT_ERASED", "Effacez d’abord chaque disque du portable.", "Erase every disk of the laptop first."),
        ("LAPTOP_CERT_NOT_ERASED", "Pas de certificat : un disque n’est pas effacé.", "No certificate: a disk is not erased."),
        ("LAPTOP_IMAGE_INTERRUPTED", "Liaison perdue : système NON INSTALLÉ.", "Link lost: system NOT INSTALLED."),
        ("LAPTOP_IMAGE_FAILED", "Le portable a arrêté l’écriture : NON INSTALLÉ.", "The laptop stopped writing: NOT INSTALLED."),
        ("AGENT_LISTEN_FAILED", "L’agent ne peut pas écouter sur {address}.", "The agent cannot listen on {address}."),
        ("LAPTOPS_BROWSE_FAILED", "Impossible de chercher les portables sur le réseau.", "Cannot look for laptops on the network."),
        ("PROCESS_FAILED", "Le programme {program} a échoué.", "The program {program} failed."),
    )
}  # fmt: skip
