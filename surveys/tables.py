"""Piccolo tables for surveys (filled in by its issue)."""
