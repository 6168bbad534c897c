#!/bin/sh
# Installs Établi from this unpacked archive, with no network:
#     sudo ./install.sh
# Puts the app in /opt/etabli and a launcher in /usr/local/bin, installs the .deb packages
# of debs/ that this system lacks, the udev rules (phones and label printers for the
# `etabli` group), the desktop entry and its icon, creates the `etabli` group and adds the
# user who ran sudo to it, installs and enables the erasure helper's socket unit (systemd).
# Prints each change. Running it again updates the app in place:
# the stations' data folders (~/.local/share/etabli) are never touched.
# ROOT=DIR installs into DIR instead of / (tests); no package is installed there.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=${ROOT:-/}
ROOT=${ROOT%/}
GROUP=etabli
APP_DIR="$ROOT/opt/etabli"
LAUNCHER="$ROOT/usr/local/bin/etabli"
RULES="$ROOT/etc/udev/rules.d/60-etabli.rules"
DESKTOP="$ROOT/usr/share/applications/etabli.desktop"
ICON="$ROOT/usr/share/icons/hicolor/scalable/apps/etabli.svg"
MANIFEST="$APP_DIR/INSTALLED"
UNITS="$ROOT/etc/systemd/system"
HELPER_DOC="$ROOT/usr/share/doc/etabli/erase-helper.md"

say() { printf '%s\n' "$*"; }
changed() { printf '  + %s\n' "$*"; }

if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
    say "Lancez l’installation en administrateur : sudo $0"
    say "Run the installation as administrator: sudo $0"
    exit 2
fi
if [ ! -x "$HERE/app/etabli" ]; then
    say "Archive incomplète : $HERE/app/etabli manque. / Incomplete archive: $HERE/app/etabli is missing."
    exit 2
fi

say "Installation d’Établi / Installing Établi${ROOT:+ into $ROOT}"
say "Modifications / Changes:"

# 1. The system packages this system lacks, from the archive (never from the network).
debs_installed=""
release_here=$(. "$ROOT/etc/os-release" 2>/dev/null && printf '%s%s' "${ID:-}" "${VERSION_ID:-}" || true)
release_archive=$(cat "$HERE/RELEASE" 2>/dev/null || true)
missing=""
for deb in "$HERE"/debs/*.deb; do
    [ -e "$deb" ] || continue
    package=$(dpkg-deb -f "$deb" Package)
    status=$(dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $deb" ;;
    esac
done
if [ -n "$missing" ] && [ "$release_here" != "$release_archive" ]; then
    say "  ! paquets système non installés : cette archive est pour $release_archive, ce système est $release_here"
    say "    system packages not installed: this archive is for $release_archive, this system is $release_here"
    say "    installez-les avec apt / install them with apt:"
    for deb in $missing; do say "      $(dpkg-deb -f "$deb" Package)"; done
elif [ -n "$missing" ] && [ -n "$ROOT" ]; then
    for deb in $missing; do
        package=$(dpkg-deb -f "$deb" Package)
        say "  ! $package : non installé dans $ROOT (racine de test) / not installed in a test root"
    done
elif [ -n "$missing" ]; then
    # apt with no source at all (empty lists): otherwise, when its lists know the same version
    # on a mirror, it fetches that one instead of the archive's file, and fails offline
    # (--no-download does not help: apt 2.6 then refuses the local files). Dependencies are
    # resolved against what is installed.
    no_sources=$(mktemp -d)
    mkdir "$no_sources/partial"
    apt_status=0
    # shellcheck disable=SC2086  # one argument per package file
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dir::State::Lists="$no_sources" -o Dir::Etc::SourceList=/dev/null \
        -o Dir::Etc::SourceParts="$no_sources" $missing || apt_status=$?
    rm -rf "$no_sources"
    if [ "$apt_status" -ne 0 ]; then
        say "Les paquets système de l’archive ne s’installent pas (voir ci-dessus). / The archive's system packages did not install (see above)."
        exit "$apt_status"
    fi
    for deb in $missing; do
        package=$(dpkg-deb -f "$deb" Package)
        debs_installed="$debs_installed $package"
        changed "paquet / package $package"
    done
fi

# 2. The app, replaced whole (an update): the new copy is put beside, then swapped in.
previous=""
if [ -f "$MANIFEST" ]; then previous=$(cat "$MANIFEST"); fi
mkdir -p "$ROOT/opt"
rm -rf "$APP_DIR.new"
cp -a "$HERE/app" "$APP_DIR.new"
rm -rf "$APP_DIR"
mv "$APP_DIR.new" "$APP_DIR"
install -m 0755 "$HERE/uninstall.sh" "$APP_DIR/uninstall.sh"
changed "$APP_DIR (avec / with uninstall.sh)"

mkdir -p "$(dirname "$LAUNCHER")"
cat > "$LAUNCHER" <<'EOF'
#!/bin/sh
# Établi's launcher (installed by install.sh)
exec /opt/etabli/etabli "$@"
EOF
chmod 0755 "$LAUNCHER"
changed "$LAUNCHER"

# 3. Devices as a normal user: the group, then the rules that name it.
group_created=no
if grep -q "^$GROUP:" "$ROOT/etc/group" 2>/dev/null; then
    say "  = groupe / group $GROUP (existait déjà / already there)"
else
    if [ -n "$ROOT" ]; then groupadd --system --prefix "$ROOT" "$GROUP"; else groupadd --system "$GROUP"; fi
    group_created=yes
    changed "groupe / group $GROUP"
fi
case "$previous" in *"group_created=yes"*) group_created=yes ;; esac

user_added=""
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    if id -nG "$SUDO_USER" 2>/dev/null | tr ' ' '\n' | grep -qx "$GROUP" && [ -z "$ROOT" ]; then
        say "  = $SUDO_USER est déjà dans / is already in $GROUP"
    else
        if [ -n "$ROOT" ]; then
            usermod --append --groups "$GROUP" --prefix "$ROOT" "$SUDO_USER"
        else
            usermod --append --groups "$GROUP" "$SUDO_USER"
        fi
        user_added=$SUDO_USER
        changed "utilisateur / user $SUDO_USER ajouté au groupe / added to group $GROUP (reconnectez-vous / log out and back in)"
    fi
else
    say "  ! aucun utilisateur ajouté au groupe $GROUP : lancez avec sudo depuis le compte du poste"
    say "    no user added to group $GROUP: run with sudo from the station's account"
fi

install -D -m 0644 "$HERE/60-etabli.rules" "$RULES"
changed "$RULES"
if [ -z "$ROOT" ] && command -v udevadm >/dev/null 2>&1; then
    udevadm control --reload-rules || true
    udevadm trigger --subsystem-match=usb --subsystem-match=usbmisc --action=change || true
fi

# 4. The menu entry and its icon.
install -D -m 0644 "$HERE/etabli.desktop" "$DESKTOP"
changed "$DESKTOP"
install -D -m 0644 "$HERE/etabli.svg" "$ICON"
changed "$ICON"
if [ -z "$ROOT" ]; then
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi

# 5. The erasure helper (root, the app's `erase-helper` subcommand), started by systemd on
# the first connection to its socket: the station's user erases disks without being root.
for unit in etabli-erase-helper.socket etabli-erase-helper.service; do
    install -D -m 0644 "$HERE/systemd/$unit" "$UNITS/$unit"
    changed "$UNITS/$unit"
done
install -D -m 0644 "$HERE/erase-helper.md" "$HELPER_DOC"
changed "$HELPER_DOC"
if [ -n "$ROOT" ]; then
    say "  ! service d’effacement non activé dans $ROOT (racine de test) / erasure helper not enabled in a test root"
elif [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload
    systemctl enable --now etabli-erase-helper.socket
    # A running helper of the previous version ends; the socket starts the new one.
    systemctl try-restart etabli-erase-helper.service || true
    changed "service d’effacement activé / erasure helper enabled: etabli-erase-helper.socket"
else
    say "  ! systemd ne tourne pas ici : service d’effacement non activé. Pour effacer un disque, lancez en root :"
    say "    systemd is not running here: erasure helper not enabled. To erase a disk, run as root:"
    say "      /opt/etabli/etabli erase-helper --group $GROUP --socket /run/etabli/erase.sock"
fi

# What uninstall.sh needs to know: whether the group is ours, which packages came from here.
old_debs=$(printf '%s\n' "$previous" | sed -n 's/^debs_installed=//p')
{
    echo "group_created=$group_created"
    echo "user_added=$user_added"
    echo "debs_installed=$(echo "$old_debs $debs_installed" | xargs)"
    echo "release=$release_archive"
} > "$MANIFEST"

say "Établi est installé : menu « Établi », ou la commande etabli."
say "Établi is installed: menu “Établi”, or the etabli command."
