"""``coverage export-gif``: the app's GIF download, from the command line.

Uses the same store reads and ``render_play_gif`` as the Play explorer page, so
a GIF made here is the one an analyst would download in the app.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from coverage.commands.common import bounded_number, check_output_file, parse_id
from coverage.errors import DataError

# A play is at most a few hundred 10 Hz frames: a larger stride keeps one frame either way.
# GIF players show 50 frames a second at most and a frame at most about 11 minutes.
MAX_STRIDE = 1000
MIN_FPS, MAX_FPS = 0.01, 1000.0


def _cmd_export_gif(args: argparse.Namespace) -> int:
    from coverage.app.play_data import play_predictions
    from coverage.app.provenance import provenance
    from coverage.export.gif import render_play_gif
    from coverage.opener import open_tracking_store

    game_id, play_id = parse_id(args.game, "gameId"), parse_id(args.play, "playId")
    check_output_file(args.out, "GIF")  # the writer would create any missing folders
    store = open_tracking_store(args.data)
    frames = store.play_frames(game_id, play_id)
    play = store.play_row(game_id, play_id)
    every = play_predictions(store.predictions(store.week_of(game_id)), game_id, play_id)
    has = sorted(every["model"].unique().to_list()) if every is not None else []
    missing = sorted(set(args.model or ()) - set(has))
    if missing:  # a curve asked for by name is never left out without a word
        raise DataError(f"no predictions of {', '.join(missing)} for play {game_id}/{play_id} "
                        "in this store", file=str(store.root), play=(game_id, play_id),
                        expected=f"--model one of: {', '.join(has) or 'none (run predict)'}")
    preds = play_predictions(every, game_id, play_id, args.model or None)
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
    p.add_argument("--stride", type=bounded_number(1, MAX_STRIDE, whole=True), default=1,
                   help=f"keep every N-th frame, 1 to {MAX_STRIDE} (default 1)")
    p.add_argument("--fps", type=bounded_number(MIN_FPS, MAX_FPS), default=10.0,
                   help=f"playback in tracking frames per second, {MIN_FPS:g} to {MAX_FPS:g} "
                   "(default 10 = real time at any --stride; 20 = double speed)")
    p.add_argument("--model", action="append",
                   help="only this model's curve (repeatable; default: all in the store)")
    p.set_defaults(func=_cmd_export_gif)
