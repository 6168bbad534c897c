"""Diagnostics: automated reads from a device and guided manual tests."""
