#!/bin/sh
# Removes what install.sh put in place:
#     sudo ./uninstall.sh        (or sudo /opt/etabli/uninstall.sh)
# The app in /opt/etabli, the launcher, the udev rules, the desktop entry and icon, the
# erasure helper's systemd units (stopped and disabled first), and the `etabli` group when
# install.sh created it. Keeps the stations' data folders (database,
# certificates, keys) and says where they are; keeps the system packages (other programs may
# use them) and names those the installer added.
# ROOT=DIR removes from DIR instead of / (tests).
set -eu

ROOT=${ROOT:-/}
ROOT=${ROOT%/}
GROUP=etabli
APP_DIR="$ROOT/opt/etabli"
LAUNCHER="$ROOT/usr/local/bin/etabli"
MANIFEST="$APP_DIR/INSTALLED"

say() { printf '%s\n' "$*"; }
removed() { printf '  - %s\n' "$*"; }

if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
    say "Lancez la désinstallation en administrateur : sudo $0"
    say "Run the uninstallation as administrator: sudo $0"
    exit 2
fi

manifest=""
if [ -f "$MANIFEST" ]; then manifest=$(cat "$MANIFEST"); fi
value() { printf '%s\n' "$manifest" | sed -n "s/^$1=//p"; }

say "Désinstallation d’Établi / Uninstalling Établi${ROOT:+ from $ROOT}"
say "Modifications / Changes:"

# The erasure helper first: stopped and disabled while its program is still there.
UNITS="$ROOT/etc/systemd/system"
systemd_here=no
if [ -z "$ROOT" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemd_here=yes
    if [ -e "$UNITS/etabli-erase-helper.socket" ]; then
        systemctl disable --now etabli-erase-helper.socket || true
        systemctl stop etabli-erase-helper.service || true
        removed "service d’effacement arrêté / erasure helper stopped and disabled"
    fi
fi
for file in "$UNITS/etabli-erase-helper.socket" "$UNITS/etabli-erase-helper.service" \
    "$UNITS/sockets.target.wants/etabli-erase-helper.socket"; do
    if [ -e "$file" ] || [ -L "$file" ]; then rm -f "$file"; removed "$file"; fi
done
if [ "$systemd_here" = yes ]; then systemctl daemon-reload || true; fi
if [ -e "$ROOT/usr/share/doc/etabli/erase-helper.md" ]; then
    rm -f "$ROOT/usr/share/doc/etabli/erase-helper.md"
    rmdir "$ROOT/usr/share/doc/etabli" 2>/dev/null || true
    removed "$ROOT/usr/share/doc/etabli/erase-helper.md"
fi

if [ -d "$APP_DIR" ]; then rm -rf "$APP_DIR"; removed "$APP_DIR"; fi
# The launcher only if it is ours (it names /opt/etabli).
if [ -f "$LAUNCHER" ] && grep -q "/opt/etabli/etabli" "$LAUNCHER"; then
    rm -f "$LAUNCHER"
    removed "$LAUNCHER"
fi
for file in \
    "$ROOT/etc/udev/rules.d/60-etabli.rules" \
    "$ROOT/usr/share/applications/etabli.desktop" \
    "$ROOT/usr/share/icons/hicolor/scalable/apps/etabli.svg"; do
    if [ -e "$file" ]; then rm -f "$file"; removed "$file"; fi
done
if [ -z "$ROOT" ] && command -v udevadm >/dev/null 2>&1; then
    udevadm control --reload-rules || true
fi

if [ "$(value group_created)" = yes ] && grep -q "^$GROUP:" "$ROOT/etc/group" 2>/dev/null; then
    if [ -n "$ROOT" ]; then groupdel --prefix "$ROOT" "$GROUP"; else groupdel "$GROUP"; fi
    removed "groupe / group $GROUP"
fi

debs=$(value debs_installed)
if [ -n "$debs" ]; then
    say "Paquets système gardés (d’autres programmes peuvent s’en servir) / System packages kept:"
    say "  $debs"
    say "  pour les enlever / to remove them: sudo apt-get remove $debs"
fi

say "Dossiers de données gardés (base, certificats, clés du poste) / Data folders kept:"
found=no
for folder in "$ROOT"/home/*/.local/share/etabli "$ROOT"/home/*/.local/share/etabli-formation \
    "$ROOT"/root/.local/share/etabli "$ROOT"/root/.local/share/etabli-formation; do
    if [ -d "$folder" ]; then say "  $folder"; found=yes; fi
done
if [ "$found" = no ]; then say "  (aucun dans les dossiers personnels / none in the home folders)"; fi
say "  et tout dossier choisi par ETABLI_DATA_DIR ou --data-dir / and any folder chosen with ETABLI_DATA_DIR or --data-dir"
say "Établi est désinstallé. / Établi is uninstalled."
