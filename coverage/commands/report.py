"""``coverage report``: the opponent scouting report of one defense as one HTML file.

The same :mod:`coverage.report` functions as the app's Scouting page, so the file a
coordinator gets is the page an analyst looked at.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from coverage.commands.common import (
    WEEKS_EXPECTED,
    add_data_argument,
    check_output_file,
    parse_weeks,
)


def _weeks(parts: list[str] | None) -> list[int] | None:
    """``--weeks 1 2 5``, ``--weeks 1-4`` or ``--weeks 1,3``: one sorted list."""
    if not parts:
        return None
    return sorted({w for p in parts for w in parse_weeks(p) or []})


def _cmd_report(args: argparse.Namespace) -> int:
    from coverage.atomic import write_bytes
    from coverage.opener import open_store
    from coverage.report import build_report
    from coverage.report.compare import compare_defenses, split_season
    from coverage.report.html import render_html

    check_output_file(args.out, "report")
    store = open_store(args.data)
    team, weeks = args.defense.strip().upper(), _weeks(args.weeks)
    if args.compare:
        report = compare_defenses(store, team, args.compare.strip().upper(), weeks)
    elif args.split_season:
        report = split_season(store, team, weeks)
    else:
        report = build_report(store, team, weeks)
    data = render_html(report, app_url=args.app_url).encode("utf-8")
    write_bytes(data, args.out)
    n = int(report.overall.filter(report.overall["scope"] == report.defense)["n_plays"].sum())
    who = report.defense + (f" vs {report.other}" if report.other else "")
    print(f"wrote {args.out} ({len(data) / 1024:.0f} KiB, {who} defense, "
          f"weeks {', '.join(map(str, report.weeks))}, {n} charted Man/Zone plays, "
          f"{report.source} data)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="scouting report of one defense's coverage (HTML)")
    p.add_argument("--defense", required=True,
                   help="the defense's club abbreviation, e.g. KC")
    p.add_argument("--weeks", nargs="+", metavar="WEEK",
                   help=f"weeks to cover ({WEEKS_EXPECTED}; default: every week)")
    side = p.add_mutually_exclusive_group()
    side.add_argument("--compare", metavar="TEAM2",
                      help="a second defense, drawn beside the first against the same league")
    side.add_argument("--split-season", action="store_true",
                      help="the defense's first half of the chosen weeks beside its second")
    p.add_argument("--app-url", default="http://localhost:8501", metavar="URL",
                   help="where the telling plays' links open the app (default: %(default)s, "
                   "`coverage app`'s address)")
    add_data_argument(p)
    p.add_argument("-o", "--out", type=Path, required=True, help="output .html path")
    p.set_defaults(func=_cmd_report)
