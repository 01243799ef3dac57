"""``coverage simulate``: a synthetic season in the official Big Data Bowl schema.

Its own module so that, below the opener, no module reaches both the simulator and ingest.
"""

from __future__ import annotations

import argparse
import json

from coverage.commands.common import SEED, bounded_number

# a 2022-like season: 13-16 games a week, ~120 plays a game, real pre-snap lengths
REAL_SIZE = {"games_per_week": "16,14,15,13,16,14,15,13,16", "plays_per_game": "120",
             "approach_secs": "3:7", "after_set_secs": "2:15", "post_snap_secs": "2:3.5"}
SIM_DEFAULTS = {"games_per_week": "4", "plays_per_game": "40", "approach_secs": "0.8:2",
                "after_set_secs": "2.5:10", "post_snap_secs": "2:3"}


def _ints(text: str, option: str) -> int | list[int]:
    """``N`` (every week) or ``N1,N2,...`` (one per week) for a size option."""
    from coverage.errors import DataError

    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise DataError(f"{option} {text!r} is not a whole number or a comma list of them",
                        column=option, expected="e.g. 16 or 16,14,15 (one per week)") from None
    return values[0] if len(values) == 1 else values


def _ranges(text: str, option: str) -> tuple[float, float] | list[tuple[float, float]]:
    """``LO:HI`` seconds (every week) or ``LO:HI,LO:HI,...`` (one per week)."""
    from coverage.errors import DataError

    try:
        values = [(float(lo), float(hi)) for lo, hi in (v.split(":") for v in text.split(","))]
    except ValueError:
        raise DataError(f"{option} {text!r} is not a LO:HI range in seconds or a comma list "
                        "of them", column=option,
                        expected="e.g. 2:15 or 2:15,1.5:6 (one per week)") from None
    return values[0] if len(values) == 1 else values


def _cmd_simulate(args: argparse.Namespace) -> int:
    from coverage.simulate import simulate_season

    preset = dict(REAL_SIZE if args.real_size else SIM_DEFAULTS)
    if args.real_size:  # the 13-16 games pattern, cycled over however many weeks
        pattern = preset["games_per_week"].split(",")
        preset["games_per_week"] = ",".join(pattern[w % len(pattern)] for w in range(args.weeks))
    opt = {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in preset.items()}
    summary = simulate_season(
        args.out_dir, seed=args.seed, weeks=args.weeks,
        games_per_week=_ints(opt["games_per_week"], "--games-per-week"),
        plays_per_game=_ints(opt["plays_per_game"], "--plays-per-game"),
        approach_secs=_ranges(opt["approach_secs"], "--approach-secs"),
        after_set_secs=_ranges(opt["after_set_secs"], "--after-set-secs"),
        post_snap_secs=_ranges(opt["post_snap_secs"], "--post-snap-secs"))
    print(json.dumps(summary, indent=2))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="generate a synthetic season in the official schema",
                       description="Each size or phase option takes one value for every week "
                       "or a comma list with one per week. Tracking is streamed to disk game "
                       "by game, so memory stays flat however large a week is.")
    p.add_argument("out_dir", metavar="OUT_DIR")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--weeks", type=bounded_number(1, 52, whole=True), default=9)
    p.add_argument("--real-size", action="store_true",
                   help="a 2022-like season: games per week " + REAL_SIZE["games_per_week"]
                   + ", 120 plays per game, approach 3:7 s, line set to snap 2:15 s "
                   "(the options below override it)")
    p.add_argument("--games-per-week", default=None, metavar="N[,N...]",
                   help="games per week, at most 16 (default 4)")
    p.add_argument("--plays-per-game", default=None, metavar="N[,N...]",
                   help="plays per game (default 40)")
    p.add_argument("--approach-secs", default=None, metavar="LO:HI[,...]",
                   help="huddle break to line set, seconds drawn in LO..HI (default 0.8:2)")
    p.add_argument("--after-set-secs", default=None, metavar="LO:HI[,...]",
                   help="line set to snap, seconds (default 2.5:10; real tracking ~2:15)")
    p.add_argument("--post-snap-secs", default=None, metavar="LO:HI[,...]",
                   help="tracking kept after the snap, seconds (default 2:3)")
    p.set_defaults(func=_cmd_simulate)
