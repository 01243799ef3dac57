"""``coverage simulate``: write a synthetic season from the command line."""

from __future__ import annotations

import argparse
import json

from coverage.simulate.season import simulate_season


def _run(args: argparse.Namespace) -> int:
    summary = simulate_season(args.out_dir, seed=args.seed, weeks=args.weeks,
                              games_per_week=args.games_per_week,
                              plays_per_game=args.plays_per_game)
    print(json.dumps(summary, indent=2))
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``simulate`` sub-command; the handler is stored as ``func``."""
    p = subparsers.add_parser("simulate", help="generate a synthetic season in the official schema")
    p.add_argument("out_dir", metavar="OUT_DIR")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--weeks", type=int, default=9)
    p.add_argument("--games-per-week", type=int, default=4)
    p.add_argument("--plays-per-game", type=int, default=40)
    p.set_defaults(func=_run)
    return p
