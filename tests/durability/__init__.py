"""Durability: what a crash can cost (in-process tests and a real hass killed with SIGKILL)."""
