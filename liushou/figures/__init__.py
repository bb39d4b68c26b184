"""Figures computed from loaded records: term metrics, due lists and roll-ups (pandas lives here)."""
