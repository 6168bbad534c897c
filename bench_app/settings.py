"""Where the station keeps its data, and the few settings an operator may change."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import platformdirs

from bench_app.errors import BenchError
from bench_app.input_files import CONFIG_MAX, parse_json, read_input_text
from bench_app.operators import Operator, parse_operators

DATA_DIR_ENV = "ETABLI_DATA_DIR"
SETTINGS_NAME = "settings.json"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: `--data-dir`, else $ETABLI_DATA_DIR, else the platform's user folder."""
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir("etabli", appauthor=False))


# The training folder sits beside the real data folder, with this after its name.
TRAINING_DIR_SUFFIX = "-formation"


def training_dir(real: Path) -> Path:
    """The training folder of the station whose real data folder is `real`: a sibling named
    like it with "-formation" (…/etabli → …/etabli-formation). Outside the real folder, so
    the real store, its backups and its `db check` never see a class's facts."""
    real = Path(real)
    return real.with_name(real.name + TRAINING_DIR_SUFFIX)


# The window's looks a person may choose (ui/style.py builds its stylesheet from them).
THEMES = ("standard", "contrast")
TEXT_SIZES = (100, 125, 150)


@dataclass
class Settings:
    language: str = "fr"
    operator: str = ""
    max_parallel_jobs: int = 8
    station_name: str = ""
    organisation: str = ""
    # Printed on certificates, reports and handover sheets.
    organisation_address: str = ""
    organisation_contact: str = ""  # phone and e-mail a donor or beneficiary can use
    # Optional: labels and certificates carry BASE/ASSET-CODE as a verification address.
    verification_url: str = ""
    warranty_months: int = 6
    # The system the workshop installs on phones once wiped ("" : none, phones keep theirs);
    # the journey's installation stage and its button follow it.
    phone_system: str = "/e/OS"
    # The system image written on a computer's docked disk (its name in the image library,
    # or a path; "" : none chosen, the stage is skipped with a reason). Training has its own.
    laptop_image: str = ""
    # How often a running erasure flushes the disk and records how far it got (seconds).
    erase_checkpoint_seconds: float = 2.0
    # Who may work here: [{"name": ..., "pin_hash": ..., "role": ...}] (the PIN only as a
    # salted hash; role "supervisor" or "trainer" when not a plain operator).
    # Empty: anyone, as before (the window still asks who works).
    operators: list[dict[str, str]] = field(default_factory=list)
    # A beneficiary's personal data (name, structure, contact) is erased this many months
    # after the last loan or donation naming them (bench_app/beneficiaries.py).
    beneficiary_retention_months: int = 36
    # True: the activity CSV names each beneficiary and their referring structure. Sync and
    # bundles never carry personal data, whatever this says (the log cannot be erased).
    share_beneficiary_data: bool = False
    # How the window looks: "standard" or "contrast" (strong contrast, for low vision), and
    # its text size in percent (100, 125 or 150); both change the window at once.
    theme: str = "standard"
    text_size: int = 100

    @classmethod
    def load(cls, folder: Path) -> Settings:
        path = folder / SETTINGS_NAME
        if not path.exists() and not path.is_symlink():  # a broken link is no default
            return cls()
        try:
            raw = parse_json(read_input_text(path, limit=CONFIG_MAX))
            if not isinstance(raw, dict):
                raise ValueError("expected a JSON object")
            known = {f.name: f.type for f in fields(cls)}
            values = {k: v for k, v in raw.items() if k in known}
            settings = cls(**values)
            settings.validate()
        except (OSError, ValueError, TypeError) as exc:
            raise BenchError("SETTINGS_INVALID", path=str(path), detail=str(exc)) from exc
        return settings

    def validate(self) -> None:
        if self.language not in ("fr", "en"):
            raise ValueError(f"language must be fr or en, not {self.language!r}")
        if not isinstance(self.max_parallel_jobs, int) or not 1 <= self.max_parallel_jobs <= 64:
            raise ValueError("max_parallel_jobs must be a whole number from 1 to 64")
        seconds = self.erase_checkpoint_seconds
        if not isinstance(seconds, int | float) or not 0.01 <= seconds <= 600:
            raise ValueError("erase_checkpoint_seconds must be between 0.01 and 600")
        if not isinstance(self.warranty_months, int) or not 0 <= self.warranty_months <= 120:
            raise ValueError("warranty_months must be a whole number from 0 to 120")
        if not isinstance(self.phone_system, str) or len(self.phone_system) > 40:
            raise ValueError("phone_system must be a system's name of at most 40 characters")
        if not isinstance(self.laptop_image, str) or len(self.laptop_image) > 400:
            raise ValueError("laptop_image must be an image's name or path (400 characters)")
        if self.verification_url and not self.verification_url.startswith(("https://", "http://")):
            raise ValueError("verification_url must start with https:// or http://")
        months = self.beneficiary_retention_months
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
            raise ValueError("beneficiary_retention_months must be a whole number from 1 to 120")
        if not isinstance(self.share_beneficiary_data, bool):
            raise ValueError("share_beneficiary_data must be true or false")
        if self.theme not in THEMES:
            raise ValueError(f"theme must be {' or '.join(THEMES)}, not {self.theme!r}")
        if self.text_size not in TEXT_SIZES or isinstance(self.text_size, bool):
            raise ValueError(f"text_size must be one of {', '.join(map(str, TEXT_SIZES))}")
        parse_operators(self.operators)

    def operator_list(self) -> list[Operator]:
        """The station's operators, in the order they were added."""
        return parse_operators(self.operators)

    def add_operator(self, operator: Operator) -> None:
        self.operators = [*self.operators, operator.entry()]

    def save(self, folder: Path) -> None:
        self.validate()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (SETTINGS_NAME + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / SETTINGS_NAME)


@functools.cache  # resolved once: the window asks for it at each step picture
def assets_dir() -> Path:
    """The assets/ folder shipped beside the code (icons, step pictures, templates)."""
    return Path(__file__).resolve().parent.parent / "assets"
