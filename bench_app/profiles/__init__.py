"""Device profiles: one YAML file per phone model (device_profiles/), validated against the
schema beside them, with a workshop's override folder (DATA/device_profiles/) on top.

    profiles = load_station_profiles(data_dir)     # or load_profiles([extra folders])
    profile = profiles.for_codename("FP4")         # or profiles.for_usb_id("18d1", "4ee0")
    lineage = profile.os("lineageos-20")
    for step in lineage.steps_for({"wipe": True}):  # declarative: the install pipeline runs them
        ...
"""

from bench_app.profiles.loader import (
    ProfileFileError,
    ProfileSet,
    check_files,
    load_profile_file,
    load_profiles,
    load_station_profiles,
    other_tool_error,
    override_dir,
    shipped_profiles_dir,
)
from bench_app.profiles.model import (
    ACTIONS,
    Condition,
    DeviceProfile,
    ImageRef,
    OsOption,
    ProfileProblem,
    Step,
    UnlockInfo,
    UsbId,
)

__all__ = [
    "ACTIONS",
    "Condition",
    "DeviceProfile",
    "ImageRef",
    "OsOption",
    "ProfileFileError",
    "ProfileProblem",
    "ProfileSet",
    "Step",
    "UnlockInfo",
    "UsbId",
    "check_files",
    "load_profile_file",
    "load_profiles",
    "load_station_profiles",
    "other_tool_error",
    "override_dir",
    "shipped_profiles_dir",
]
