"""The station's local store: SQLite in WAL mode, an append-only hash-chained event log,
and the current state derived from it."""
