"""Why an event is refused: one stable code per reason, for programs.

A refused event is named with its code and, beside it, a sentence in English for people
(logs, the command line, sync.json). The hub sends the code in its push answer; a station's
import gives it too. Programs decide on the code only: the sentence may be reworded, the
code never changes meaning.
"""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    """The stable code of an event refused by the hub's push or a station's import."""

    MALFORMED = "malformed"  # not an event: a field missing or of the wrong type, a bad seq
    ALTERED = "altered"  # its content does not match its hash
    ID_TAKEN = "id_taken"  # another event with this id is already held
    SEQ_TAKEN = "seq_taken"  # another event of its station already has its number
    MISSING_EVENTS = "missing_events"  # the events of its station before it are not held
    BROKEN_LINK = "broken_link"  # it does not link to the previous event held
    FOLLOWS_REFUSED = "follows_refused"  # an earlier event of its station was refused
    INVALID_FACT = "invalid_fact"  # its payload is not a valid fact of its type
    RELAYED = "relayed"  # the hub: written by another station than the one pushing it
    OWN_EVENT = "own_event"  # a station: an event of its own that it does not hold
    DEVICE_UNKNOWN = "device_unknown"  # a station: its device's registration is not here yet
    NOT_APPLICABLE = "not_applicable"  # a station: it cannot be folded into the state here
    TRAINING = "training"  # a training fact: it never leaves its station
