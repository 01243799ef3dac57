"""Figures of plays and results for the app: field, P(man) curves, aggregate charts.

Every builder is a pure function of normalised-store tables (see
``coverage.schema``) returning a plotly ``Figure`` (or, for a play, the
:class:`Animation` the browser player draws); nothing here reads files or touches
Streamlit, so pages stay thin and the figures are testable.
"""

from coverage.views._common import KeyEvent, key_events, model_colors, moment_label, play_title
from coverage.views.charts import (
    accuracy_by_time_figure,
    as_secondary,
    calibration_figure,
    confusion_figure,
    coverage_mix_figure,
    importance_figure,
    rate_bar_figure,
    reference_line,
)
from coverage.views.curves import combined_animation
from coverage.views.field import zoom_to_box
from coverage.views.player_spec import Animation
from coverage.views.team_colors import TEAM_COLORS, matchup_colors, team_color
from coverage.views.theme import themed

__all__ = [
    "Animation",
    "combined_animation",
    "zoom_to_box",
    "themed",
    "TEAM_COLORS",
    "KeyEvent",
    "accuracy_by_time_figure",
    "as_secondary",
    "calibration_figure",
    "confusion_figure",
    "coverage_mix_figure",
    "reference_line",
    "importance_figure",
    "key_events",
    "matchup_colors",
    "model_colors",
    "moment_label",
    "play_title",
    "rate_bar_figure",
    "team_color",
]
