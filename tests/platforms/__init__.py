"""Tests: platforms."""
