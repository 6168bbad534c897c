"""The `etabli simulate phone` command (cli.py). The simulated phone itself is in
bench_app/simulators/adb_phone/."""
