"""Formation detection (EFPI-style template assignment) for offense and defense."""

from coverage.formations.efpi import EFPI, defensive_shell, receiver_alignment
from coverage.formations.plays import play_formations
from coverage.formations.templates import (
    Template,
    default_templates,
    defense_templates,
    offense_templates,
)

__all__ = [
    "EFPI",
    "Template",
    "default_templates",
    "defense_templates",
    "defensive_shell",
    "offense_templates",
    "play_formations",
    "receiver_alignment",
]
