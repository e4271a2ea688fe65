"""Tests: flows."""
