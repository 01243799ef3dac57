"""``coverage export-gif``: the app's GIF download, from the command line.

Uses the same store reads and ``render_play_gif`` as the Play explorer page, so
a GIF made here is the one an analyst would download in the app.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from coverage.commands.common import check_output_file, parse_id
from coverage.errors import DataError

if TYPE_CHECKING:  # the handler imports them when it runs
    import polars as pl

    from coverage.store import Store


def _play_predictions(store: Store, game_id: int, play_id: int,
                      models: list[str] | None) -> pl.DataFrame | None:
    """One play's prediction rows (optionally only ``models``), or None when it has none.

    Same rows as ``coverage.app.play_data.play_predictions``, but without importing that
    module: it imports formation detection (and scipy) at start-up, which a GIF never uses.
    """
    import polars as pl

    preds = store.predictions(store.week_of(game_id))
    if preds is None or preds.height == 0:
        return None
    out = preds.filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id))
    if models:
        out = out.filter(pl.col("model").is_in(list(models)))
    return out if out.height else None


def _cmd_export_gif(args: argparse.Namespace) -> int:
    from coverage.app.provenance import provenance
    from coverage.export.gif import render_play_gif
    from coverage.store import Store

    if args.stride < 1:
        raise DataError(f"--stride must be >= 1, got {args.stride}")
    game_id, play_id = parse_id(args.game, "gameId"), parse_id(args.play, "playId")
    check_output_file(args.out, "GIF")  # the writer would create any missing folders
    store = Store.open(args.data)
    frames = store.play_frames(game_id, play_id)
    play = store.play_row(game_id, play_id)
    preds = _play_predictions(store, game_id, play_id, args.model or None)
    models = sorted(preds["model"].unique().to_list()) if preds is not None else []
    data = render_play_gif(frames, preds, play, path=args.out, frame_stride=args.stride,
                           fps=args.fps, model_labels=provenance(store, models).labels(),
                           applied_to=store.source)
    print(f"wrote {args.out} ({len(data) / 1024:.0f} KiB, play {game_id}/{play_id}, "
          f"models: {', '.join(models) or 'none'})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-gif", help="animated GIF of one play with its P(man) curve")
    p.add_argument("game", help="gameId")
    p.add_argument("play", help="playId")
    p.add_argument("-o", "--out", type=Path, required=True, help="output .gif path")
    p.add_argument("--store", "--data", dest="data", default=None,
                   help="store folder (default: embedded synthetic)")
    p.add_argument("--stride", type=int, default=1, help="keep every N-th frame (default 1)")
    p.add_argument("--fps", type=float, default=10.0,
                   help="playback in tracking frames per second (default 10 = real time at "
                   "any --stride; 20 = double speed)")
    p.add_argument("--model", action="append",
                   help="only this model's curve (repeatable; default: all in the store)")
    p.set_defaults(func=_cmd_export_gif)
