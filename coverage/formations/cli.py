"""`coverage formations STORE`: formation labels for every play of a store.

Also home of :func:`play_formations`, the one-row-per-play table that models
(as features) and the app (as filters) consume.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

from coverage.formations.efpi import EFPI

PLAY_COLUMNS = ("gameId", "playId", "off_formation", "off_alignment", "def_shell", "def_front")


def _weekly_frames(store_or_frames) -> list[pl.LazyFrame]:
    if isinstance(store_or_frames, pl.DataFrame | pl.LazyFrame):
        return [store_or_frames.lazy()]
    from coverage.store import Store

    store = store_or_frames if isinstance(store_or_frames, Store) else Store(store_or_frames)
    return [store.tracking(w) for w in store.weeks]


def play_formations(store_or_frames, every: str = "snap") -> pl.DataFrame:
    """One row per play: offense formation/alignment, defensive shell/front.

    Detected at the snap by default because that is where the official
    ``offenseFormation`` / ``receiverAlignment`` labels are charted; note that
    a model predicting at earlier frames then sees a snap-time label, so use
    ``every="lineset"``-style per-frame output (:class:`EFPI`) where strict
    causality matters. Bad frames are skipped, so a play may be missing.
    One week is processed at a time to keep memory flat.
    """
    parts = []
    for lf in _weekly_frames(store_or_frames):
        # At the snap keep one frame back so the detector can anchor on the set ball.
        wanted = (
            lf.filter(pl.col("secs_from_snap").is_between(-0.15, 0.05)) if every == "snap" else lf
        )
        forms = EFPI(wanted, on_bad="skip").fit(every=every).formations
        key = "frameId" if "frameId" in forms.columns else "segment"
        last = forms.sort(key).group_by("gameId", "playId", "side").last()
        off = last.filter(pl.col("side") == "offense").select(
            "gameId", "playId", pl.col("formation").alias("off_formation"),
            pl.col("alignment").alias("off_alignment"))
        de = last.filter(pl.col("side") == "defense").select(
            "gameId", "playId", pl.col("shell").alias("def_shell"),
            pl.col("front").alias("def_front"))
        parts.append(off.join(de, on=["gameId", "playId"], how="full", coalesce=True))
    if not parts:
        return pl.DataFrame(schema=dict.fromkeys(PLAY_COLUMNS, pl.String))
    return pl.concat(parts).select(PLAY_COLUMNS).sort("gameId", "playId")


def _cmd(args: argparse.Namespace) -> int:
    if args.every == "play-table":
        out = play_formations(args.store)
    else:
        from coverage.store import Store

        store = Store(args.store)
        outs = [
            EFPI(store.tracking(w), on_bad="skip").fit(
                every=args.every, change_threshold=args.change_threshold
            ).formations
            for w in store.weeks
        ]
        out = pl.concat(outs)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        out.write_parquet(args.output)
        print(f"{out.height} rows -> {args.output}")
    else:
        print(out)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "formations",
        help="detect offensive formations and defensive shells (template matching)",
    )
    p.add_argument("store", help="normalised store folder")
    p.add_argument(
        "--every",
        default="play",
        help="frame | play | lineset | snap | a window such as 500ms or 1s | play-table "
        "(one row per play with off_formation, off_alignment, def_shell, def_front)",
    )
    p.add_argument("--change-threshold", type=float, default=0.0,
                   help="keep the previous template unless the cost improves by this fraction")
    p.add_argument("-o", "--output", help="write the table to this parquet file")
    p.set_defaults(func=_cmd)
