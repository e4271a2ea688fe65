"""Tests for the OCPP Central System integration."""
