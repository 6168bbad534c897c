"""A worker that needs the operator asks a question and waits; the UI answers it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from bench_app.text import Text


class Cancelled(Exception):
    """The job was cancelled while it waited or worked."""


@dataclass(frozen=True, slots=True)
class Choice:
    key: str
    label: Text
    tone: str = "neutral"  # "good", "bad", "neutral": how the button is coloured


OK = Choice("ok", Text("Ça marche", "It works"), "good")
NOT_OK = Choice("not_ok", Text("Ça ne marche pas", "It does not work"), "bad")
NOT_PRESENT = Choice("not_present", Text("Absent sur ce modèle", "Not on this model"))
DONE = Choice("done", Text("C’est fait", "Done"), "good")


@dataclass(eq=False)
class Prompt:
    """A question for the operator, with a picture and big answer buttons."""

    question: Text
    choices: tuple[Choice, ...]
    picture: str | None = None  # a file name under assets/steps/
    detail: Text | None = None  # steps to follow
    # What was wrong with the last typed answer, asked again (shown as an error).
    error: Text | None = None
    # A typed answer (e.g. an IMEI read from the label): the UI shows a field; the typed
    # text comes back as the answer. `choices` then offer ways out ("no IMEI").
    entry: Text | None = None
    _answered: threading.Event = field(default_factory=threading.Event, repr=False)
    _answer: str | None = field(default=None, repr=False)

    def answer(self, key: str) -> None:
        """Called by the UI (any thread). Unknown keys are refused loudly, except typed text
        for a prompt that asks for an entry."""
        if self.entry is None and key not in {c.key for c in self.choices}:
            raise ValueError(f"{key!r} is not one of this prompt's answers")
        self._answer = key
        self._answered.set()

    @property
    def answered(self) -> bool:
        return self._answered.is_set()

    def wait(self, cancelled: threading.Event) -> str:
        """Blocks the worker until answered; raises Cancelled if the job is cancelled."""
        while not self._answered.wait(0.05):
            if cancelled.is_set():
                raise Cancelled()
        assert self._answer is not None
        return self._answer
