"""Turn an attribution into a short list of human-readable "tells".

A tell is a (player, moment) where removing the player moved P(man) most, phrased the
way a coach would say it: ``CB #24 followed motion of WR #11 at −2.3 s: +0.31``. The
"followed motion" reading is a geometric check, not a model output: over the second
before the moment, a receiver moved laterally and the defender's lateral velocity tracked
his (uncentred correlation of frame-to-frame ``y`` steps), which is what man coverage
looks like pre-snap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from coverage.explain.attribution import PlayAttribution
from coverage.players import tag_expr

FOLLOW_WINDOW_S = 1.5
MIN_RECEIVER_SHIFT = 2.0    # yards of lateral motion that make a "moving receiver"
MIN_DEFENDER_SHIFT = 1.0
MIN_CORRELATION = 0.6


@dataclass
class Tell:
    nflId: int
    side: str
    label: str            # "CB #24"
    frameId: int
    secs: float
    value: float          # signed change of P(man)
    followed: str | None  # "WR #11" when the defender followed his motion
    text: str


def _labels(frames: pl.DataFrame, players: pl.DataFrame | None) -> pl.DataFrame:
    who = (frames.filter(pl.col("side") != "ball")
           .group_by("nflId").agg(pl.col("side").first(), pl.col("jerseyNumber").first(),
                                  pl.col("displayName").first()))
    if players is not None and "position" in players.columns:
        who = who.join(players.select(pl.col("nflId").cast(pl.Int64), "position"),
                       on="nflId", how="left")
    else:
        who = who.with_columns(pl.lit(None, pl.String).alias("position"))
    return who.with_columns(pl.concat_str(
        pl.col("position").fill_null(pl.col("side").str.slice(0, 3).str.to_uppercase()),
        pl.lit(" "), tag_expr()).alias("label"))


def followed_motion(frames: pl.DataFrame, defender: int, frame_id: int,
                    window_s: float = FOLLOW_WINDOW_S) -> int | None:
    """nflId of the moving receiver whose lateral motion ``defender`` mirrored, or None."""
    n = int(round(window_s * 10))
    win = frames.filter(pl.col("frameId").is_between(frame_id - n, frame_id)
                        & (pl.col("side") != "ball"))
    wide = win.pivot(on="nflId", index="frameId", values="y", aggregate_function="first"
                     ).sort("frameId")
    if wide.height < 5 or str(defender) not in wide.columns:
        return None
    side = dict(win.select("nflId", "side").unique().iter_rows())
    d = wide[str(defender)].to_numpy()
    if np.isnan(d).any() or abs(d[-1] - d[0]) < MIN_DEFENDER_SHIFT:
        return None
    best, best_r = None, MIN_CORRELATION
    for col in wide.columns[1:]:
        if side.get(int(col)) != "offense":
            continue
        r_y = wide[col].to_numpy()
        if np.isnan(r_y).any() or abs(r_y[-1] - r_y[0]) < MIN_RECEIVER_SHIFT:
            continue
        dv, rv = np.diff(d), np.diff(r_y)
        # uncentred: two players moving the same way at constant speed count as following
        corr = float(dv @ rv / (np.linalg.norm(dv) * np.linalg.norm(rv) + 1e-9))
        if corr > best_r:
            best, best_r = int(col), corr
    return best


def _fmt_secs(s: float) -> str:
    return f"{s:+.1f} s".replace("-", "−")


def tells(attr: PlayAttribution, frames: pl.DataFrame, players: pl.DataFrame | None = None,
          n: int = 5, min_abs: float = 0.02) -> list[Tell]:
    """The ``n`` players whose removal moved P(man) most (each at his peak frame)."""
    who = {r["nflId"]: r for r in _labels(frames, players).iter_rows(named=True)}
    peak_t = np.abs(attr.values).argmax(0)                         # [Q]
    peak_v = attr.values[peak_t, np.arange(attr.nfl_ids.size)]
    out: list[Tell] = []
    for q in np.argsort(-np.abs(peak_v))[:n]:
        v = float(peak_v[q])
        if abs(v) < min_abs:
            break
        pid, t = int(attr.nfl_ids[q]), int(peak_t[q])
        info = who.get(pid, {"side": "?", "label": f"#{pid}"})
        fid, secs = int(attr.frame_ids[t]), float(attr.secs[t])
        followed = None
        if info["side"] == "defense":
            rid = followed_motion(frames, pid, fid)
            followed = who[rid]["label"] if rid is not None and rid in who else None
        what = f"followed motion of {followed}" if followed else (
            "alignment/movement" if info["side"] == "defense" else "alignment/motion")
        text = f"{info['label']} {what} at {_fmt_secs(secs)}: {v:+.2f}".replace("+0.", "+0.")
        out.append(Tell(pid, info["side"], info["label"], fid, secs, v, followed, text))
    return out
