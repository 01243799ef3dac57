"""Shared preparation for every view: dense per-frame arrays, titles, events.

The plotly figures and the pillow GIF must show exactly the same play, so the
tidy tracking rows are turned into dense ``frames x players`` arrays once, here.
Dense arrays also let animation frames carry only coordinates (player order and
jersey numbers are fixed), which is what keeps long plays light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from coverage.errors import DataError
from coverage.schema import FRAME_RATE_HZ, SNAP_EVENTS
from coverage.views.palette import MAN_COLOR, ZONE_COLOR  # noqa: F401 - re-exported
from coverage.vocab import event_words

# Events worth pointing at on a pre-snap timeline.
KEY_EVENTS = ("line_set", "man_in_motion", "shift", *SNAP_EVENTS)
EVENT_LABELS = {e: event_words(e) for e in KEY_EVENTS}  # see coverage.vocab.EVENT_WORDS
# Colour-blind-safe qualitative palette (Okabe-Ito based, the too light and too dark ones
# replaced so every line reads on the light and the dark page); index by sorted model name
# so every view (plotly curve, GIF legend) gives a model the same colour.
MODEL_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#A67C00", "#9467BD", "#A0724F",
                 "#6F8A00")
LOS_COLOR = "#1E63FF"  # line of scrimmage and first-down line: the same on the field and GIF
FIRST_DOWN_COLOR = "#FFD400"
ARROW_SECONDS = 0.6  # velocity arrows show where a player would be this far ahead
REQUIRED_FRAME_COLUMNS = ("nflId", "frameId", "side", "x", "y")


@dataclass(frozen=True)
class KeyEvent:
    """One key event on the timeline, keyed by frame so sliders can find it."""

    frame_id: int
    secs: float
    event: str

    @property
    def label(self) -> str:
        return event_words(self.event)


@dataclass
class SideArrays:
    """One side's players as dense arrays, columns in a fixed player order."""

    nfl_ids: np.ndarray  # (P,)
    club: str | None
    names: list[str]
    jerseys: list[str]  # "" when unknown (some real files have no jersey numbers)
    x: np.ndarray  # (F, P), NaN where a player has no row in that frame
    y: np.ndarray
    vx: np.ndarray
    vy: np.ndarray
    s: np.ndarray
    positions: list[str] = field(default_factory=list)
    slots: np.ndarray | None = None  # (F, P) object array of str, or None
    attribution: np.ndarray | None = None  # (F, P) float, or None


@dataclass
class PlayArrays:
    """A play ready to draw: kept frames, their times and events, both sides, ball."""

    frame_ids: np.ndarray  # (F,) int
    secs: np.ndarray  # (F,) float, seconds from snap
    events: list[str | None]  # key event happening at each kept frame
    offense: SideArrays
    defense: SideArrays
    ball_x: np.ndarray  # (F,)
    ball_y: np.ndarray
    los_x: float | None
    first_down_x: float | None

    @property
    def n_frames(self) -> int:
        return len(self.frame_ids)


def _check_frames(frames: pl.DataFrame) -> None:
    missing = [c for c in REQUIRED_FRAME_COLUMNS if c not in frames.columns]
    if missing:
        raise DataError(
            "tracking frames lack columns needed to draw the play",
            column=", ".join(missing),
            expected="coverage.schema.TRACKING_SCHEMA (normalised store)",
        )
    if frames.height == 0:
        raise DataError("no tracking rows to draw", expected="one play's tracking rows")


def moment_label(secs: float, event: str | None = None) -> str:
    """A frame's time to the snap in words, with its key event: "-1.2 s · motion", and
    "snap 0.0 s" at the snap (the player's slider and the still-image picker alike)."""
    label = f"{secs:+.1f} s" if abs(secs) >= 1e-6 else "snap 0.0 s"
    if event and not (abs(secs) < 1e-6 and event_words(event) == "snap"):
        label += f" · {event_words(event)}"
    return label


def key_events(frames: pl.DataFrame) -> list[KeyEvent]:
    """First occurrence of each key event, in time order (events repeat per player row).

    A charted snap event sits on the snap anchor (``secs_from_snap`` 0), not on the frame
    it was charted in: ingest moves the anchor back to the ball's first move, and a snap
    shown 0.2 s after the snap would contradict every clock on screen.
    """
    if "event" not in frames.columns:
        return []
    secs = ["secs_from_snap"] if "secs_from_snap" in frames.columns else []
    ev = frames.select("frameId", "event", *secs).filter(pl.col("event").is_in(KEY_EVENTS))
    if secs:
        anchor = frames.filter(pl.col("secs_from_snap").abs() < 1e-6)["frameId"]
        if anchor.len():
            snap = pl.col("event").is_in(list(SNAP_EVENTS))
            ev = ev.with_columns(
                pl.when(snap).then(pl.lit(anchor.min())).otherwise(pl.col("frameId"))
                .cast(ev.schema["frameId"]).alias("frameId"),
                pl.when(snap).then(0.0).otherwise(pl.col("secs_from_snap"))
                .cast(ev.schema["secs_from_snap"]).alias("secs_from_snap"))
    ev = (
        ev
        .group_by("frameId", "event")
        .agg(pl.all().first())
        .sort("frameId")
    )
    return [KeyEvent(int(row["frameId"]), float(row.get("secs_from_snap") or 0.0), row["event"])
            for row in ev.iter_rows(named=True)]


def _index_in(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``values`` sits in the sorted ``keys``, and which of them are there."""
    k = np.searchsorted(keys, values)
    ok = k < len(keys)
    ok[ok] &= keys[k[ok]] == values[ok]
    return k, ok


def _lookup(
    table: pl.DataFrame | None, nfl_ids: np.ndarray, column: str
) -> list[str]:
    """Per-player string from an optional per-player table (e.g. position)."""
    if table is None or column not in table.columns or "nflId" not in table.columns:
        return [""] * len(nfl_ids)
    t = table.select(pl.col("nflId").cast(pl.Int64), pl.col(column).cast(pl.String)).unique(
        "nflId", keep="first"
    )
    mapping = dict(zip(t["nflId"].to_list(), t[column].to_list(), strict=True))
    return [mapping.get(int(i)) or "" for i in nfl_ids]


def _grid(
    df: pl.DataFrame, frame_ids: np.ndarray, nfl_ids: np.ndarray, column: str, fill: Any
) -> np.ndarray:
    """Scatter a tidy (frameId, nflId, column) table into a (F, P) array."""
    dtype = object if fill is None or isinstance(fill, str) else float
    out = np.full((len(frame_ids), len(nfl_ids)), fill, dtype=dtype)
    if df.height == 0:
        return out
    fi, f_ok = _index_in(frame_ids, df["frameId"].to_numpy().astype(np.int64))
    pi, p_ok = _index_in(nfl_ids, df["nflId"].to_numpy().astype(np.int64))
    ok = f_ok & p_ok
    values = df[column].to_numpy()
    out[fi[ok], pi[ok]] = values[ok]
    return out


def _side(
    frames: pl.DataFrame,
    side: str,
    frame_ids: np.ndarray,
    players: pl.DataFrame | None,
    slots: pl.DataFrame | None,
    attribution: pl.DataFrame | None,
) -> SideArrays:
    rows = frames.filter(pl.col("side") == side)
    nfl_ids = np.unique(rows["nflId"].drop_nulls().to_numpy().astype(np.int64))
    first = rows.sort("frameId").unique("nflId", keep="first").sort("nflId")
    first_map = {int(r["nflId"]): r for r in first.iter_rows(named=True) if r["nflId"] is not None}

    def text(pid: int, col: str) -> str:
        v = first_map.get(int(pid), {}).get(col)
        return "" if v is None else str(v)

    clubs = rows["club"].drop_nulls() if "club" in rows.columns else pl.Series([], dtype=pl.String)
    club = clubs.mode().sort().to_list()[0] if clubs.len() else None
    grids = {}
    for col in ("x", "y", "vx", "vy", "s"):
        if col in rows.columns:
            grids[col] = _grid(rows.select("frameId", "nflId", pl.col(col).cast(pl.Float64)),
                               frame_ids, nfl_ids, col, np.nan)
        else:
            grids[col] = np.zeros((len(frame_ids), len(nfl_ids)))
    names = [text(p, "displayName") for p in nfl_ids]
    from_players = _lookup(players, nfl_ids, "displayName")
    names = [n or m for n, m in zip(names, from_players, strict=True)]
    slot_grid = None
    if slots is not None and slots.height and "slot" in slots.columns:
        s = slots.with_columns(pl.col("nflId").cast(pl.Int64), pl.col("slot").cast(pl.String))
        if "frameId" not in s.columns:  # per-play slots: same label on every frame
            s = s.join(pl.DataFrame({"frameId": frame_ids.astype(np.int64)}), how="cross")
        slot_grid = _grid(s.select("frameId", "nflId", "slot"), frame_ids, nfl_ids, "slot", "")
    attr_grid = None
    if attribution is not None and attribution.height:
        a = attribution.select(
            pl.col("frameId").cast(pl.Int64), pl.col("nflId").cast(pl.Int64),
            pl.col("value").cast(pl.Float64),
        )
        attr_grid = _grid(a, frame_ids, nfl_ids, "value", 0.0)
    return SideArrays(
        nfl_ids=nfl_ids,
        club=club,
        names=names,
        jerseys=[text(p, "jerseyNumber") for p in nfl_ids],
        positions=_lookup(players, nfl_ids, "position"),
        slots=slot_grid,
        attribution=attr_grid,
        **grids,
    )


def play_arrays(
    frames: pl.DataFrame,
    play: Mapping[str, Any] | None = None,
    *,
    frame_stride: int = 1,
    players: pl.DataFrame | None = None,
    slots: pl.DataFrame | None = None,
    attribution: pl.DataFrame | None = None,
) -> PlayArrays:
    """Dense arrays of one play, keeping every ``frame_stride``-th frame.

    Key events that fall on a skipped frame are moved to the next kept frame so
    the snap or a motion is never silently dropped from the timeline.
    """
    _check_frames(frames)
    if frame_stride < 1:
        raise ValueError(f"frame_stride must be >= 1, got {frame_stride}")
    play = play or {}
    all_ids = np.unique(frames["frameId"].to_numpy().astype(np.int64))
    frame_ids = all_ids[::frame_stride]
    if "secs_from_snap" in frames.columns:
        secs_tab = (
            frames.group_by("frameId")
            .agg(pl.col("secs_from_snap").drop_nulls().first())
            .sort("frameId")
        )
        lut = dict(
            zip(secs_tab["frameId"].to_list(), secs_tab["secs_from_snap"].to_list(), strict=True)
        )
    else:
        lut = {}
    snap = play.get("snap_frame")
    secs = []
    for f in frame_ids:
        v = lut.get(int(f))
        if v is None:
            v = (int(f) - int(snap)) / FRAME_RATE_HZ if snap is not None else 0.0
        secs.append(round(float(v), 2))
    events: list[str | None] = [None] * len(frame_ids)
    for ev in key_events(frames):
        k = int(np.searchsorted(frame_ids, ev.frame_id))
        if k < len(frame_ids) and events[k] is None:
            events[k] = ev.event
    ball = frames.filter(pl.col("side") == "ball")
    bx = np.full(len(frame_ids), np.nan)
    by = np.full(len(frame_ids), np.nan)
    if ball.height:
        ball = ball.unique("frameId", keep="first")
        k, ok = _index_in(frame_ids, ball["frameId"].to_numpy().astype(np.int64))
        bx[k[ok]] = ball["x"].to_numpy().astype(float)[ok]
        by[k[ok]] = ball["y"].to_numpy().astype(float)[ok]
    los = play.get("los_x")
    if los is None and ball.height:
        has_event = "event" in ball.columns
        snap_rows = ball.filter(pl.col("event").is_in(SNAP_EVENTS)) if has_event else ball[:0]
        if snap_rows.height:
            los = float(snap_rows["x"][0])
    first_down = play.get("first_down_x")
    if first_down is None and los is not None and play.get("yardsToGo") is not None:
        first_down = float(los) + float(play["yardsToGo"])
    return PlayArrays(
        frame_ids=frame_ids,
        secs=np.asarray(secs, dtype=float),
        events=events,
        offense=_side(frames, "offense", frame_ids, players, slots, attribution),
        defense=_side(frames, "defense", frame_ids, players, slots, attribution),
        ball_x=bx,
        ball_y=by,
        los_x=float(los) if los is not None else None,
        first_down_x=float(first_down) if first_down is not None else None,
    )


def readouts(pa: PlayArrays, when_format: str = "{}") -> list[str]:
    """Per frame, the read-out above the field: time to snap and the latest key event so far
    (the app's field and the GIF print the same words)."""
    out, last = [], ""
    for secs, ev in zip(pa.secs, pa.events, strict=True):
        if ev:
            last = event_words(ev)
        when = "SNAP" if abs(secs) < 1e-6 else (
            f"{-secs:.1f} s to snap" if secs < 0 else f"+{secs:.1f} s after snap")
        out.append(when_format.format(when) + (f"   last event: {last}" if last else ""))
    return out


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def true_coverage(play: Mapping[str, Any]) -> str:
    """'Man (Cover 1)' style label; analysts want both the family and the shell."""
    mz = play.get("pff_manZone")
    cov = play.get("pff_passCoverage")
    if mz and cov:
        return f"{mz} ({cov})"
    return str(mz or cov or "unlabelled")


def quarter_label(quarter: int) -> str:
    """Q1-Q4, then OT (the data numbers overtime as quarter 5)."""
    return f"Q{int(quarter)}" if int(quarter) <= 4 else "OT"


def play_title(play: Mapping[str, Any]) -> str:
    """One line: offense vs defense, quarter, down & distance, true coverage."""
    off = play.get("possessionTeam") or "OFF"
    de = play.get("defensiveTeam") or "DEF"
    parts = [f"{off} vs {de}"]
    if play.get("quarter") is not None:
        parts.append(quarter_label(play["quarter"]))
    if play.get("down") is not None and play.get("yardsToGo") is not None:
        parts.append(f"{_ordinal(int(play['down']))} & {play['yardsToGo']}")
    parts.append(f"true: {true_coverage(play)}")
    return " · ".join(parts)


def play_subtitle(play: Mapping[str, Any], max_chars: int = 140) -> str:
    """Game/play ids and the (trimmed) description, for tooltips and captions."""
    ids = f"game {play.get('gameId', '?')} · play {play.get('playId', '?')}"
    desc = play.get("playDescription") or ""
    if len(desc) > max_chars:
        desc = desc[: max_chars - 1] + "…"
    return f"{ids} · {desc}" if desc else ids


def is_synthetic(play: Mapping[str, Any]) -> bool:
    return str(play.get("source") or "").lower() == "synthetic"


# What a model's label says when it was trained on synthetic plays
# (coverage.app.provenance.Provenance.label); on real data its curves are drawn secondary.
SYNTHETIC_TRAINED = "(trained on synthetic)"
SECONDARY_OPACITY = 0.5
SECONDARY_DASH = "dash"


def secondary_models(models: Sequence[str], applied_to: str | None) -> set[str]:
    """The models (as labelled) to draw secondary: on real data, those trained on synthetic
    plays, whose hit rate says nothing about real football. Their name keeps saying so."""
    if applied_to != "real":
        return set()
    return {m for m in models if SYNTHETIC_TRAINED in str(m)}


def model_colors(models: Sequence[str]) -> dict[str, str]:
    """Stable model -> colour (sorted names), shared by every view."""
    return {m: MODEL_PALETTE[i % len(MODEL_PALETTE)] for i, m in enumerate(sorted(set(models)))}


def preds_matrix(
    preds: pl.DataFrame | None, frame_ids: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """Models (sorted) and P(man) aligned to ``frame_ids`` (NaN where absent)."""
    if preds is None or preds.height == 0:
        return [], np.zeros((0, len(frame_ids)))
    missing = [c for c in ("model", "frameId", "p_man") if c not in preds.columns]
    if missing:
        raise DataError("predictions lack columns", column=", ".join(missing),
                        expected="model, frameId, secs_from_snap, p_man")
    models = sorted(preds["model"].unique().to_list())
    out = np.full((len(models), len(frame_ids)), np.nan)
    for i, m in enumerate(models):
        sub = preds.filter(pl.col("model") == m).select(
            pl.col("frameId").cast(pl.Int64), pl.col("p_man").cast(pl.Float64)
        )
        k, ok = _index_in(frame_ids, sub["frameId"].to_numpy())
        out[i, k[ok]] = sub["p_man"].to_numpy()[ok]
    return models, out
