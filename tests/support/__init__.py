"""Helpers shared by the tests (not a test package)."""
