"""The collective's hub: workshops, enrolled stations, and the events they push and pull.

PostgreSQL for a real collective, SQLite as the embedded default for one small workshop."""
