"""EFPI-style formation detection for both sides of an NFL play.

Each side's 11 players are matched to every template with an optimal
(Hungarian) assignment after the template's wide part is stretched to the
observed spread; the cheapest template names the formation and labels every
player with a slot.

Two labels are decided by transparent rules on top of the matched template,
because they are counts that a template library would need dozens of
variants to enumerate:

* ``alignment`` (offense) is the official-style receiver split: players that
  are neither offensive line nor QB (per the matched template) nor in the
  backfield (more than 2.5 yards deep inside the tackle box), counted on each
  side of the ball, written larger-first ("3x1").
* ``shell`` (defense) counts "high" defenders: at least 9 yards off the ball
  and within 16 yards of it laterally. None -> "0-high"; two whose lateral gap
  is at least 8 yards -> "2-high" (middle of field open); otherwise "1-high"
  (middle of field closed). Defensive templates are then only compared within
  that shell (when the library has templates for it), so ``front`` and the
  slots stay consistent with the reported shell.

The anchor is the ball's position in the same frame, not at the snap, so the
detector only uses information available at that moment and can run on a
truncated, still-live play.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from coverage.errors import DataError
from coverage.formations.assign import (
    CHUNK,
    assign_slots,
    cost_tensor,
    solve_totals,
    stretch_templates,
)
from coverage.formations.templates import (
    DEEP_SAFETY_DEPTH,
    LINE_SLOTS,
    Template,
    select_templates,
)
from coverage.schema import FRAME_KEYS, LINESET_EVENTS, PLAYERS_PER_SIDE

Every = str  # "frame" | "play" | "lineset" | "snap" | "<n>ms" | "<n>s"
OnBad = Literal["raise", "skip"]

REQUIRED_COLUMNS = ("gameId", "playId", "frameId", "nflId", "side", "x", "y", "secs_from_snap")
BACKFIELD_DEPTH = 2.5
BACKFIELD_HALF_WIDTH = 5.5
HIGH_SAFETY_HALF_WIDTH = 16.0
TWO_HIGH_MIN_GAP = 8.0
_WINDOW_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")


def _window_frames(every: str) -> float:
    m = _WINDOW_RE.match(every)
    if m is None:
        raise ValueError(
            f"every={every!r}: expected 'frame', 'play', 'lineset', 'snap' or a window like "
            "'500ms' / '1s' / '2.5s'"
        )
    secs = float(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)
    if secs < 0.1:
        raise ValueError(f"every={every!r}: windows shorter than one frame (100ms) make no sense")
    return secs * 10.0


def receiver_alignment(u: np.ndarray, d: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Official-style receiver split per row of (N, 11) arrays, e.g. '3x1'."""
    is_line = np.isin(slots, [*LINE_SLOTS, "QB"])
    backfield = (d > BACKFIELD_DEPTH) & (np.abs(u) < BACKFIELD_HALF_WIDTH)
    rec = ~is_line & ~backfield
    left = (rec & (u >= 0)).sum(axis=1)
    right = (rec & (u < 0)).sum(axis=1)
    hi, lo = np.maximum(left, right), np.minimum(left, right)
    return np.char.add(np.char.add(hi.astype(str), "x"), lo.astype(str))


def defensive_shell(u: np.ndarray, d: np.ndarray) -> np.ndarray:
    """'0-high' / '1-high' / '2-high' per row of (N, 11) defensive positions."""
    high = (d >= DEEP_SAFETY_DEPTH) & (np.abs(u) <= HIGH_SAFETY_HALF_WIDTH)
    n_high = high.sum(axis=1)
    depth = np.where(high, d, -np.inf)
    top2 = np.argsort(-depth, axis=1)[:, :2]
    u2 = np.take_along_axis(u, top2, axis=1)
    gap = np.abs(u2[:, 0] - u2[:, 1])
    two = (n_high >= 2) & (gap >= TWO_HIGH_MIN_GAP)
    return np.where(n_high == 0, "0-high", np.where(two, "2-high", "1-high"))


@dataclass
class EFPI:
    """Template-based formation detector over normalised tracking frames.

    ``frames`` follows :data:`coverage.schema.TRACKING_SCHEMA` (offense toward
    +x, ``side`` in offense/defense/ball). ``on_bad="raise"`` stops at the
    first frame whose side does not have exactly 11 players with finite
    positions (or has no ball), naming the play and frame; ``"skip"`` drops
    those (frame, side) pairs and lists them in :attr:`skipped`.
    """

    frames: pl.DataFrame | pl.LazyFrame
    templates: Sequence[Template] | None = None
    on_bad: OnBad = "raise"
    pre_snap_only: bool = True
    assignments: pl.DataFrame | None = field(default=None, init=False)
    formations: pl.DataFrame | None = field(default=None, init=False)
    segments: pl.DataFrame | None = field(default=None, init=False)
    skipped: pl.DataFrame | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.on_bad not in ("raise", "skip"):
            raise ValueError(f"on_bad={self.on_bad!r}: expected 'raise' or 'skip'")

    # ------------------------------------------------------------------ public
    def fit(
        self,
        every: Every = "frame",
        change_threshold: float = 0.0,
        side: Literal["both", "offense", "defense"] = "both",
    ) -> EFPI:
        """Detect formations per frame, play, event frame or time window.

        ``every="play"`` averages each player's position from the last
        ``line_set`` (all pre-snap frames when the play has none) to the snap,
        because huddle-break frames are not a formation. Time windows end at
        the snap: segment 0 is (-w, 0], segment -1 is (-2w, -w], ...

        ``change_threshold`` keeps the previous template within a play unless
        the best template's cost is lower than the previous template's cost on
        the same frame by at least that fraction.
        """
        if side not in ("both", "offense", "defense"):
            raise ValueError(f"side={side!r}: expected 'both', 'offense' or 'defense'")
        if not 0.0 <= change_threshold < 1.0:
            raise ValueError("change_threshold must be in [0, 1)")
        sides = ["offense", "defense"] if side == "both" else [side]
        libs = {s: select_templates(self.templates, s) for s in sides}
        for s, lib in libs.items():
            if not lib:
                raise ValueError(f"no {s} templates among the supplied templates")

        key = "frameId" if every in ("frame", "lineset", "snap") else "segment"
        positions, skipped = self._positions(every, key, sides)
        self.skipped = skipped

        form_parts, asg_parts = [], []
        for s in sides:
            part = positions.filter(pl.col("side") == s)
            if part.is_empty():
                continue
            forms, asg = _detect_side(part, libs[s], s, key, change_threshold)
            form_parts.append(forms)
            asg_parts.append(asg)
        order = ["gameId", "playId", key, "side"]
        labels = _labels_schema(key)
        self.formations = pl.concat(form_parts).sort(order) if form_parts else pl.DataFrame(
            schema={**labels, "n_frames": pl.UInt32, "start_frame": pl.Int32,
                    "end_frame": pl.Int32})
        self.assignments = pl.concat(asg_parts).sort([*order, "slot"]) if asg_parts else \
            pl.DataFrame(schema={**labels, "nflId": pl.Int64, "slot": pl.String})
        self.segments = _runs(self.formations, key)
        return self

    # ----------------------------------------------------------------- private
    def _positions(self, every: Every, key: str,
                   sides: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Ball-relative (u, d) per player and frame or segment, plus the bad frames dropped."""
        lf = self.frames.lazy()
        names = lf.collect_schema().names()
        _check_columns(names)
        if self.pre_snap_only:
            lf = lf.filter(pl.col("secs_from_snap") <= 1e-3)
        lf = lf.with_columns(
            pl.col("frameId").cast(pl.Int32),
            (pl.col("secs_from_snap").cast(pl.Float64) * 10.0).round().cast(pl.Int32).alias("_f"),
        )
        # the ball anchor comes from every frame, also those the cadence leaves out
        ball = _ball_anchor(lf)
        lf = _select_frames(lf, every, has_event="event" in names)
        players = _player_offsets(lf, ball, sides)
        bad = _bad_frames(lf, players, sides)
        if not bad.is_empty() and self.on_bad == "raise":
            row = bad.row(0, named=True)
            raise DataError(
                f"frameId={row['frameId']} {row['side']}: {row['reason']}"
                f" ({bad.height} bad frame/side pairs in total)",
                play=(row["gameId"], row["playId"]),
                expected="11 players per side with finite x/y and a ball row in every frame "
                "(or EFPI(..., on_bad='skip'))",
            )
        players = players.join(bad, on=[*FRAME_KEYS, "side"], how="anti")
        return _per_key(players, key), bad


def _check_columns(names: list[str]) -> None:
    for col in REQUIRED_COLUMNS:
        if col not in names:
            raise DataError(
                "tracking frames lack a column the formation detector needs",
                column=col,
                expected="the normalised tracking table (coverage.schema.TRACKING_SCHEMA)",
            )


def _select_frames(lf: pl.LazyFrame, every: Every, has_event: bool) -> pl.LazyFrame:
    """Keep the frames the cadence looks at and number the time windows (``segment``)."""
    if every == "snap":
        lf = lf.filter(pl.col("_f") == 0)
    elif every in ("lineset", "play"):
        is_set = (
            pl.col("event").is_in(list(LINESET_EVENTS)) if has_event else pl.lit(False)
        ).fill_null(False)
        if every == "lineset":
            lf = lf.filter(is_set.any().over(FRAME_KEYS))
        else:
            last_set = pl.when(is_set).then(pl.col("frameId")).max().over(["gameId", "playId"])
            lf = lf.filter(pl.col("frameId") >= last_set.fill_null(pl.col("frameId").min()))
    elif every != "frame":
        wf = _window_frames(every)
        lf = lf.with_columns((pl.col("_f") / wf).ceil().cast(pl.Int32).alias("segment"))
    if every == "play":
        lf = lf.with_columns(pl.lit(0, pl.Int32).alias("segment"))
    return lf


def _ball_anchor(base: pl.LazyFrame) -> pl.LazyFrame:
    """Ball spot per frame (``_bx``, ``_by``).

    The ball is already moving on the snap frame (up to a yard in the 2021
    data), so from the snap on the last pre-snap ball spot anchors.
    """
    play = ["gameId", "playId"]
    return (
        base.filter(pl.col("side") == "ball")
        .group_by([*FRAME_KEYS, "_f"])
        .agg(pl.col("x").first().alias("_bx"), pl.col("y").first().alias("_by"))
        .sort(FRAME_KEYS)
        .with_columns(
            pl.when(pl.col("_f") >= 0)
            .then(pl.coalesce(pl.col(c).shift(1).over(play), pl.col(c)))
            .otherwise(pl.col(c))
            .alias(c)
            for c in ("_bx", "_by")
        )
        .drop("_f")
    )


def _player_offsets(lf: pl.LazyFrame, ball: pl.LazyFrame, sides: list[str]) -> pl.DataFrame:
    """Each player's lateral (u) and depth (d) offset from the ball, depth away from the LOS."""
    seg_cols = ["segment"] if "segment" in lf.collect_schema().names() else []
    return (
        lf.filter(pl.col("side").is_in(sides))
        .select([*FRAME_KEYS, *seg_cols, "side", "nflId", "x", "y"])
        .join(ball, on=FRAME_KEYS, how="left")
        .with_columns(
            (pl.col("y") - pl.col("_by")).cast(pl.Float64).alias("u"),
            pl.when(pl.col("side") == "offense")
            .then(pl.col("_bx") - pl.col("x"))
            .otherwise(pl.col("x") - pl.col("_bx"))
            .cast(pl.Float64)
            .alias("d"),
        )
        .collect()
    )


def _bad_frames(lf: pl.LazyFrame, players: pl.DataFrame, sides: list[str]) -> pl.DataFrame:
    """(frame, side) pairs the templates cannot be matched on, with the reason why.

    Every selected frame is checked for every side, so a side missing from a
    frame altogether is reported too.
    """
    frames = lf.select(FRAME_KEYS).unique().collect()
    checks = (
        frames.join(pl.DataFrame({"side": sides}), how="cross")
        .join(
            players.group_by([*FRAME_KEYS, "side"]).agg(
                pl.len().alias("n"),
                pl.col("nflId").n_unique().alias("n_ids"),
                pl.col("_bx").is_null().any().alias("no_ball"),
                (pl.col("u").is_nan() | pl.col("d").is_nan() | pl.col("u").is_null()
                 | pl.col("d").is_null()).any().alias("bad_pos"),
            ),
            on=[*FRAME_KEYS, "side"],
            how="left",
        )
        .with_columns(pl.col("n").fill_null(0), pl.col("n_ids").fill_null(0))
        .with_columns(
            pl.when(pl.col("n") != PLAYERS_PER_SIDE)
            .then(pl.format("{} {} players (expected 11)", pl.col("n"), pl.col("side")))
            .when(pl.col("n_ids") != PLAYERS_PER_SIDE)
            .then(pl.format("{} distinct {} nflIds (expected 11)", pl.col("n_ids"),
                            pl.col("side")))
            .when(pl.col("no_ball"))
            .then(pl.lit("no ball position in frame"))
            .when(pl.col("bad_pos"))
            .then(pl.format("NaN/missing {} player position", pl.col("side")))
            .alias("reason")
        )
    )
    return checks.filter(pl.col("reason").is_not_null()).select(
        [*FRAME_KEYS, "side", "reason"]
    ).sort([*FRAME_KEYS, "side"])


def _per_key(players: pl.DataFrame, key: str) -> pl.DataFrame:
    """One row per player and frame (frame cadences) or per player and segment (windows)."""
    group = ["gameId", "playId", "segment", "side"]
    if key == "frameId":
        positions = players.select(
            "gameId", "playId", "frameId", "side", "nflId", "u", "d",
            pl.lit(1, pl.UInt32).alias("n_frames"),
            pl.col("frameId").alias("start_frame"), pl.col("frameId").alias("end_frame"),
        )
    else:
        # Average per player, then keep the 11 players seen most often in the
        # window (a pre-snap substitution leaves more than 11 ids).
        bounds = players.group_by(group).agg(
            pl.col("frameId").n_unique().alias("n_frames"),
            pl.col("frameId").min().alias("start_frame"),
            pl.col("frameId").max().alias("end_frame"),
        )
        positions = (
            players.group_by([*group, "nflId"])
            .agg(pl.col("u").mean(), pl.col("d").mean(), pl.len().alias("_n"))
            .filter(
                pl.col("_n").rank("ordinal", descending=True).over(group) <= PLAYERS_PER_SIDE
            )
            .drop("_n")
            .join(bounds, on=group, how="left")
        )
    return positions.sort(["side", "gameId", "playId", key, "nflId"])


def _detect_side(
    positions: pl.DataFrame, lib: list[Template], side: str, key: str, change_threshold: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    u = positions["u"].to_numpy().reshape(-1, PLAYERS_PER_SIDE)
    d = positions["d"].to_numpy().reshape(-1, PLAYERS_PER_SIDE)
    obs = np.stack([u, d], axis=-1)
    n = len(obs)
    tmpl = np.stack([t.coords for t in lib])
    meta = positions.gather_every(PLAYERS_PER_SIDE).select(
        "gameId", "playId", key, "n_frames", "start_frame", "end_frame"
    )

    shell = defensive_shell(u, d) if side == "defense" else None
    allowed = np.ones((n, len(lib)), dtype=bool)
    if shell is not None:
        t_shell = np.array([t.shell for t in lib])
        gated = shell[:, None] == t_shell[None, :]
        allowed = np.where(gated.any(axis=1, keepdims=True), gated, True)

    prune = change_threshold <= 0.0
    totals = np.empty((n, len(lib)))
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        cost = cost_tensor(obs[lo:hi], stretch_templates(obs[lo:hi], tmpl))
        totals[lo:hi] = solve_totals(cost, allowed[lo:hi], prune=prune)
    best = np.where(np.isnan(totals), np.inf, totals).argmin(axis=1)
    chosen = best if prune else _sticky(meta, best, totals, change_threshold)

    slot_idx = np.empty((n, PLAYERS_PER_SIDE), dtype=np.intp)
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        scaled = stretch_templates(obs[lo:hi], tmpl)[np.arange(hi - lo), chosen[lo:hi]]
        slot_idx[lo:hi] = assign_slots(cost_tensor(obs[lo:hi], scaled[:, None])[:, 0])
    slots_all = np.array([t.slots for t in lib])
    slots = slots_all[chosen[:, None], slot_idx]
    cost = totals[np.arange(n), chosen] / PLAYERS_PER_SIDE

    offense = side == "offense"
    none = [None] * n
    forms = meta.with_columns(
        pl.lit(side).alias("side"),
        pl.Series("template", [lib[i].name for i in chosen], pl.String),
        pl.Series("formation", [lib[i].formation for i in chosen], pl.String),
        pl.Series("alignment", receiver_alignment(u, d, slots).tolist() if offense else none,
                  pl.String),
        pl.Series("shell", none if offense else shell.tolist(), pl.String),
        pl.Series("front", none if offense else [lib[i].front for i in chosen], pl.String),
        pl.Series("cost", cost, pl.Float64),
    ).select(*_labels_schema(key), "n_frames", "start_frame", "end_frame")
    per_player = np.repeat(np.arange(n), PLAYERS_PER_SIDE)
    asg = forms.select(*_labels_schema(key))[per_player].with_columns(
        positions["nflId"], pl.Series("slot", slots.ravel(), pl.String))
    return forms, asg


def _sticky(meta: pl.DataFrame, best: np.ndarray, totals: np.ndarray, thr: float) -> np.ndarray:
    """Hysteresis within each play: vectorised across plays, stepping through time."""
    grp = meta.select(pl.struct("gameId", "playId").rle_id()).to_series().to_numpy()
    step = meta.select(pl.int_range(pl.len()).over(pl.struct("gameId", "playId")))
    step = step.to_series().to_numpy()
    chosen = best.copy()
    held = np.zeros(grp.max() + 1 if len(grp) else 0, dtype=np.intp)
    for k in range(int(step.max()) + 1 if len(step) else 0):
        rows = np.flatnonzero(step == k)
        g = grp[rows]
        if k == 0:
            held[g] = best[rows]
            continue
        cur = totals[rows, held[g]]
        new = totals[rows, best[rows]]
        switch = ~np.isfinite(cur) | (new < cur * (1.0 - thr))
        held[g] = np.where(switch, best[rows], held[g])
        chosen[rows] = held[g]
    return chosen


def _runs(formations: pl.DataFrame, key: str) -> pl.DataFrame:
    """Consecutive rows of one play and side with the same labels, merged."""
    labels = pl.struct("template", "alignment", "shell")
    return (
        formations.sort(["gameId", "playId", "side", key])
        .with_columns(labels.rle_id().over(["gameId", "playId", "side"]).alias("_run"))
        .group_by(["gameId", "playId", "side", "_run"], maintain_order=True)
        .agg(
            pl.col("template").first(), pl.col("formation").first(),
            pl.col("alignment").first(), pl.col("shell").first(),
            pl.col("start_frame").min(), pl.col("end_frame").max(), pl.len().alias("n_rows"),
        )
        .drop("_run")
    )


def _labels_schema(key: str) -> dict[str, type[pl.DataType]]:
    """The columns formations and assignments share: the play, its frame or segment, the labels."""
    return {"gameId": pl.Int64, "playId": pl.Int64, key: pl.Int32, "side": pl.String,
            "template": pl.String, "formation": pl.String, "alignment": pl.String,
            "shell": pl.String, "front": pl.String, "cost": pl.Float64}
