"""Phones in fastboot mode: the client (USB and TCP transports) and Android sparse images.
The simulated bootloader is in bench_app/simulators/bootloader/.

- `transport.Transport`: send a message, receive one with a timeout, close;
  `tcp.TcpTransport` (FB01 handshake, 8-byte big-endian lengths) and `usb.UsbTransport`
  (pyusb, interface ff/42/03).
- `client.FastbootClient`: getvar, download, flash (split to max-download-size), erase,
  format, set_active, reboot, unlocking, assert_var.
- `sparse`: the sparse image format.
"""
