"""The laptop's guided tests run through its agent and recorded by the station: each test of
the shared list (diagnostics/laptop_guided.py) is shown on the laptop's screen (op "test"),
answered there or here (op "answer"), and recorded as one check job of the laptop
(`job.created`, one `step.finished` per test with its answer and the laptop's readings,
`job.finished`), the facts every check leaves. The laptop's grade (`Station.grade_by_hand`)
then counts these results with the chassis's look, so the label, outcome and certificate
follow from the same facts.

An answer is trusted as the erasure report is: only the paired agent can send it (sealed
channel). A laptop that was never paired is recorded on the way, as `etabli pair` does."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench_app.devices.laptop.client import LaptopSession
from bench_app.diagnostics.laptop_guided import (
    ANSWERS,
    KO,
    LAPTOP_TESTS,
    OK,
    PIPELINE,
    SKIPPED,
    TESTS_BY_ID,
    LaptopTest,
)
from bench_app.domain.model import Device, JobState, StepStatus
from bench_app.errors import BenchError
from bench_app.laptops import _checked, _record_laptop, record_facts, show_asset
from bench_app.station import Station
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text
from bench_app.workshop import station_label

STATUS = {OK: StepStatus.PASSED, KO: StepStatus.FAILED, SKIPPED: StepStatus.SKIPPED}
SUMMARY = {
    OK: Text("Testé : fonctionne.", "Tested: works."),
    KO: Text("Testé : ne fonctionne pas.", "Tested: does not work."),
    SKIPPED: Text("Non testé.", "Not tested."),
}
# Answers the station gives while a test runs: (test, readings, closed) → ok/ko/skipped, or
# None when the laptop answered first (`closed` is set then).
Answerer = Callable[[LaptopTest, dict[str, Any], threading.Event], str | None]


def chosen_tests(ids: Sequence[str]) -> list[LaptopTest]:
    """The tests named by `ids` in the list's order (every test when empty);
    LAPTOP_TEST_UNKNOWN for a name not in the list."""
    for given in ids:
        if given not in TESTS_BY_ID:
            raise BenchError("LAPTOP_TEST_UNKNOWN", test=given[:40], known=", ".join(TESTS_BY_ID))
    return [t for t in LAPTOP_TESTS if not ids or t.id in ids]


def check_laptop(
    folder: Path,
    address: str,
    code: str,
    *,
    operator: str,
    training: bool = False,
    tests: Sequence[str] = (),
    answer_here: Answerer | None = None,
    on_result: Callable[[LaptopTest, dict[str, Any]], None] = lambda _t, _r: None,
) -> dict[str, Any]:
    """Pairs with the agent, records the laptop, shows its asset code on the laptop, then runs
    each test there and records every answer as it comes (`answer_here` answers from the
    station, else the laptop's screen does). Returns {"asset_code", "job_id", "results":
    [{"test", "answer", "by", "readings"}]}. When the link breaks the job is recorded as
    interrupted (the answers given so far stay) and LAPTOP_CHECK_INTERRUPTED is raised."""
    chosen_tests(tests)  # an unknown test refused before connecting
    station = Station(folder, operator=operator, training=training)
    try:
        name = station_label(station.settings, station.store.station_id)
        with LaptopSession.pair(address, code) as session:
            description = session.ask("describe", station=name)
            _checked(description)
            laptop = _record_laptop(station, description, address, operator)
            show_asset(session, laptop.asset_code)
            return check_paired(
                station,
                session,
                laptop,
                operator=operator,
                tests=tests,
                answer_here=answer_here,
                on_result=on_result,
            )
    finally:
        station.close()


def check_paired(
    station: Station,
    session: LaptopSession,
    laptop: Device,
    *,
    operator: str,
    tests: Sequence[str] = (),
    answer_here: Answerer | None = None,
    on_result: Callable[[LaptopTest, dict[str, Any]], None] = lambda _t, _r: None,
    on_start: Callable[[int, int, LaptopTest], None] = lambda _i, _n, _t: None,
) -> dict[str, Any]:
    """As `check_laptop`, through a session already paired with `laptop` (recorded on
    `station`, which is used and left open; the window keeps one session per laptop card).
    `on_start(index, count, test)` is called as each test begins (index from 1), from this
    thread. Same result and same LAPTOP_CHECK_INTERRUPTED when the link breaks."""
    chosen = chosen_tests(tests)
    job_id = begin_check(station, laptop, operator, chosen)
    results: list[dict[str, Any]] = []
    for index, test in enumerate(chosen, start=1):
        on_start(index, len(chosen), test)
        try:
            result = _run_one(session, test, answer_here)
        except BenchError as exc:
            record_facts(
                station,
                laptop,
                operator,
                [
                    (
                        "job.interrupted",
                        {
                            "job_id": job_id,
                            "reason": "laptop_link_lost",
                            "last_finished_step": results[-1]["test"] if results else None,
                            "message": exc.message.to_json(),
                        },
                    )
                ],
            )
            if exc.code == "PAIR_FAILED":
                raise BenchError("LAPTOP_CHECK_INTERRUPTED", detail=exc.values["detail"]) from exc
            raise
        record_answer(station, laptop, operator, job_id, test, result)
        results.append(result)
        on_result(test, result)
    end_check(station, laptop, operator, job_id)
    return {"asset_code": laptop.asset_code, "job_id": job_id, "results": results}


def _run_one(
    session: LaptopSession, test: LaptopTest, answer_here: Answerer | None
) -> dict[str, Any]:
    """One test on the laptop; the station's answer, when it answers, is sent by a thread
    of its own while this one waits for the agent's last answer."""
    closed = threading.Event()
    helpers: list[threading.Thread] = []
    failures: list[BenchError] = []

    def answer_from_station(readings: dict[str, Any]) -> None:
        assert answer_here is not None
        given = answer_here(test, readings, closed)
        if given is None or closed.is_set():
            return
        try:
            session.tell("answer", test=test.id, answer=given)
        except BenchError as exc:
            failures.append(exc)

    def on_frame(frame: dict[str, Any]) -> None:
        if answer_here is not None and not helpers and frame.get("test") == test.id:
            readings = frame.get("readings")
            helper = threading.Thread(
                target=answer_from_station,
                args=(dict(readings) if isinstance(readings, dict) else {},),
            )
            helpers.append(helper)
            helper.start()

    try:
        last = session.stream("test", on_frame, test=test.id)
    finally:
        closed.set()
        for helper in helpers:
            helper.join()
    answer = last.get("answer")
    readings = last.get("readings")
    if last.get("test") != test.id or answer not in ANSWERS or not isinstance(readings, dict):
        raise BenchError("AGENT_ANSWER_INVALID")
    by = last.get("by")
    return {
        "test": test.id,
        "answer": answer,
        "by": by if by in ("laptop", "station", "cancelled") else "?",
        "readings": readings,
    }


def begin_check(
    station: Station, laptop: Device, operator: str, chosen: Sequence[LaptopTest]
) -> str:
    """Records the laptop's check job for `chosen` (created, started); its id. The same
    facts whether the station asks through the agent or the laptop answers alone."""
    job_id = uuid7_str()
    record_facts(
        station,
        laptop,
        operator,
        [
            (
                "job.created",
                {"job_id": job_id, "pipeline": PIPELINE, "steps": [t.id for t in chosen]},
            ),
            ("job.started", {"job_id": job_id}),
        ],
    )
    return job_id


def record_answer(
    station: Station,
    laptop: Device,
    operator: str,
    job_id: str,
    test: LaptopTest,
    result: dict[str, Any],
) -> None:
    """Records one test's answer ({"answer", "by", "readings"}) as a step of the job."""
    record_facts(station, laptop, operator, [_step_fact(job_id, test, result)])


def end_check(station: Station, laptop: Device, operator: str, job_id: str) -> None:
    """Records the check job as finished (every chosen test answered)."""
    record_facts(
        station,
        laptop,
        operator,
        [("job.finished", {"job_id": job_id, "state": JobState.SUCCEEDED.value})],
    )


def _step_fact(job_id: str, test: LaptopTest, result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    answer = result["answer"]
    return (
        "step.finished",
        {
            "job_id": job_id,
            "step_id": test.id,
            "status": STATUS[answer].value,
            "summary": SUMMARY[answer].to_json(),
            "evidence": {
                "question": test.question.to_json(),
                "answer": answer,
                "answered_on": result["by"],
                "readings": result["readings"],
            },
        },
    )
