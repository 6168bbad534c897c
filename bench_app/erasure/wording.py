"""The words of an erasure record: the records keep stable English values (a method, a
technique, a standard, a verification mode, a check's id) so their signed data never changes
with the language; whoever shows them (a certificate, a result line) says them in French or
English through this vocabulary, never as the raw value."""

from __future__ import annotations

from bench_app.devices.drives.system_view import IMAGE_FILE_MODEL
from bench_app.text import Text

VALUES: dict[str, Text] = {
    # Standards.
    "NIST SP 800-88 Rev. 1 Purge — mobile devices: cryptographic erase via factory reset on "
    "an encrypted device": Text(
        "NIST SP 800-88 Rev. 1, Purge des appareils mobiles chiffrés",
        "NIST SP 800-88 Rev. 1, Purge of encrypted mobile devices",
    ),
    "NIST SP 800-88 Rev. 1 Purge — mobile devices: cryptographic erase (Apple iOS "
    "Erase All Content and Settings)": Text(
        "NIST SP 800-88 Rev. 1, Purge des appareils mobiles chiffrés (iPhone)",
        "NIST SP 800-88 Rev. 1, Purge of encrypted mobile devices (iPhone)",
    ),
    "reset without encryption: not a NIST Purge": Text(
        "réinitialisation sans chiffrement : pas un Purge NIST",
        "reset without encryption: not a NIST Purge",
    ),
    # Techniques.
    "cryptographic erase": Text("effacement cryptographique", "cryptographic erase"),
    "logical reset": Text("réinitialisation logique", "logical reset"),
    # Methods.
    "factory reset via recovery": Text(
        "réinitialisation d’usine par le mode recovery", "factory reset through recovery"
    ),
    "factory reset via fastboot": Text(
        "réinitialisation d’usine par fastboot", "factory reset through fastboot"
    ),
    "factory reset": Text("réinitialisation d’usine", "factory reset"),
    "erase all content and settings (MCInstall EraseDevice)": Text(
        "« Effacer contenu et réglages » demandé par le poste",
        "“Erase All Content and Settings” asked by the station",
    ),
    "clear-zero": Text("réécriture par des zéros", "overwrite with zeros"),
    "clear-random": Text("réécriture aléatoire", "random overwrite"),
    "purge": Text("effacement par le micrologiciel du disque", "the disk’s firmware erase"),
    # Verification modes.
    "post-boot checks": Text("contrôles après redémarrage", "checks after restart"),
    "post-reset check": Text("contrôle après réinitialisation", "check after the reset"),
    "operator check of the welcome screen": Text(
        "écran de bienvenue vu par l’opérateur", "welcome screen seen by the operator"
    ),
    "trade-in status after restart": Text(
        "état du mode reprise après redémarrage", "trade-in status after restart"
    ),
    "full": Text("relecture complète", "full read-back"),
    "sample": Text("relecture par échantillons", "sampled read-back"),
    # Passes' patterns.
    "zeros": Text("zéros", "zeros"),
    "factory-reset:recovery": Text("réinitialisation (recovery)", "reset (recovery)"),
    "factory-reset:fastboot": Text("réinitialisation (fastboot)", "reset (fastboot)"),
    "ios-erase-all-content": Text("effacement de l’iPhone", "iPhone erase"),
    # A phone's encryption: its state and its type.
    "encrypted": Text("chiffré", "encrypted"),
    "unencrypted": Text("non chiffré", "unencrypted"),
    "unknown": Text("inconnu", "unknown"),
    "file": Text("par fichier", "file-based"),
    "block": Text("intégral", "full-disk"),
    "ios data protection": Text("protection des données d’iOS", "iOS Data Protection"),
    # A drive that is an image file.
    IMAGE_FILE_MODEL: Text("Fichier image", "Image file"),
}

# What each check after a phone's reset looked at (phone_wipe.py), as a short question.
CHECKS: dict[str, Text] = {
    "setup_wizard_not_complete": Text(
        "Assistant de démarrage à refaire", "Setup wizard to do again"
    ),
    "device_not_provisioned": Text("Téléphone non configuré", "Phone not set up"),
    "no_accounts": Text("Aucun compte", "No account"),
    "no_device_owner": Text("Aucune gestion d’entreprise", "No company management"),
    "markers_gone": Text("Fichiers témoins disparus", "Marker files gone"),
    "android_id_changed": Text("Identifiant Android changé", "Android ID changed"),
    "encryption_still_reported": Text("Chiffrement présent", "Encryption present"),
    "welcome_screen": Text("Écran de bienvenue", "Welcome screen"),
    "trade_in_setup_screen": Text(
        "Écran d’accueil en mode reprise", "Setup screen in trade-in mode"
    ),
    "no_factory_reset_protection": Text(
        "Aucune protection contre la réinitialisation", "No factory reset protection"
    ),
    # An iPhone's checks once back from "Erase All Content and Settings".
    "pairing_forgotten": Text("Appairage du poste oublié", "Station's pairing forgotten"),
    "setup_starts_over": Text(
        "Configuration à refaire (« Bonjour »)", "Setup starts over (“Hello”)"
    ),
    "no_passcode": Text("Aucun code", "No passcode"),
    "not_activated": Text("Non activé", "Not activated"),
    "data_space_free": Text("Espace de données libéré", "Data space free again"),
}


def value_words(raw: object) -> Text:
    """`raw` (a recorded method, technique, standard, mode or pattern) in words; a value
    this vocabulary does not know is shown as it is in both languages."""
    text = str(raw)
    known = VALUES.get(text)
    if known is not None:
        return known
    if text.startswith("firmware:"):
        method = text.removeprefix("firmware:")
        return Text(f"micrologiciel ({method})", f"firmware ({method})")
    return Text(text, text)


def encryption_words(encryption: dict[str, object]) -> Text:
    """A phone's recorded encryption ({"state", "type"}) in words: "chiffré (par fichier)"."""
    state = value_words(encryption.get("state") or "unknown")
    kind = encryption.get("type")
    if not kind:
        return state
    words = value_words(kind)
    return Text(f"{state.fr} ({words.fr})", f"{state.en} ({words.en})")


def model_words(model: str) -> Text:
    """A drive's recorded model as shown: an image file says so in words."""
    return VALUES[model] if model == IMAGE_FILE_MODEL else Text(model, model)


def check_words(check: str) -> Text:
    """A check's id (phone_wipe.py) in words; an unknown id with its underscores as spaces."""
    return CHECKS.get(check) or Text(check.replace("_", " "), check.replace("_", " "))


def checks_words(checks: list[str]) -> Text:
    """Several checks' ids in words, joined: "aucun compte, fichiers témoins disparus"."""
    said = [check_words(c) for c in checks]
    return Text(
        ", ".join(t.fr[:1].lower() + t.fr[1:] for t in said),
        ", ".join(t.en[:1].lower() + t.en[1:] for t in said),
    )
