"""The drives the erasure tests erase: image files and loop devices the tests made (see
tests/devices_drives/conftest.py). Nothing else is ever written to."""

from tests.devices_drives.conftest import image, loop_device  # noqa: F401 - the same fixtures
