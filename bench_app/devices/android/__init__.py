"""Android phones: the ADB driver, discovery over USB and TCP, output parsers. The simulated
phone that speaks the real ADB wire protocol is in bench_app/simulators/adb_phone/."""
