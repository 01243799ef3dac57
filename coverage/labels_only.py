"""A raw folder with the label tables but no tracking, read in place.

The per-play models (context prior, tabular) need only plays/games/player_play (and
players.csv for personnel), so they train and predict straight from a download such as
the real labels in shared/bdb, without a store. This reader provides the same read
interface as a store's label tables (:class:`coverage.store.PlayTables`) and nothing
else: it has no tracking and no writers, and it never writes into the user's folder.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import polars as pl

from coverage.errors import DataError
from coverage.raw import RawFiles, scan_games, scan_player_play, scan_players, scan_plays
from coverage.schema import PLAY_KEYS
from coverage.store import MODELS


class LabelTables:
    """plays/games (+ player_play, players) of a raw folder without tracking."""

    def __init__(self, raw: RawFiles) -> None:
        if raw.plays is None or raw.games is None:
            raise DataError(f"{raw.root} is neither a coverage store (meta.json) nor a raw "
                            "folder", file=str(raw.root),
                            expected="meta.json, or plays.csv + games.csv")
        self.root = self.path = Path(raw.root)
        self._raw = raw

    def __repr__(self) -> str:
        return f"LabelTables({str(self.path)!r}, source={self.source!r}, " \
               f"weeks={self.label_weeks})"

    @cached_property
    def meta(self) -> dict:
        return {"source": self._raw.source, "weeks": self.label_weeks,
                "raw_dir": str(self.path), "label_only": True}

    @property
    def source(self) -> str:
        return self._raw.source

    @property
    def is_synthetic(self) -> bool:
        return self.source == "synthetic"

    @property
    def weeks(self) -> list[int]:
        """The weeks a per-play model trains and predicts on: every labelled week."""
        return self.label_weeks

    @cached_property
    def label_weeks(self) -> list[int]:
        return sorted(self.all_plays()["week"].drop_nulls().unique().to_list())

    @property
    def has_tracking(self) -> bool:
        return False

    @property
    def models_dir(self) -> Path:
        """Where a store made from this folder would keep its own checkpoints."""
        return self.root / MODELS

    def has(self, name: str) -> bool:
        return name in ("plays", "games") or (
            name in ("player_play", "players") and getattr(self._raw, name) is not None)

    @cached_property
    def _all_plays(self) -> pl.DataFrame:
        games = scan_games(self._raw.games).select(
            pl.col("gameId").cast(pl.Int64), pl.col("week").cast(pl.Int32),
            pl.col("homeTeamAbbr").cast(pl.String), pl.col("visitorTeamAbbr").cast(pl.String))
        return (scan_plays(self._raw.plays)
                .with_columns(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64))
                .join(games, on="gameId", how="left")
                .with_columns(pl.col("pff_manZone").cast(pl.String).str.strip_chars()
                              .replace("", None), pl.lit(False).alias("has_tracking"))
                .sort(PLAY_KEYS)
                .collect())

    def all_plays(self) -> pl.DataFrame:
        """Every play of plays.csv (``has_tracking`` false), joined to its game's week."""
        return self._all_plays

    def plays(self) -> pl.DataFrame:
        """A label-only folder has no tracked plays; its plays are the labelled ones."""
        return self._all_plays

    def plays_with_formations(self, *, every_play: bool = False) -> pl.DataFrame:
        """No tracking, so no detected formations: the bare play index."""
        return self._all_plays

    def games(self) -> pl.DataFrame:
        return scan_games(self._raw.games).collect()

    def players(self) -> pl.DataFrame:
        if self._raw.players is None:
            raise DataError(f"{self.path} has no players table", file=str(self.path),
                            expected="players.csv beside plays.csv")
        return scan_players(self._raw.players).collect()

    def player_play(self) -> pl.DataFrame | None:
        if self._raw.player_play is None:
            return None
        return scan_player_play(self._raw.player_play).collect()
