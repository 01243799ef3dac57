"""Movement between line set and the snap: motion, shifts, the defense's answer, timing.

A man defender travels with a motion man while a zone defender mostly holds, so how fast
the nearest defender moves while a receiver is in motion is one of the strongest man/zone
cues; if the simulator gets that response wrong, the models learn the wrong cue.
Everything is measured from tracking, per play, inside the line-set-to-snap window
(plays without a ``line_set`` event have no window and are left out).
"""

from __future__ import annotations

import polars as pl

from devtools.realism.alignment import LABELS
from devtools.realism.positions import RECEIVER_GROUPS

MOVING = 1.5   # yd/s: a receiver going this fast after line set is in motion
SHIFTED = 2.0  # yd: a receiver who stopped again after moving this far has shifted
PLAY = ["gameId", "playId"]
OUT = [*PLAY, "moment", *LABELS, "metric", "value"]


def window(frames: pl.LazyFrame) -> pl.DataFrame:
    """Rows from line set to the snap (inclusive)."""
    return frames.filter(pl.col("lineset_secs").is_not_null()
                         & (pl.col("secs_from_snap") >= pl.col("lineset_secs") - 1e-3)
                         ).collect()


def movers(win: pl.DataFrame) -> pl.DataFrame:
    """Per receiver: top speed, speed at the snap and distance from line set to snap."""
    rec = win.filter((pl.col("side") == "offense")
                     & pl.col("group").is_in(list(RECEIVER_GROUPS)))
    return rec.sort("frameId").group_by([*PLAY, *LABELS, "nflId"]).agg(
        pl.col("s").max().alias("max_s"), pl.col("s").last().alias("snap_s"),
        ((pl.col("depth").last() - pl.col("depth").first()).pow(2)
         + (pl.col("width").last() - pl.col("width").first()).pow(2)).sqrt().alias("travel"),
        pl.col("lineset_secs").first())


def play_motion(win: pl.DataFrame) -> pl.DataFrame:
    """Per play: motion / in motion at the snap / shift flags, top motion speed and the
    time from line set to the snap."""
    m = movers(win).with_columns(
        (pl.col("max_s") >= MOVING).alias("moved"),
        (pl.col("snap_s") >= MOVING).alias("at_snap"),
        ((pl.col("max_s") >= MOVING) & (pl.col("snap_s") < MOVING)
         & (pl.col("travel") >= SHIFTED)).alias("shifted"))
    per = m.group_by([*PLAY, *LABELS]).agg(
        pl.col("moved").any().cast(pl.Float64).alias("motion after line set (rate)"),
        pl.col("at_snap").any().cast(pl.Float64).alias("in motion at snap (rate)"),
        pl.col("shifted").any().cast(pl.Float64).alias("shift after line set (rate)"),
        pl.col("max_s").filter(pl.col("moved")).max().alias("motion top speed"),
        (-pl.col("lineset_secs").first()).alias("line set to snap (s)"))
    return per.unpivot(index=[*PLAY, *LABELS], variable_name="metric", value_name="value") \
        .drop_nulls("value")


def defender_response(win: pl.DataFrame) -> pl.DataFrame:
    """Per play with motion: mean speed of the defender nearest the motion man over the
    frames he moves at ``MOVING`` or faster."""
    mot = win.filter((pl.col("side") == "offense") & pl.col("group").is_in(
        list(RECEIVER_GROUPS)) & (pl.col("s") >= MOVING)).select(
        *PLAY, *LABELS, "frameId", pl.col("nflId").alias("mover"),
        pl.col("depth").alias("m_depth"), pl.col("width").alias("m_width"))
    dfn = win.filter(pl.col("side") == "defense").select(
        *PLAY, "frameId", "depth", "width", "s")
    pairs = mot.join(dfn, on=[*PLAY, "frameId"], how="inner").with_columns(
        ((pl.col("depth") - pl.col("m_depth")).pow(2)
         + (pl.col("width") - pl.col("m_width")).pow(2)).sqrt().alias("dist"))
    key = [*PLAY, "frameId", "mover"]
    near = pairs.filter(pl.col("dist") == pl.col("dist").min().over(key)).unique(key)
    return near.group_by([*PLAY, *LABELS]).agg(pl.col("s").mean().alias("value")) \
        .with_columns(pl.lit("nearest defender speed during motion").alias("metric"))


def motion_metrics(frames: pl.LazyFrame) -> pl.DataFrame:
    """Every movement figure, long, with ``moment = "line set → snap"``."""
    win = window(frames)
    out = pl.concat([play_motion(win).select(*PLAY, *LABELS, "metric", "value"),
                     defender_response(win).select(*PLAY, *LABELS, "metric", "value")])
    return out.with_columns(pl.lit("line set → snap").alias("moment"),
                            pl.col("value").cast(pl.Float64)).select(OUT)


def motion_men_by_position(plays: pl.DataFrame, player_play: pl.DataFrame | None,
                           positions: pl.DataFrame) -> pl.DataFrame:
    """Label table (table, level, value, n): who the motion men are. A motion man is flagged
    ``motionSinceLineset`` or ``inMotionAtBallSnap``; per position group, his share of all
    motion men (n = motion men) and the rate of plays with one (n = plays). The defense's
    answer depends on who moves (a back out of the backfield draws a linebacker, a receiver
    a corner), so the simulator's mover mix must be the real one."""
    flags = ("motionSinceLineset", "inMotionAtBallSnap")
    out = {"table": pl.String, "level": pl.String, "value": pl.Float64, "n": pl.Int64}
    if player_play is None or not all(f in player_play.columns for f in flags):
        return pl.DataFrame(schema=out)
    keys = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64))
    pp = (player_play.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                             pl.col("nflId").cast(pl.Int64),
                             pl.any_horizontal(*[pl.col(f).cast(pl.Boolean, strict=False)
                                                 .fill_null(False) for f in flags])
                             .alias("moved"))
          .join(keys, on=PLAY, how="inner")
          .join(positions, on="nflId", how="left")
          .with_columns(pl.col("group").fill_null("UNK")))
    men = pp.filter(pl.col("moved") & pl.col("group").is_in(list(RECEIVER_GROUPS)))
    n_plays = keys.unique().height
    share = men.group_by("group").len().select(
        pl.lit("motion men by position (share)").alias("table"), pl.col("group").alias("level"),
        (pl.col("len") / pl.col("len").sum()).alias("value"),
        pl.col("len").sum().cast(pl.Int64).alias("n"))
    rate = men.unique([*PLAY, "group"]).group_by("group").len().select(
        pl.lit("plays with a motion man of the position (rate)").alias("table"),
        pl.col("group").alias("level"), (pl.col("len") / max(n_plays, 1)).alias("value"),
        pl.lit(n_plays).cast(pl.Int64).alias("n"))
    return pl.concat([share, rate]).cast(out)
