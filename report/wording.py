"""Data-dependent wording: turn figures into keywords the templates choose their phrasing from.

Templates never compare numbers themselves, so a new period's data changes the words in every language alike.
"""
from __future__ import annotations

from .model import Figure

STABLE_BAND = 0.05  # a change within +/- 5 % reads as stable


def direction(figure: Figure, band: float = STABLE_BAND) -> str:
    """'up', 'down' or 'stable' for a relative change; 'unknown' when it cannot be computed."""
    if not figure.available or not isinstance(figure.value, (int, float)):
        return "unknown"
    if figure.value > band:
        return "up"
    if figure.value < -band:
        return "down"
    return "stable"


def portion(figure: Figure) -> str:
    """How a share reads in words: none, few (< 10 %), minority, half, majority, most (>= 90 %), all."""
    if not figure.available or not isinstance(figure.value, (int, float)):
        return "unknown"
    share = float(figure.value)
    if share <= 0:
        return "none"
    if share >= 1:
        return "all"
    if share >= 0.9:
        return "most"
    if share > 0.5:
        return "majority"
    if share == 0.5:
        return "half"
    if share < 0.1:
        return "few"
    return "minority"


def compare(left: Figure, right: Figure, band: float = 0.2) -> str:
    """'higher', 'lower' or 'similar': left against right, relative difference beyond `band`."""
    if not (left.available and right.available) or not right.value:
        return "unknown"
    ratio = float(left.value) / float(right.value)  # type: ignore[arg-type]
    if ratio > 1 + band:
        return "higher"
    if ratio < 1 - band:
        return "lower"
    return "similar"


def is_zero(figure: Figure) -> bool:
    """True for a figure known to be zero (so the text can say 'none')."""
    return figure.available and figure.value == 0
