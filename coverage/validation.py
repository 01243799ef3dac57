"""Which plays of a staged tracking week can be used, and which label-table values cannot.

Ingest never drops a play silently: each unusable play gets exactly one reason (the
first that applies, in the order of :data:`SKIP_REASONS`) and is counted in the
ingest report. Broken values (a row cut short, NaN or absurd numbers, an unknown play
direction, a fractional frameId or nflId) make the whole play unusable, wherever in the
play they occur: a model fed one corrupt frame, or a play left unrotated, is worse than a
play missing from the store. A tracking row repeated exactly (a file concatenated with an
overlapping chunk) is kept once and counted (:func:`without_exact_repeats`); a player or the
ball listed twice in one frame with different values makes the play unusable, since nothing
says which row is right.

The label tables (plays, games, players, player_play) are small and every row of them
is a fact the store repeats, so a bad value there is a :class:`DataError` naming the
file, the row, the column and the value (:func:`check_values`): an absurd yard line would
otherwise become an infinite line of scrimmage, a fractional id a silent truncation.
Labels in another case are mapped onto the official spelling (:func:`official_labels`)
and counted (:func:`relabelled`); a key listed twice is kept once when the rows are
identical and refused when they differ (:func:`unique_rows`).
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

from coverage.errors import DataError
from coverage.normalize import snap_frames
from coverage.schema import LABEL_SPELLINGS, PLAY_KEYS, PLAYERS_PER_SIDE, ValueRule

SHOWN_CHARS = 80  # a value quoted in an error is cut to this many characters

SKIP_REASONS = {
    "not_in_plays": "tracking has a play that plays.csv does not list",
    "incomplete_rows": "a row lacks x, y, frameId or club, or a player row lacks nflId "
                       "(e.g. a file cut mid-row)",
    "bad_frame_id": "a frameId is not a whole number",
    "bad_nfl_id": "a player's nflId is not a positive whole number (it would be cut to one)",
    "non_finite": "NaN or infinite x / y / s / a / dis / o / dir",
    "out_of_range": "a position far off the field, or up to the snap a speed over "
                    "50 yd/s or another absurd value",
    "bad_direction": "playDirection is missing, not left/right, or differs between rows",
    "no_snap": "no SNAP frame and no ball_snap/autoevent_ballsnap event",
    "unknown_club": "a player's club is neither possessionTeam nor defensiveTeam",
    "conflicting_rows": "a player (or the ball) has two different rows in one frame",
    "players_per_frame": "a frame up to the snap does not have 11 offense + 11 defense players",
    "no_ball_at_snap": "no football row at the snap frame (line of scrimmage unknown)",
}

KINEMATICS = ("x", "y", "s", "a", "dis", "o", "dir")
# Generous bounds (raw field coordinates, yards and yd/s): players stand on the
# sideline and the ball flies past the end line, but nothing tracked is 20 yards
# beyond the field, and before the snap nothing runs faster than 50 yd/s.
# a / dis / o / dir only catch absurdities such as 1e308. Positions are checked in
# every row (the app draws them); the rest only up to the snap, since a ball's speed
# and acceleration spike at a catch or a bounce.
POSITIONS = ("x", "y")
RANGES: dict[str, tuple[float, float]] = {
    "x": (-20.0, 140.0), "y": (-20.0, 75.0), "s": (0.0, 50.0),
    "a": (-1000.0, 1000.0), "dis": (-100.0, 100.0),
    "o": (-720.0, 720.0), "dir": (-720.0, 720.0),
}
DIRECTIONS = ("left", "right")
# One row per player (its nflId) and one for the ball (the row without one: a row without
# nflId that is not the ball is incomplete_rows) in each frame.
FRAME_KEYS = ("gameId", "playId", "frameId")


def _any(exprs) -> pl.Expr:
    """True where any expression is true; a null (missing value) counts as false."""
    return pl.any_horizontal([e.fill_null(False) for e in exprs])


def _row_checks() -> list[pl.Expr]:
    """Per-play flags for broken values (rows carry the play's ``snap_frame``)."""
    missing = _any([*(pl.col(c).is_null() for c in ("frameId", "club", "x", "y")),
                    pl.col("nflId").is_null() & (pl.col("club") != "football")])
    frame = pl.col("frameId")
    fractional = frame.is_not_null() & ~(frame.is_finite() & (frame == frame.floor()))
    non_finite = _any([pl.col(c).is_nan() | pl.col(c).is_infinite() for c in KINEMATICS])
    upto_snap = (pl.col("frameId") <= pl.col("snap_frame")).fill_null(True)
    outside = _any([pl.col(c).is_finite() & ~pl.col(c).is_between(lo, hi)
                    & (upto_snap if c not in POSITIONS else pl.lit(True))
                    for c, (lo, hi) in RANGES.items()])
    nfl = pl.col("nflId")
    bad_id = nfl.is_not_null() & ~(nfl.is_finite() & (nfl == nfl.floor()) & (nfl >= 1))
    direction = pl.col("playDirection")
    return [
        missing.any().alias("incomplete_rows"),
        fractional.fill_null(False).any().alias("bad_frame_id"),
        bad_id.fill_null(False).any().alias("bad_nfl_id"),
        non_finite.any().alias("non_finite"),
        outside.any().alias("out_of_range"),
        ((~direction.is_in(list(DIRECTIONS))).fill_null(True).any()
         | (direction.n_unique() > 1)).alias("bad_direction"),
    ]


def _first_reason() -> pl.Expr:
    """The first flag that is set, in :data:`SKIP_REASONS` order (null = usable)."""
    expr = pl.lit(None, pl.String)
    for reason in reversed(SKIP_REASONS):
        # every reason is a flag column of its name, but for no_snap
        flag = pl.col("snap_frame").is_null() if reason == "no_snap" else pl.col(reason)
        expr = pl.when(flag.fill_null(False)).then(pl.lit(reason)).otherwise(expr)
    return expr.alias("skip_reason")


def _listed_twice(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Per frame, ``_twice``: true where a player (an nflId) or the ball (no nflId) has
    two rows."""
    return lf.group_by(FRAME_KEYS).agg(
        (pl.len() != pl.col("nflId").n_unique()).alias("_twice"))


def repeated_frames(stage: pl.LazyFrame) -> pl.DataFrame:
    """The frames (gameId, playId, frameId) that list a player or the ball twice: the
    only ones that can hold an exact repeat or a conflict (none, in a clean week)."""
    return (_listed_twice(stage).filter(pl.col("_twice")).select(FRAME_KEYS)
            .collect(engine="streaming"))


def without_exact_repeats(stage: pl.LazyFrame, repeated: pl.DataFrame) -> pl.LazyFrame:
    """The tracking with each exactly repeated row kept once, looked for only in the
    ``repeated`` frames (:func:`repeated_frames`). Rows that differ are all kept:
    :func:`play_status` skips their play as ``conflicting_rows``."""
    twice = repeated.lazy()
    return pl.concat([stage.join(twice, on=FRAME_KEYS, how="anti"),
                      stage.join(twice, on=FRAME_KEYS, how="semi").unique()])


def play_status(stage: pl.LazyFrame, teams: pl.LazyFrame,
                repeated: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per play with the first reason it cannot be used (null = usable).

    ``repeated``: the frames that list a key twice, when the caller already found them
    (:func:`repeated_frames`, before or after :func:`without_exact_repeats`): only those
    are looked at again for ``conflicting_rows``, instead of every frame of the week.
    """
    snaps = snap_frames(stage)
    joined = stage.join(teams, on=PLAY_KEYS, how="left")
    with_snap = joined.join(snaps.select(*PLAY_KEYS, "snap_frame"), on=PLAY_KEYS, how="left")
    club_ok = (
        (pl.col("club") == "football")
        | (pl.col("club") == pl.col("possessionTeam"))
        | (pl.col("club") == pl.col("defensiveTeam"))
    )
    per_play = with_snap.group_by("gameId", "playId").agg(
        pl.col("possessionTeam").is_null().all().alias("not_in_plays"),
        (~club_ok).any().alias("unknown_club"),
        *_row_checks(),
    )
    upto_snap = joined.join(snaps, on=PLAY_KEYS).filter(
        pl.col("frameId") <= pl.col("snap_frame")
    )
    counts = upto_snap.group_by(FRAME_KEYS).agg(
        (pl.col("club") == pl.col("possessionTeam")).sum().alias("n_off"),
        (pl.col("club") == pl.col("defensiveTeam")).sum().alias("n_def"),
        ((pl.col("club") == "football") & (pl.col("frameId") == pl.col("snap_frame")))
        .sum().alias("n_ball_snap"),
    )
    frame_ok = counts.group_by("gameId", "playId").agg(
        ((pl.col("n_off") != PLAYERS_PER_SIDE) | (pl.col("n_def") != PLAYERS_PER_SIDE))
        .any().alias("players_per_frame"),
        (pl.col("n_ball_snap").sum() == 0).alias("no_ball_at_snap"),
    )
    # every frame, a repeated row after the snap too
    frames = stage if repeated is None else stage.join(repeated.lazy(), on=FRAME_KEYS,
                                                       how="semi")
    twice = _listed_twice(frames).group_by(PLAY_KEYS).agg(
        pl.col("_twice").any().alias("conflicting_rows"))
    # frameId is staged as a float (so 1.5 is seen, not cut to 1): whole again here
    frame_cols = [pl.col(c).cast(pl.Int64, strict=False)
                  for c in ("snap_frame", "charted_snap_frame")
                  if c in snaps.collect_schema()]
    out = (
        per_play.join(snaps, on=PLAY_KEYS, how="left")
        .join(frame_ok, on=PLAY_KEYS, how="left")
        .join(twice, on=PLAY_KEYS, how="left")
        .with_columns(_first_reason())
        .select("gameId", "playId", *frame_cols, "skip_reason")
        .sort("gameId", "playId")
    )
    return out.collect()


# ------------------------------------------------------------------ label tables
def shown(value: object) -> str:
    """A value as an error quotes it: its repr, cut to :data:`SHOWN_CHARS` characters."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _violates(col: str, rule: ValueRule) -> pl.Expr:
    """True where a (non-null) value breaks ``rule``."""
    if rule.pattern is not None:
        text = pl.col(col).cast(pl.String).str.strip_chars()
        return (text.is_not_null() & ~text.str.contains(rule.pattern)).fill_null(False)
    v = pl.col(col).cast(pl.Float64)
    bad = ~v.is_finite()
    if rule.whole:
        bad = bad | (v != v.floor())
    if rule.lo is not None:
        bad = bad | (v < rule.lo)
    if rule.hi is not None:
        bad = bad | (v > rule.hi)
    return bad.fill_null(False)


def _as_read(value: str, rule: ValueRule) -> str:
    """A number as the file most likely spelled it (5, not 5.0)."""
    if rule.pattern is not None:
        return value
    x = float(value)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else value


def _what_is_wrong(value: str, rule: ValueRule) -> str:
    if rule.pattern is not None:
        return "is not in the expected form"
    x = float(value)
    if not math.isfinite(x):
        return "is not a finite number"
    if (rule.lo is not None and x < rule.lo) or (rule.hi is not None and x > rule.hi):
        return "is out of range"
    return "is not a whole number (an integer column would cut it)"


def check_values(lf: pl.LazyFrame, path: str | Path,
                 rules: dict[str, ValueRule]) -> pl.LazyFrame:
    """Refuse the first value that breaks its column's rule; whole columns become Int64.

    One pass over the table finds, per column, the first offending row; the error names
    the file, the row (1 = the first row under the header), the column and the value.
    Numeric columns must already be numbers (see ``coverage.raw``).
    """
    schema = lf.collect_schema()
    present = {c: r for c, r in rules.items() if c in schema and schema[c] != pl.Null}
    if not present:
        return lf
    found = lf.with_row_index("_row", offset=1).select(
        pl.struct(pl.col("_row"), pl.col(c).cast(pl.String).alias("value"))
        .filter(_violates(c, r)).first().alias(c) for c, r in present.items()
    ).collect()
    for col, rule in present.items():
        hit = found[col][0]
        if hit is not None:
            name = Path(path).name
            raise DataError(
                f"{name} row {hit['_row']}: {col} {shown(_as_read(hit['value'], rule))} "
                f"{_what_is_wrong(hit['value'], rule)}",
                file=str(path), column=col, expected=rule.expected or None)
    whole = [c for c, r in present.items() if r.whole and r.pattern is None]
    return lf.with_columns(pl.col(c).cast(pl.Int64) for c in whole)


def _stripped(col: str) -> pl.Expr:
    text = pl.col(col).cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _official(col: str, names: tuple[str, ...]) -> pl.Expr:
    """The official spelling of a label in any case (null for an unknown one)."""
    lut = {n.lower(): n for n in names}
    return _stripped(col).str.to_lowercase().replace_strict(lut, default=None,
                                                            return_dtype=pl.String)


def official_labels(lf: pl.LazyFrame, path: str | Path) -> pl.LazyFrame:
    """Labels in the official spelling ('man' and ' ZONE' -> 'Man' and 'Zone'); blanks
    become null (unlabelled); a value that is no label is a :class:`DataError`."""
    schema = lf.collect_schema()
    for col, names in LABEL_SPELLINGS.items():
        if col not in schema or schema[col] == pl.Null:
            continue
        official = _official(col, names)
        unknown = lf.select(_stripped(col).filter(_stripped(col).is_not_null()
                                                  & official.is_null())
                            .first()).collect().item()
        if unknown is not None:
            raise DataError(f"{Path(path).name}: {col} {shown(unknown)} is not a label",
                            file=str(path), column=col,
                            expected=f"one of {', '.join(names)} (any case) or empty")
        lf = lf.with_columns(official.alias(col))
    return lf


def relabelled(lf: pl.LazyFrame) -> dict[str, int]:
    """How many labels :func:`official_labels` respells, as ``"col: 'man' -> 'Man'"``."""
    schema = lf.collect_schema()
    out: dict[str, int] = {}
    for col, names in LABEL_SPELLINGS.items():
        if col not in schema or schema[col] == pl.Null:
            continue
        raw = pl.col(col).cast(pl.String)
        changed = (lf.select(raw.alias("raw"), _official(col, names).alias("official"))
                   .filter(pl.col("official").is_not_null()
                           & (pl.col("raw") != pl.col("official")))
                   .group_by("raw", "official").len().sort("raw").collect())
        for raw_value, official, n in changed.iter_rows():
            out[f"{col}: {shown(raw_value)} -> {shown(official)}"] = int(n)
    return out


def repeats(lf: pl.LazyFrame, keys: list[str] | tuple[str, ...]) -> int:
    """Rows beyond the first of each key."""
    n = lf.select(pl.len().alias("rows"), pl.struct(list(keys)).n_unique().alias("keys")) \
        .collect()
    return int(n["rows"][0] - n["keys"][0])


def unique_rows(lf: pl.LazyFrame, path: str | Path, keys: tuple[str, ...],
                what: str) -> pl.LazyFrame:
    """One row per key: exact repeats are dropped (count them with :func:`repeats`); a
    key listed twice with different values is a :class:`DataError` naming the key and
    the column where the rows differ, since nothing says which row is right."""
    keys = tuple(keys)
    if repeats(lf, keys) == 0:
        return lf
    distinct = lf.unique(maintain_order=True)
    clash = (distinct.group_by(keys, maintain_order=True).len()
             .filter(pl.col("len") > 1).head(1).collect())
    if clash.height == 0:
        return distinct
    rows = distinct.join(clash.lazy().drop("len"), on=list(keys), nulls_equal=True).collect()
    col = next((c for c in rows.columns if c not in keys and rows[c].n_unique() > 1), None)
    key = dict(zip(keys, clash.row(0)[:-1], strict=True))
    differ = ""
    if col is not None:
        values = rows[col].unique(maintain_order=True).head(2).to_list()
        differ = f" ({col}: {' vs '.join(shown(v) for v in values)})"
    play = (key["gameId"], key["playId"]) if set(PLAY_KEYS) <= set(keys) else None
    name = Path(path).name
    raise DataError(
        f"{name} lists {what} {' '.join(f'{k}={v}' for k, v in key.items())} more than "
        f"once with different values{differ}", file=str(path), column=col, play=play,
        expected=f"one row per ({', '.join(keys)})")
