"""Drives as the station sees them: discovery of block devices (udev), the drive handle the
jobs hold, the system view (which disks are the station's own or in use, what a disk stands
on) and the drive chosen, the drive firmware programs (smartctl, hdparm, nvme-cli) and
whole-device block I/O. What is done with a drive (erasure, image install) lives in erasure/
and install/; the inventory of the station's own machine lives in devices/this_machine/."""
