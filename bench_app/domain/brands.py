"""A brand as its maker writes it. Phones report "google", "samsung" or "oneplus" (their
`ro.product.brand`); people and the makers' own boxes write Google, Samsung, OnePlus. Most
names take a capital; the makers that write theirs otherwise are listed in `MAKERS`."""

from __future__ import annotations

# The spelling a maker uses for itself when a capital first letter is not it, and the
# usual lowercase or shouting forms devices and people type. Keys are casefolded.
MAKERS: dict[str, str] = {
    "oneplus": "OnePlus",
    "hmd global": "HMD Global",
    "hmd": "HMD",
    "xiaomi": "Xiaomi",
    "samsung": "Samsung",
    "lge": "LG",
    "lg": "LG",
    "htc": "HTC",
    "zte": "ZTE",
    "tcl": "TCL",
    "oppo": "OPPO",
    "poco": "POCO",
    "asus": "ASUS",
    "hp": "HP",
    "hpe": "HPE",
    "ibm": "IBM",
    "msi": "MSI",
    "wdc": "WDC",
    "sandisk": "SanDisk",
    "kioxia": "KIOXIA",
    "iphone": "iPhone",
    "ipad": "iPad",
}


def brand_name(brand: str, manufacturer: str = "") -> str:
    """The brand as its maker writes it: `MAKERS` first, then the device's own
    manufacturer field when it is the same name better written ("Google" for "google"),
    then a capital to each word of a name written all in lowercase ("fairphone" ->
    "Fairphone"). A name already written with capitals is kept as it is."""
    text = " ".join(brand.split())
    if not text:
        return ""
    known = MAKERS.get(text.casefold())
    if known is not None:
        return known
    maker = " ".join(manufacturer.split())
    if maker.casefold() == text.casefold() and not maker.islower():
        return maker
    if text.islower():
        return " ".join(word[:1].upper() + word[1:] for word in text.split())
    return text
