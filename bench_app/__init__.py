"""Établi core: everything the bench does, with no Qt import anywhere below this folder."""

__version__ = "0.1.0"
