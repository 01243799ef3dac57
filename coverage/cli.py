"""`coverage` command line: one entry point, subcommands registered by each package area.

The CLI only parses arguments and calls the same package functions the app
uses, so the two never disagree.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from coverage.errors import CoverageError

# Each module exposes register(subparsers); a missing optional area is skipped.
_AREAS = (
    "coverage.simulate.cli",
    "coverage.formations.cli",
    "coverage.models.cli",
    "coverage.export.cli",
)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from coverage.ingest import ingest

    weeks = [int(w) for w in args.weeks.split(",")] if args.weeks else None
    report = ingest(args.raw_dir, args.out, weeks=weeks, progress=not args.quiet,
                    force=args.force)
    print(report.summary())
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from coverage.store import open_store

    store = open_store(args.store)
    plays = store.plays()
    print(store)
    print(f"plays: {plays.height}  games: {plays['gameId'].n_unique()}  weeks: {store.weeks}")
    print(plays["pff_manZone"].value_counts(sort=True))
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from coverage.serving import ensure_predictions
    from coverage.store import build_default_store

    store = build_default_store(progress=not args.quiet, force=args.force)
    ensure_predictions(store, log=None if args.quiet else print)
    print(f"embedded synthetic store ready: {store.path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coverage",
        description="Pre-snap man/zone coverage prediction from NFL tracking data.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="convert Big Data Bowl CSV/parquet files into a store")
    p.add_argument("raw_dir", help="folder with games/plays/players/player_play/tracking_week_N")
    p.add_argument("--out", "-o", required=True, help="store folder to write")
    p.add_argument("--weeks", help="comma-separated weeks to ingest (default: all found)")
    p.add_argument("--force", action="store_true", help="re-read inputs even if unchanged")
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("info", help="summarise a store (default: the embedded synthetic one)")
    p.add_argument("store", nargs="?", default=None)
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("init", help="generate the embedded synthetic season store and run the "
                       "shipped models over it")
    p.add_argument("--force", action="store_true")
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(func=_cmd_init)

    for mod in _AREAS:
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name and mod.startswith(exc.name):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CoverageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
