"""Tests: csms."""
