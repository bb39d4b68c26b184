"""Figures computed from loaded records: per-child facts, term metrics, due lists and roll-ups."""
