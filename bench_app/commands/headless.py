"""Running a pipeline from the command line: every question answered in advance by the
options, progress on the terminal, and a job interrupted earlier resumed rather than
started again."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

from bench_app.domain.model import JobState
from bench_app.jobs.engine import Job as RunningJob
from bench_app.jobs.prompt import Prompt
from bench_app.jobs.steps import Purpose
from bench_app.station import Station
from bench_app.store import queries

# Asks the operator a job's question on the terminal; None: nobody is there to answer.
Answerer = Callable[[Prompt], str | None]


def run_to_end(
    station: Station,
    device_id: str,
    pipeline: str | None,
    options: dict[str, Any],
    *,
    show_progress: bool,
    answer: Answerer | None = None,
    purpose: Purpose | None = None,
) -> RunningJob:
    """Resumes the device's last job when it is an interrupted run of `pipeline` with the
    same options, else starts one; waits for its end. A job that stops to ask a question
    gets it answered by `answer`, or is cancelled when nobody answers (no `answer`, or
    the terminal closed). With no `pipeline`, the first that fits the device with that
    `purpose` (its erasure, its installation)."""
    if pipeline is None and purpose is not None:
        device = station.device(device_id)
        handle = station.handle(device_id)
        fitting = (
            station.pipelines.for_purpose(device.kind, handle, purpose)
            if device is not None and handle is not None
            else []
        )
        pipeline = fitting[0].name if fitting else None
    previous = station.latest_job(device_id)
    if (
        previous is not None
        and previous.pipeline == pipeline
        and previous.state is JobState.INTERRUPTED
        and queries.job_options(station.store, previous.id) == options
    ):
        job = station.resume_job(previous.id)
    else:
        job = station.start_job(device_id, pipeline, options, purpose=purpose)
    last_shown = -1
    while job.thread is not None and job.thread.is_alive():
        prompt = job.prompt
        if prompt is not None and not prompt.answered:
            key = answer(prompt) if answer is not None else None
            if key is None:  # every question should have been answered by the options
                station.cancel_job(job.id)
            else:
                prompt.answer(key)
        percent = int(job.fraction * 100)
        if percent != last_shown and show_progress and sys.stderr.isatty():
            print(f"\r{percent:3d} %", end="", file=sys.stderr)
            last_shown = percent
        time.sleep(0.1)
    return job


def terminal_answerer(
    lang: str, stdin: IO[str] | None = None, out: IO[str] | None = None
) -> Answerer:
    """Shows a job's question on stderr with numbered answers and reads the operator's
    number (or typed text, for a question that wants one) on stdin; None at end of input."""

    def ask(prompt: Prompt) -> str | None:
        source = stdin if stdin is not None else sys.stdin
        sink = out if out is not None else sys.stderr
        if source is None:
            return None
        print(f"\n? {prompt.question.get(lang)}", file=sink)
        if prompt.detail is not None:
            print(f"  {prompt.detail.get(lang)}", file=sink)
        if prompt.error is not None:
            print(f"  {prompt.error.get(lang)}", file=sink)
        if prompt.entry is not None:
            print(f"  {prompt.entry.get(lang)}", file=sink)
        for number, choice in enumerate(prompt.choices, 1):
            print(f"  {number}. {choice.label.get(lang)}", file=sink)
        sink.flush()
        while True:
            line = source.readline()
            if not line:
                print(
                    "  (pas de réponse : la tâche est annulée)"
                    if lang == "fr"
                    else "  (no answer: the job is cancelled)",
                    file=sink,
                    flush=True,
                )
                return None
            text = line.strip()
            if text.isdigit() and 1 <= int(text) <= len(prompt.choices):
                return prompt.choices[int(text) - 1].key
            if prompt.entry is not None and text:
                return text
            print(
                f"  {'Tapez un numéro de 1 à' if lang == 'fr' else 'Type a number from 1 to'} "
                f"{len(prompt.choices)}.",
                file=sink,
                flush=True,
            )

    return ask
