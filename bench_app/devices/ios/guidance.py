"""What to tell the operator while an iPhone does not trust the station yet: one step at a
time, with a picture, in the words of the iPhone's own screens."""

from __future__ import annotations

from bench_app.devices.android.guidance import GuideStep
from bench_app.text import Text

# The states an iPhone's card can wait in (IPhoneState values).
IPHONE_STATES = ("pending_trust", "denied", "locked")

_UNLOCK = GuideStep(
    Text(
        "Déverrouillez l’iPhone (son code, ou Face ID).",
        "Unlock the iPhone (its passcode, or Face ID).",
    ),
    "usb_allow.svg",
)
_TRUST = GuideStep(
    Text("Sur l’iPhone, touchez « Faire confiance », puis tapez son code.",
         "On the iPhone, tap “Trust”, then enter its passcode."),
    "usb_allow.svg",
)  # fmt: skip
_REPLUG = GuideStep(
    Text("Débranchez le câble, attendez deux secondes, rebranchez-le.",
         "Unplug the cable, wait two seconds, plug it back."),
    "replug.svg",
)  # fmt: skip
_NO_CODE = GuideStep(
    Text("Sans le code, l’iPhone ne fera jamais confiance : demandez-le au donateur.",
         "Without its passcode the iPhone never trusts: ask the donor for it."),
    "usb_allow.svg",
)  # fmt: skip


def iphone_guide(state: str) -> list[GuideStep]:
    """The steps for an iPhone waiting in `state`."""
    if state == "locked":
        return [_UNLOCK, _TRUST, _NO_CODE]
    if state == "denied":
        return [_REPLUG, _UNLOCK, _TRUST]
    return [_UNLOCK, _TRUST, _NO_CODE]
