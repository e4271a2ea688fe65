"""Service actions: their schemas, what they are aimed at, and the solar-day replay."""
