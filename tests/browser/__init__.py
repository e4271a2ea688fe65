"""Browser tests: a real Chromium against a real Home Assistant with the integration."""
