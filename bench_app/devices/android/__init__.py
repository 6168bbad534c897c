"""Android phones: the ADB driver, discovery over USB and TCP, output parsers, and the
simulated phone that speaks the real ADB wire protocol."""
