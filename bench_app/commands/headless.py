"""Running a pipeline from the command line: every question answered in advance by the
options, progress on the terminal, and a job interrupted earlier resumed rather than
started again."""

from __future__ import annotations

import sys
import time
from typing import Any

from bench_app.domain.model import JobState
from bench_app.jobs.engine import Job as RunningJob
from bench_app.station import Station
from bench_app.store import queries


def run_to_end(
    station: Station,
    device_id: str,
    pipeline: str,
    options: dict[str, Any],
    *,
    show_progress: bool,
) -> RunningJob:
    """Resumes the device's last job when it is an interrupted run of `pipeline` with the
    same options, else starts one; waits for its end. A job that stops to ask a question
    is cancelled: a headless run has nobody to answer it."""
    previous = station.latest_job(device_id)
    if (
        previous is not None
        and previous.pipeline == pipeline
        and previous.state is JobState.INTERRUPTED
        and queries.job_options(station.store, previous.id) == options
    ):
        job = station.resume_job(previous.id)
    else:
        job = station.start_job(device_id, pipeline, options)
    last_shown = -1
    while job.thread is not None and job.thread.is_alive():
        if job.prompt is not None:  # every question was answered by the options
            station.cancel_job(job.id)
        percent = int(job.fraction * 100)
        if percent != last_shown and show_progress and sys.stderr.isatty():
            print(f"\r{percent:3d} %", end="", file=sys.stderr)
            last_shown = percent
        time.sleep(0.1)
    return job
