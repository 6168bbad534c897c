"""Bilingual text carried by the core to whoever shows it (the GUI, the CLI, a PDF)."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("fr", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """A short sentence in French (first) and English."""

    fr: str
    en: str

    def get(self, lang: str) -> str:
        """The sentence in `lang`, French when the language is unknown."""
        return self.en if lang == "en" else self.fr

    def format(self, **values: object) -> Text:
        """Both sentences with `{name}` placeholders filled in."""
        return Text(self.fr.format(**values), self.en.format(**values))

    def to_json(self) -> dict[str, str]:
        return {"fr": self.fr, "en": self.en}

    @classmethod
    def from_json(cls, data: object) -> Text:
        if isinstance(data, dict):
            return cls(str(data.get("fr", "")), str(data.get("en", data.get("fr", ""))))
        return cls(str(data), str(data))

    def __str__(self) -> str:
        return self.fr
