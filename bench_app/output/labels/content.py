"""What an asset label says: the code and its QR data, brand and model, grade, key specs in
a few words, the date; read from the station's store for one device."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bench_app.domain.asset_code import AssetCode
from bench_app.domain.model import Device, DeviceKind
from bench_app.errors import BenchError
from bench_app.output.formatting import capacity_text, day_text, ram_text
from bench_app.settings import Settings
from bench_app.store import queries
from bench_app.store.database import Store


@dataclass(frozen=True)
class LabelContent:
    """Everything printed on one asset label."""

    code: str  # the asset code as printed, ABCD-2345-X
    title: str = ""  # brand and model
    grade: str = ""  # the workshop's grade (A/B/C), empty when not graded yet
    specs: str = ""  # storage, RAM or drive size, in words for people
    date: str = ""  # the day the label was made, as people write it
    verification_url: str = ""  # base address; the QR then holds BASE/CODE
    training: bool = False
    lang: str = "fr"

    @property
    def qr_data(self) -> str:
        """What the QR code holds: the verification address of the device when the workshop
        has one, else the 9 characters of the code (upper case, so the compact alphanumeric
        QR mode applies)."""
        if self.verification_url:
            return self.verification_url.rstrip("/") + "/" + self.code
        return AssetCode.parse(self.code).compact


def key_specs(store: Store, device: Device, lang: str = "fr") -> str:
    """Storage and RAM of a phone or computer, or the size of a drive, in a few words
    ("64 Go · 4 Go RAM"); empty when the station has not read them yet.

    It reads, newest first: the phone check's storage step, a computer's inventory, and the
    identity the device gave (drives: size_bytes; simple simulated phones: storage_gb, ram_mb).
    """
    storage: float | None = None
    ram: float | None = None
    details = device.details
    if details.get("size_bytes"):
        storage = float(details["size_bytes"])
    if details.get("storage_gb"):
        storage = float(details["storage_gb"]) * 1e9
    if details.get("ram_mb"):
        ram = float(details["ram_mb"]) * 2**20
    for job in reversed(queries.jobs_for_device(store, device.id)):
        for result in queries.step_results(store, job.id):
            if result.step_id == "storage":
                ev = result.evidence
                storage = float(ev["total_bytes"]) if ev.get("total_bytes") else storage
                ram = float(ev["ram_bytes"]) if ev.get("ram_bytes") else ram
    if device.kind in (DeviceKind.LAPTOP, DeviceKind.DESKTOP):
        inventory = _latest_inventory(store, device.id)
        if inventory:
            memory = inventory.get("ram") or {}
            ram = float(memory.get("installed_bytes") or memory.get("total_bytes") or 0) or ram
            drives = [d for d in inventory.get("drives") or [] if d.get("size_bytes")]
            if drives:
                storage = float(sum(int(d["size_bytes"]) for d in drives))
    parts: list[str] = []
    if device.kind in (DeviceKind.LAPTOP, DeviceKind.DESKTOP):
        if ram:
            parts.append(ram_text(ram, lang))
        if storage:
            parts.append(capacity_text(storage, lang))
    else:
        flash = device.kind in (DeviceKind.PHONE, DeviceKind.TABLET)
        if storage:
            parts.append(capacity_text(storage, lang, flash=flash))
        if ram:
            parts.append(ram_text(ram, lang))
    return " · ".join(parts)


def _latest_inventory(store: Store, device_id: str) -> dict[str, Any] | None:
    for event in reversed(queries.events(store, device_id)):
        if event.type == "device.inventoried":
            inventory = event.payload.get("inventory")
            return inventory if isinstance(inventory, dict) else None
    return None


def label_content(
    store: Store,
    device: Device,
    settings: Settings,
    *,
    today: dt.date | None = None,
) -> LabelContent:
    """The label of one device as the station knows it now."""
    lang = settings.language
    grade = queries.latest_grade(store, device.id)
    return LabelContent(
        code=device.asset_code,
        title=device.label,
        grade=grade.workshop_grade if grade else "",
        specs=key_specs(store, device, lang),
        date=day_text(today or dt.date.today(), lang),
        verification_url=settings.verification_url,
        training=device.training,
        lang=lang,
    )


def content_for_code(store: Store, text: str, settings: Settings) -> LabelContent:
    """The label of the device whose code was typed; BenchError when it is wrong or unknown."""
    code = str(AssetCode.parse(text))
    device = queries.device_by_code(store, code)
    if device is None:
        raise BenchError("ASSET_CODE_UNKNOWN", code=code)
    return label_content(store, device, settings)


def sample_content(lang: str = "fr", verification_url: str = "") -> LabelContent:
    """A label for previews and test prints (a training code, so it is never mistaken for a
    real device)."""
    return LabelContent(
        code=str(AssetCode.make("TEST", 1)),
        title="Fairphone 4",
        grade="B",
        specs="128 Go · 6 Go RAM" if lang == "fr" else "128 GB · 6 GB RAM",
        date=day_text(dt.date.today(), lang),
        verification_url=verification_url,
        training=True,
        lang=lang,
    )
