"""Argument helpers shared by the subcommands."""

from __future__ import annotations

import argparse

from coverage.errors import CoverageError


def parse_weeks(text: str | None) -> list[int] | None:
    """``"9"``, ``"1-7"`` or ``"1-3,8"`` -> week numbers; None when not given."""
    if not text:
        return None
    out: list[int] = []
    try:
        for part in text.split(","):
            a, _, b = part.partition("-")
            out += list(range(int(a), int(b) + 1)) if b else [int(a)]
    except ValueError:
        raise CoverageError(f"weeks {text!r}: expected week numbers such as 9, 1-7 or "
                            "1-3,8") from None
    return out


def add_data_argument(p: argparse.ArgumentParser, *names: str,
                      what: str = "a store, or a raw Big Data Bowl folder") -> None:
    p.add_argument(*(names or ("--data",)), default=None, dest="data",
                   help=f"{what} (default: the embedded synthetic season)")
