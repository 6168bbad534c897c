"""The machine the station runs on (or the laptop booted from the live stick): its
inventory read from sysfs, /proc, dmidecode, lshw, EDID, upower and smartctl. The drives
docked at the station, and what is done to them, live in devices/drives/ and erasure/."""
