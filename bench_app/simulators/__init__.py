"""Simulators: one per driver interface (the ADB phone, the bootloader, the whole handset,
the drive firmware, the label printers), and the classroom source that plugs them in. They
stand in for the outside world only: the bench's real drivers talk to them over the real
protocols. Training mode and the tests use the same ones, and they refuse to run anywhere
else (`mode.py`). The drivers themselves live in devices/ and output/printers/, not here."""
