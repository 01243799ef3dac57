"""The whole realism measurement of two sides, as one value the report renders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from coverage.config import portable_path
from devtools.realism import alignment, compare, domain, labels, motion
from devtools.realism.completeness import completeness_metrics
from devtools.realism.context import context_auc
from devtools.realism.frames import moments, player_frames
from devtools.realism.sources import Side, open_side


@dataclass
class Realism:
    synthetic: str
    real: str
    n_synthetic_plays: int
    n_real_plays: int
    geometry: pl.DataFrame      # moment, metric, split (All/Man/Zone), sides, n plays
    by_family: pl.DataFrame     # the same at the snap, split by coverage family
    domain: list[domain.DomainResult]
    labels: pl.DataFrame        # table, level, sides, n
    context: dict[str, dict] | None
    unknown_positions: dict[str, tuple[int, int]] | None = None  # side -> (unknown, players)


def unknown_positions(side: Side) -> tuple[int, int]:
    """(players without a roster position, players) among the side's tracked players: the
    2021 sample has no players file, so its positions come from the 2022 roster."""
    ids = pl.concat([s.tracking().select(pl.col("nflId")).drop_nulls().unique().collect()
                     for s in side.stores]).unique()
    known = ids.join(side.positions.filter(pl.col("group") != "UNK"), on="nflId", how="semi")
    return ids.height - known.height, ids.height


def geometry_long(side: Side) -> pl.DataFrame:
    """Every alignment and movement figure of one side, long (one row per player/play)."""
    parts = []
    for store in side.stores:
        frames = player_frames(store.tracking(), store.plays(), side.positions)
        parts += [alignment.alignment_metrics(moments(frames)), motion.motion_metrics(frames),
                  completeness_metrics(frames)]
    return pl.concat(parts)


def measure(synthetic: Side, real: Side, scratch: Path, *, context: bool = True,
            max_synthetic_plays: int = 300, seed: int = 0) -> Realism:
    """Geometry, domain classifier and label tables; with ``context``, the LightGBM
    context model trained on each side's labels (two fits)."""
    syn, rea = geometry_long(synthetic), geometry_long(real)
    geometry = compare.side_by_side(syn, rea)
    at_snap = pl.col("moment") == "snap"
    by_family = compare.side_by_side(syn.filter(at_snap), rea.filter(at_snap), by_family=True)
    dom = domain.domain_gap(synthetic.stores, real.stores,
                            max_synthetic_plays=max_synthetic_plays, seed=seed)

    def tables(side: Side) -> pl.DataFrame:
        return labels.label_tables(side.labels.all_plays(), side.labels.player_play(),
                                   side.positions)

    lab = labels.side_by_side(tables(synthetic), tables(real))
    ctx = None
    if context:
        ctx = {s.name: context_auc(s.labels, scratch / f"context_{s.name}", seed=seed)
               for s in (synthetic, real)}
    # the report is committed (docs/benchmarks/): no machine's absolute paths in it
    return Realism(portable_path(synthetic.labels.root), portable_path(real.labels.root),
                   synthetic.n_tracked_plays, real.n_tracked_plays, geometry, by_family, dom,
                   lab, ctx, {s.name: unknown_positions(s) for s in (synthetic, real)})


def measure_paths(synthetic: str | Path, real: str | Path, scratch: Path, **kw) -> Realism:
    """Open both sides (ingesting raw folders into ``scratch``) and measure."""
    return measure(open_side(synthetic, scratch, "synthetic"),
                   open_side(real, scratch, "real"), scratch, **kw)
