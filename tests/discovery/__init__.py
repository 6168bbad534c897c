"""USB discovery of Android phones: classification, udev (umockdev) and the Qt adapter."""
