"""Pipelines of steps per device, one worker thread per device, progress, cancel, resume."""
