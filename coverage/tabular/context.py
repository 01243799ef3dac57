"""Context prior: P(man) from the situation alone, before any tracking is read.

Down, distance, clock, score, field position, formation and whether the offense
motioned already move the man rate a lot (e.g. third-and-long vs. red zone). The prior
is the baseline the tracking models must beat, and an input they can be given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
import torch
from torch import nn

from coverage.errors import DataError
from coverage.schema import PLAY_KEYS

NUMERIC_FEATURES = (
    "yardsToGo",
    "log_yards_to_go",
    "yards_to_goal",
    "score_diff",
    "game_secs_left",
    "half_secs_left",
    "n_in_motion_at_snap",
    "n_shift_since_lineset",
    "n_motion_since_lineset",
    "any_in_motion_at_snap",
    "any_shift_since_lineset",
    "any_motion_since_lineset",
    "has_player_play",
)
CATEGORICAL_FEATURES = ("down", "quarter", "offenseFormation", "receiverAlignment")
OPTIONAL_CATEGORICAL = ("personnelO", "personnelD", "defensiveTeam")
# Detected at the snap by coverage.formations (EFPI); opt-in (`--formations`) because they
# come from tracking, so the prior stops being "context only" when they are used.
FORMATION_CATEGORICAL = ("det_formation", "det_alignment", "def_shell", "def_front")
_MOTION = ("inMotionAtBallSnap", "shiftSinceLineset", "motionSinceLineset")
_MOTION_NAMES = ("in_motion_at_snap", "shift_since_lineset", "motion_since_lineset")


def _clock_secs() -> pl.Expr:
    parts = pl.col("gameClock").cast(pl.String).str.split_exact(":", 1)
    return (parts.struct.field("field_0").cast(pl.Float32, strict=False) * 60
            + parts.struct.field("field_1").cast(pl.Float32, strict=False))


def _yards_to_goal(schema: Mapping[str, pl.DataType]) -> pl.Expr:
    """Distance to the opponent's goal line, from whichever field-position columns exist.

    Raw plays.csv has no playDirection, so ``absoluteYardlineNumber`` alone is ambiguous;
    ``yardlineSide`` + ``yardlineNumber`` are not. A store's normalised ``los_x`` is used
    when those are missing (offense moves toward +x, goal line at x=110).
    """
    exprs = []
    if "yardlineSide" in schema and "yardlineNumber" in schema:
        num = pl.col("yardlineNumber").cast(pl.Float32)
        exprs.append(pl.when(pl.col("yardlineNumber") == 50).then(pl.lit(50.0))
                     .when(pl.col("yardlineSide") == pl.col("possessionTeam")).then(100 - num)
                     .otherwise(num))
    if "los_x" in schema:
        exprs.append(110.0 - pl.col("los_x").cast(pl.Float32))
    if not exprs:
        return pl.lit(None, pl.Float32)
    return pl.coalesce(exprs).cast(pl.Float32)


def motion_flags(player_play: pl.DataFrame | None, plays: pl.DataFrame) -> pl.DataFrame:
    """Per-play counts of offensive players flagged in motion / shifted since line-set."""
    keys = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                        pl.col("possessionTeam").cast(pl.String))
    if player_play is None or not all(c in player_play.columns for c in _MOTION):
        return keys.select("gameId", "playId")
    off = (player_play.lazy()
           .select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                   pl.col("teamAbbr").cast(pl.String),
                   *[pl.col(c).cast(pl.Boolean, strict=False) for c in _MOTION])
           .join(keys.lazy(), on=PLAY_KEYS, how="inner")
           .filter(pl.col("teamAbbr") == pl.col("possessionTeam")))
    return (off.group_by("gameId", "playId")
            .agg(*[pl.col(c).fill_null(False).sum().cast(pl.Float32).alias(f"n_{n}")
                   for c, n in zip(_MOTION, _MOTION_NAMES, strict=True)],
                 pl.lit(1.0, pl.Float32).alias("has_player_play"))
            .collect())


def context_table(plays: pl.DataFrame, player_play: pl.DataFrame | None = None
                  ) -> pl.DataFrame:
    """One row per play: keys, week, label source and every context feature (raw scale)."""
    schema = plays.schema
    home = (pl.col("possessionTeam") == pl.col("homeTeamAbbr")) if "homeTeamAbbr" in schema \
        else pl.lit(None, pl.Boolean)
    hs = pl.col("preSnapHomeScore").cast(pl.Float32)
    vs = pl.col("preSnapVisitorScore").cast(pl.Float32)
    q = pl.col("quarter").cast(pl.Float32)
    clock = _clock_secs()
    base = plays.with_columns(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
        pl.col("yardsToGo").cast(pl.Float32),
        pl.col("yardsToGo").cast(pl.Float32).log1p().alias("log_yards_to_go"),
        _yards_to_goal(schema).alias("yards_to_goal"),
        pl.when(home).then(hs - vs).otherwise(vs - hs).alias("score_diff"),
        (pl.when(q <= 4).then((4 - q) * 900 + clock).otherwise(clock)).alias("game_secs_left"),
        (pl.when(q.is_in([1.0, 3.0])).then(900 + clock).otherwise(clock)).alias("half_secs_left"),
        *[pl.col(c).cast(pl.String) for c in (*CATEGORICAL_FEATURES, *OPTIONAL_CATEGORICAL,
                                              *FORMATION_CATEGORICAL)
          if c in schema],
    )
    flags = motion_flags(player_play, plays)
    out = base.join(flags, on=PLAY_KEYS, how="left")
    for n in _MOTION_NAMES:
        if f"n_{n}" not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Float32).alias(f"n_{n}"))
        out = out.with_columns((pl.col(f"n_{n}") > 0).cast(pl.Float32).alias(f"any_{n}"))
    if "has_player_play" not in out.columns:
        out = out.with_columns(pl.lit(None, pl.Float32).alias("has_player_play"))
    # joins give no row-order guarantee; batches are drawn by row index, so the order is
    # part of what makes a seeded run reproducible
    return out.with_columns(pl.col("has_player_play").fill_null(0.0)).sort(PLAY_KEYS)


def available_categoricals(table: pl.DataFrame, use_team: bool = True,
                           use_formations: bool = False) -> list[str]:
    cats = [c for c in CATEGORICAL_FEATURES if c in table.columns]
    cats += [c for c in OPTIONAL_CATEGORICAL[:2]
             if c in table.columns and table[c].null_count() < table.height]
    if use_team and "defensiveTeam" in table.columns:
        cats.append("defensiveTeam")
    if use_formations:
        missing = [c for c in FORMATION_CATEGORICAL if c not in table.columns]
        if missing:
            raise DataError("formation features need a store with tracking (detected "
                            "formations)", column=missing[0],
                            expected="a store folder, not a raw label folder")
        cats += list(FORMATION_CATEGORICAL)
    return cats


def fit_encoding(train: pl.DataFrame, categoricals: Sequence[str]) -> dict:
    """Standardisation stats and vocabularies, from the training weeks only."""
    num = train.select([pl.col(c).cast(pl.Float32) for c in NUMERIC_FEATURES])
    mean = num.mean().row(0)
    std = num.std().row(0)
    vocab = {c: sorted(v for v in train[c].drop_nulls().unique().to_list()) for c in categoricals}
    return {
        "numeric": list(NUMERIC_FEATURES),
        "mean": [0.0 if m is None else float(m) for m in mean],
        "std": [1.0 if (s is None or s < 1e-6) else float(s) for s in std],
        "categorical": list(categoricals),
        "vocab": vocab,
    }


def encode(table: pl.DataFrame, enc: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Numeric block standardised with nulls at the mean (0); categoricals as codes, 0=unknown."""
    num = table.select([
        ((pl.col(c).cast(pl.Float32) - m) / s).fill_null(0.0).fill_nan(0.0)
        for c, m, s in zip(enc["numeric"], enc["mean"], enc["std"], strict=True)
    ]).to_numpy().astype(np.float32)
    cat_cols = []
    for c in enc["categorical"]:
        mapping = {v: i + 1 for i, v in enumerate(enc["vocab"][c])}
        col = (pl.col(c).cast(pl.String).replace_strict(mapping, default=0, return_dtype=pl.Int64)
               if c in table.columns else pl.lit(0, pl.Int64))
        cat_cols.append(col.alias(c))
    cats = (table.select(cat_cols).to_numpy().astype(np.int64) if cat_cols
            else np.zeros((table.height, 0), dtype=np.int64))
    return num, cats


class ContextModel(nn.Module):
    """Embeddings for categoricals + standardised numerics -> MLP (or linear) -> logit.

    ``hidden=0`` is logistic regression on one-hot categoricals (1-d embeddings act as
    per-level coefficients), so the two variants share one code path and checkpoint format.
    """

    def __init__(self, n_numeric: int, cardinalities: Sequence[int], emb_dim: int = 4,
                 hidden: int = 32, dropout: float = 0.1) -> None:
        super().__init__()
        d = 1 if hidden == 0 else emb_dim
        self.embeddings = nn.ModuleList(nn.Embedding(n + 1, d) for n in cardinalities)
        width = n_numeric + d * len(cardinalities)
        if hidden == 0:
            self.head = nn.Linear(width, 1)
        else:
            self.head = nn.Sequential(
                nn.Linear(width, hidden), nn.GELU(), nn.Dropout(dropout),
                nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(dropout),
                nn.Linear(hidden, 1),
            )
        self.out_dim = width

    def encode(self, numeric: torch.Tensor, categorical: torch.Tensor) -> torch.Tensor:
        embs = [emb(categorical[:, i]) for i, emb in enumerate(self.embeddings)]
        return torch.cat([numeric, *embs], dim=-1)

    def forward(self, numeric: torch.Tensor, categorical: torch.Tensor) -> torch.Tensor:
        return self.head(self.encode(numeric, categorical)).squeeze(-1)
