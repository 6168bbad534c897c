"""The drives the tests create (see tests/devices_drives/conftest.py)."""

from tests.devices_drives.conftest import image, loop_device  # noqa: F401 - the same fixtures
