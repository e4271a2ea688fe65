"""Test helpers: scripted chargers, drivers and shared setup."""
