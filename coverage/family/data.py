"""Frame tensors of the family model: the man/zone tensors plus who is who and labels.

The man/zone models only need one label per play. Explaining the call needs to know
*which* player sits in each of the 22 token slots (players are re-sorted by ``y`` every
frame) so a per-defender label, a man-coverage receiver and an occlusion can follow the
same person across frames. :func:`build_explain_frames` therefore keeps the ``nflId``
grid next to :class:`coverage.features.FrameTensors` and scatters per-player labels
onto it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from coverage.features import N_PLAYERS, FrameTensors, concat_frames, frame_grid
from coverage.frame_cache import week_grid
from coverage.schema import PLAY_KEYS, PLAYERS_PER_SIDE
from coverage.spill import Spill
from coverage.store import Store
from coverage.vocab import ASSIGNMENTS, assignment_expr, family_index_expr

OFF = slice(0, PLAYERS_PER_SIDE)
DEF = slice(PLAYERS_PER_SIDE, N_PLAYERS)


@dataclass
class ExplainFrames:
    """Aligned per-frame arrays; ``ft`` holds features, times and play boundaries."""

    ft: FrameTensors
    nfl: np.ndarray       # [N, 22] int64: nflId in each token slot (offense first)
    family: np.ndarray    # [N] int64 family id, -1 unlabelled
    assign: np.ndarray    # [N, 11] int64 assignment group of each defender slot, -1 unknown
    target: np.ndarray    # [N, 11] int64 offense slot (0-10) of a MAN defender's receiver, -1

    def __len__(self) -> int:
        return len(self.ft)

    def select_plays(self, mask_rows: np.ndarray) -> ExplainFrames:
        idx = np.flatnonzero(mask_rows)
        return ExplainFrames(self.ft.select_plays(mask_rows), self.nfl[idx], self.family[idx],
                             self.assign[idx], self.target[idx])

    def play_rows(self, game_id: int, play_id: int) -> np.ndarray:
        return np.flatnonzero((self.ft.game_id == game_id) & (self.ft.play_id == play_id))


def player_labels(store: Store) -> pl.DataFrame | None:
    """(gameId, playId, nflId, assign_id, target_nflId) for defenders on labelled plays.

    Ground truth from the simulator (``truth_players``) when the store has it, else the
    official ``player_play`` columns. A play counts as labelled when at least one of its
    defenders has an assignment; his unassigned team-mates are then rushers.
    """
    if store.has("truth_players"):
        raw = store.truth_players().filter(pl.col("side") == "defense").select(
            "gameId", "playId", "nflId", "assignment", pl.col("man_target_nflId").alias("tgt"))
    elif store.has("player_play"):
        pp = store.player_play()
        if "pff_defensiveCoverageAssignment" not in pp.columns:
            return None
        tgt = ("pff_primaryDefensiveCoverageMatchupNflId"
               if "pff_primaryDefensiveCoverageMatchupNflId" in pp.columns else None)
        defense = store.plays().select("gameId", "playId", pl.col("defensiveTeam"))
        raw = (pp.join(defense, on=PLAY_KEYS)
               .filter(pl.col("teamAbbr") == pl.col("defensiveTeam"))
               .select("gameId", "playId", "nflId",
                       pl.col("pff_defensiveCoverageAssignment").alias("assignment"),
                       (pl.col(tgt) if tgt else pl.lit(None)).alias("tgt")))
    else:
        return None
    lut = {a: i for i, a in enumerate(ASSIGNMENTS)}
    return (raw.with_columns(pl.col("assignment").is_not_null().any()
                             .over("gameId", "playId").alias("_labelled"))
            .filter("_labelled")
            .select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                    pl.col("nflId").cast(pl.Int64),
                    assignment_expr("assignment").replace_strict(lut, return_dtype=pl.Int64)
                    .alias("assign_id"),
                    pl.when(pl.col("assignment") == "MAN").then(pl.col("tgt"))
                    .cast(pl.Int64).alias("target_nflId")))


def build_explain_frames(tracking: pl.LazyFrame, plays: pl.DataFrame,
                         labels: pl.DataFrame | None = None,
                         max_secs: float | None = None) -> ExplainFrames:
    """Like :func:`coverage.features.build_frames`, plus nflIds and explain labels
    (``labels``: :func:`player_labels`; None: every defender unknown, as at inference)."""
    ft, nfl = frame_grid(tracking, plays, max_secs)
    return explain_frames(ft, nfl, plays, labels)


def explain_frames(ft: FrameTensors, nfl: np.ndarray, plays: pl.DataFrame,
                   labels: pl.DataFrame | None = None) -> ExplainFrames:
    """:func:`build_explain_frames` of frames already built (:func:`frame_grid`)."""
    keys = ["gameId", "playId"]
    n = len(ft)
    fam = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                       family_index_expr())
    family = (pl.DataFrame({"gameId": ft.game_id, "playId": ft.play_id})
              .join(fam, on=keys, how="left", maintain_order="left")["family_id"]
              .fill_null(-1).to_numpy().astype(np.int64))
    assign = np.full((n, PLAYERS_PER_SIDE), -1, np.int64)
    target = np.full((n, PLAYERS_PER_SIDE), -1, np.int64)
    if labels is not None and labels.height and n:
        slots = pl.DataFrame({"gameId": np.repeat(ft.game_id, PLAYERS_PER_SIDE),
                              "playId": np.repeat(ft.play_id, PLAYERS_PER_SIDE),
                              "nflId": nfl[:, DEF].ravel()})
        got = slots.join(labels, on=[*keys, "nflId"], how="left", maintain_order="left")
        assign = got["assign_id"].fill_null(-1).to_numpy().astype(np.int64) \
            .reshape(n, PLAYERS_PER_SIDE)
        tgt = got["target_nflId"].fill_null(-2).to_numpy().astype(np.int64) \
            .reshape(n, PLAYERS_PER_SIDE)
        hit = tgt[:, :, None] == nfl[:, None, OFF]            # [N, 11 def, 11 off]
        target = np.where(hit.any(-1), hit.argmax(-1), -1).astype(np.int64)
    return ExplainFrames(ft=ft, nfl=nfl, family=family, assign=assign, target=target)


def concat_explain(parts: Iterable[ExplainFrames], spill: bool = False) -> ExplainFrames:
    """Stack weeks; with ``spill`` the per-frame tensors go to disk week by week as they
    are built (:mod:`coverage.spill`), so one week's are in memory at a time."""
    big = Spill() if spill else None
    labels: dict[str, list[np.ndarray]] = {"nfl": [], "family": [], "assign": [], "target": []}

    def frames() -> Iterator[FrameTensors]:
        for p in parts:
            if big is not None:
                big.append(nfl=p.nfl, assign=p.assign, target=p.target)
                labels["family"].append(p.family)
            else:
                for k in labels:
                    labels[k].append(getattr(p, k))
            yield p.ft

    ft = concat_frames(frames(), Spill() if spill else None)
    stacked = {k: np.concatenate(v) for k, v in labels.items() if v}
    if big is not None:
        stacked |= big.arrays()
    return ExplainFrames(ft, stacked["nfl"], stacked["family"], stacked["assign"],
                         stacked["target"])


def load_explain_frames(store: Store, weeks: Sequence[int], max_secs: float | None = None,
                        plays: pl.DataFrame | None = None, *, labelled: bool = True,
                        keep: bool = False) -> ExplainFrames:
    """Explain frames of several weeks of a store, one week's long table at a time
    (``labelled=False``: without the per-defender labels, which inference never reads).

    Whole weeks of every play (no ``max_secs``, no ``plays``) come from the store's kept
    frames (:mod:`coverage.frame_cache`; ``keep``: kept when built, by a command that
    writes into the store)."""
    labels = player_labels(store) if labelled else None
    kept = plays is None and max_secs is None
    plays = store.plays() if plays is None else plays

    def week(w: int) -> ExplainFrames:
        of_week = plays.filter(pl.col("week") == w)
        if kept:
            return explain_frames(*week_grid(store, w, keep=keep), of_week, labels)
        return build_explain_frames(store.tracking(w), of_week, labels, max_secs)
    return concat_explain(map(week, weeks), spill=len(weeks) > 1)
