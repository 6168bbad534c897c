"""The bench's windows: the only place that imports PySide6."""
