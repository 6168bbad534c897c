"""Putting a system on a device: phone OS installation and laptop images."""
