"""iPhones: usbmuxd, lockdownd and the services behind it, as libimobiledevice speaks them."""
