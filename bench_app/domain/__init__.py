"""Plain dataclasses and enums of the bench's world: no storage, no Qt."""
