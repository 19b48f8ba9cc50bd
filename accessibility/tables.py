"""Piccolo tables for accessibility (filled in by its issue)."""
