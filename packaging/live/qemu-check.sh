#!/bin/bash
# The manual check of the Établi stick (docs/live-stick.md): boots the ISO in QEMU/KVM as a USB
# stick, with two virtual disks full of "old data" (a SATA one and an NVMe
# one, as in laptops) and the agent's port forwarded to the host.
#   packaging/live/qemu-check.sh ISO bios|uefi WORKDIR [HOST_PORT]
# ACCEL=tcg runs it without KVM (slower): where KVM is nested and cannot run the firmware.
# Screenshots: echo "screendump WORKDIR/shot.ppm" | socat - UNIX-CONNECT:WORKDIR/monitor
set -eu
iso=$1 firmware=$2 work=$3 port=${4:-17410}
mkdir -p "$work"
for n in 1 2; do
    disk="$work/disk$n.img"
    if [ ! -e "$disk" ]; then
        # 256 MiB of a recognisable donor's data, to look for after the erasure
        yes "DONNEES DU DONATEUR disque $n" | head -c 268435456 >"$disk"
    fi
done
bios=()
if [ "$firmware" = uefi ]; then
    cp -n /usr/share/OVMF/OVMF_VARS_4M.fd "$work/OVMF_VARS.fd" 2>/dev/null ||
        cp -n /usr/share/OVMF/OVMF_VARS.fd "$work/OVMF_VARS.fd"
    code=/usr/share/OVMF/OVMF_CODE_4M.fd
    [ -e "$code" ] || code=/usr/share/OVMF/OVMF_CODE.fd
    bios=(-drive "if=pflash,format=raw,readonly=on,file=$code"
          -drive "if=pflash,format=raw,file=$work/OVMF_VARS.fd")
fi
if [ "${ACCEL:-kvm}" = kvm ]; then accel=(-enable-kvm -cpu host); else accel=(-accel tcg -cpu max); fi
exec qemu-system-x86_64 "${accel[@]}" -m 2048 -smp 2 -machine q35 "${bios[@]}" \
    -vga std -display none -monitor "unix:$work/monitor,server,nowait" \
    -serial "file:$work/serial.log" \
    -device qemu-xhci \
    -drive "if=none,id=stick,format=raw,readonly=on,file=$iso" \
    -device usb-storage,drive=stick,serial=ETABLI-STICK,bootindex=0 \
    -drive "if=none,id=d1,format=raw,file=$work/disk1.img" \
    -device ide-hd,drive=d1,bus=ide.2,serial=DON-SATA-0001 \
    -drive "if=none,id=d2,format=raw,file=$work/disk2.img" \
    -device nvme,drive=d2,serial=DON-NVME-0002 \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7410" -device e1000,netdev=n0
