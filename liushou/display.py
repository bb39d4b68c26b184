"""How much room text takes where it is shown: columns on a terminal, a YAML file or a sheet."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Display columns of `text`: wide and full-width characters (汉字, ，) take two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
