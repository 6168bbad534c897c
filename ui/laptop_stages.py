"""A computer's journey from its card: its disk is taken out and docked at the station, so
its check, erasure and system image are jobs on its linked disks (their progress and
questions show on the computer's card), its grade is a short list answered here, and its
label and outcome are the usual dialogs."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from bench_app.disk_links import COMPUTER_KINDS, disks_of
from bench_app.domain.model import Device
from bench_app.errors import BenchError
from bench_app.install.laptop_image import PIPELINE as IMAGE_PIPELINE
from bench_app.jobs.steps import Purpose
from bench_app.journey import Stage
from bench_app.station import Station


def is_computer(device: Device) -> bool:
    return device.kind in COMPUTER_KINDS


def workshop_image(station: Station) -> str:
    """The system image for computers: the workshop's (`laptop_image` setting), or the
    classroom's in training; BenchError LAPTOP_IMAGE_NOT_SET when none was chosen."""
    chosen = station.settings.laptop_image.strip()
    if chosen:
        return chosen
    if station.training:
        from bench_app.simulators.laptop_system import training_laptop_image

        return training_laptop_image(station.folder)
    raise BenchError("LAPTOP_IMAGE_NOT_SET")


def docked_disks(station: Station, host_id: str) -> list[Device]:
    """The computer's linked disks that are docked now."""
    return [d for d in disks_of(station.store, host_id) if station.handle(d.id) is not None]


def start_disk_stage(station: Station, host_id: str, stage: Stage) -> str:
    """Starts the job of `stage` (check, erasure or system image) on the first docked disk
    that needs it and returns that disk's id; BenchError LAPTOP_NO_DISK_DOCKED when none
    is docked. A disk's check is the first part of its erasure, as for any drive."""
    journey = station.journey(host_id)
    states = {d.device_id: d for d in journey.disks}
    docked = [d for d in docked_disks(station, host_id) if d.id in states]
    if stage is Stage.SYSTEM_IMAGE:
        fit = [d for d in docked if states[d.id].erased and not states[d.id].failing]
        if not fit:
            raise BenchError("LAPTOP_NO_DISK_DOCKED")
        image = workshop_image(station)
        station.start_job(fit[0].id, IMAGE_PIPELINE, {"image": image})
        return fit[0].id
    needs = [
        d
        for d in docked
        if not (states[d.id].checked if stage is Stage.CHECK else states[d.id].erased)
    ]
    if not needs:
        raise BenchError("LAPTOP_NO_DISK_DOCKED")
    station.start_job(needs[0].id, purpose=Purpose.ERASES)
    return needs[0].id


def erase_docked_disk(station: Station, host_id: str) -> str:
    """« Effacer à nouveau » : a new erasure of the computer's first docked disk."""
    docked = docked_disks(station, host_id)
    if not docked:
        raise BenchError("LAPTOP_NO_DISK_DOCKED")
    station.start_job(docked[0].id, purpose=Purpose.ERASES)
    return docked[0].id


def link_dialog(
    station: Station,
    lang: str,
    parent: QWidget,
    *,
    disk_id: str | None = None,
    host_id: str | None = None,
) -> QDialog:
    from ui.link_dialog import LinkDialog

    return LinkDialog(station, lang, parent, disk_id=disk_id, host_id=host_id)


def grade_dialog(station: Station, device_id: str, lang: str, parent: QWidget) -> QDialog:
    from ui.laptop_grade_dialog import LaptopGradeDialog

    return LaptopGradeDialog(station, device_id, lang, parent)
