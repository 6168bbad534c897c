"""Where devices come from (discovery sources) and how the bench talks to them (drivers)."""
