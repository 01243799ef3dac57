"""`coverage` command line: one entry point over the subcommands in coverage.commands.

The CLI only parses arguments and calls the same package functions the app
uses, so the two never disagree.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from coverage.commands import COMMAND_MODULES
from coverage.errors import CoverageError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coverage",
        description="Pre-snap man/zone coverage prediction from NFL tracking data.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
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
