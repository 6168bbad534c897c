"""Phones in fastboot mode: the client (USB and TCP transports), Android sparse images, and a
simulated bootloader over TCP for tests and training.

- `transport.Transport`: send a message, receive one with a timeout, close;
  `tcp.TcpTransport` (FB01 handshake, 8-byte big-endian lengths) and `usb.UsbTransport`
  (pyusb, interface ff/42/03).
- `client.FastbootClient`: getvar, download, flash (split to max-download-size), erase,
  format, set_active, reboot, unlocking, assert_var.
- `sparse`: the sparse image format.
- `simulator`: `SimulatedBootloader` (state) and `FastbootSimulator` (the TCP server).
"""
