"""The catalogue: every pipeline a station can run (checks, erasures, installations), and
what joins a pipeline to the station's devices (the wipe finds the phone's bootloader)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bench_app.jobs.steps import PipelineRegistry, StepContext

if TYPE_CHECKING:
    from bench_app.devices.android.driver import AndroidPhone
    from bench_app.devices.fastboot.client import FastbootClient


def default_pipelines(data_folder: Path | None = None) -> PipelineRegistry:
    """Every pipeline a station can run, by name; `data_folder` holds their settings."""
    from bench_app.diagnostics.android import (
        PHONE_READINGS,
        TRADE_IN_READINGS,
        phone_check,
        trade_in_check,
    )
    from bench_app.diagnostics.iphone import IPHONE_READINGS, iphone_check
    from bench_app.erasure.drive_erase import drive_erase
    from bench_app.erasure.iphone_erase import iphone_erase
    from bench_app.erasure.phone_wipe import phone_wipe
    from bench_app.install.laptop_image import drive_install_image
    from bench_app.install.phone_install import phone_install

    registry = PipelineRegistry()
    registry.register(phone_check(data_folder))
    registry.register(PHONE_READINGS)
    registry.register(trade_in_check(data_folder))
    registry.register(TRADE_IN_READINGS)
    registry.register(iphone_check(data_folder))  # before the readings: the card's check
    registry.register(IPHONE_READINGS)
    registry.register(drive_erase(data_folder))
    registry.register(phone_wipe(fastboot_for_wipe))
    registry.register(iphone_erase())
    registry.register(phone_install(data_folder))
    registry.register(drive_install_image(data_folder))
    return registry


BOOTLOADER_WAIT_S = 120.0  # a phone takes well under a minute to reach its bootloader


def fastboot_for_wipe(phone: AndroidPhone, ctx: StepContext) -> FastbootClient:
    """The phone's bootloader once it rebooted there (the wipe's fastboot route)."""
    from bench_app.devices.fastboot.finder import FINDER

    serial = str(ctx.results["identity"].evidence.get("identity", {}).get("serial", ""))
    return FINDER.open(serial, timeout_s=BOOTLOADER_WAIT_S, cancelled=ctx.cancelled)
