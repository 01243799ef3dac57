"""Synthetic season simulator: the app's embedded default data.

Real tracking data cannot be shipped, so a new user first sees the app on a
season generated here, written in the exact official BDB 2025 CSV schema plus
ground-truth side files (see ``docs/CONTRACTS.md``).
"""

from coverage.simulate.season import simulate_season

__all__ = ["simulate_season"]
