"""Tests: charging."""
