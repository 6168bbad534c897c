"""The `etabli simulate fastboot` command (cli.py). The simulated bootloader itself is in
bench_app/simulators/bootloader/."""
