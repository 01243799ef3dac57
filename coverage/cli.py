"""`coverage` command line: one entry point over the subcommands in coverage.commands.

The CLI only parses arguments and calls the same package functions the app
uses, so the two never disagree. It is also the one error boundary: whatever
bad input a command meets (a missing file, text where a number belongs, a
read-only folder) ends as one ``error: ...`` line and exit status 2, while a
genuine bug keeps its traceback. ``--debug`` shows the traceback either way.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
import traceback
from pathlib import Path
from types import FrameType, TracebackType

from coverage.commands import COMMAND_MODULES
from coverage.errors import CoverageError, DiskFullError, cut_values, is_disk_full

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
PACKAGE_DIR = Path(__file__).resolve().parent


class _Parser(argparse.ArgumentParser):
    """Usage mistakes end like every other bad input: one line, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"error: {cut_values(message)} (see: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="coverage",
        description="Pre-snap man/zone coverage prediction from NFL tracking data.",
    )
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error instead of one line")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for p in sub.choices.values():  # `coverage ingest ... --debug` works too
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help=argparse.SUPPRESS)
    return parser


def _polars_error(exc: BaseException) -> bool:
    """Polars is imported by the commands, not here (``--help`` stays fast): an error can
    only be one of its if it is loaded."""
    pl = sys.modules.get("polars")
    return pl is not None and isinstance(exc, pl.exceptions.PolarsError)


def _package_frames(tb: TracebackType | None) -> list[FrameType]:
    """The package's own frames of a traceback, innermost first."""
    frames = [f for f, _ in traceback.walk_tb(tb)
              if Path(f.f_code.co_filename).resolve().is_relative_to(PACKAGE_DIR)]
    return frames[::-1]


def _is_file(value: object) -> bool:
    try:
        return isinstance(value, Path) and value.is_file()
    except OSError:  # an unreadable folder on the way: not the file we are looking for
        return False


def _files_in(frame: FrameType) -> dict[str, Path]:
    return {k: v for k, v in frame.f_locals.items() if _is_file(v)}


def _input_file(exc: BaseException) -> Path | None:
    """The file a parse error was reading, where the package's own frames show it.

    JSON and CSV parse errors do not carry a path. A JSON error carries the text, so the
    file holding exactly that text is the one; for a table, the innermost package frame
    that holds a file path (``scan_tracking(path)``) names it, unless it holds several
    and nothing says which (then no path beats a wrong one).
    """
    frames = _package_frames(exc.__traceback__)
    if isinstance(exc, json.JSONDecodeError):
        size = len(exc.doc.encode())
        for frame in frames:
            for f in _files_in(frame).values():
                with contextlib.suppress(OSError):
                    if f.stat().st_size == size and f.read_text(errors="replace") == exc.doc:
                        return f
        return None
    for frame in frames:
        files = _files_in(frame)
        if "path" in files:
            return files["path"]
        if files:
            return next(iter(files.values())) if len(files) == 1 else None
    return None


def _os_message(exc: OSError) -> str:
    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
    what = exc.strerror or type(exc).__name__
    hint = {
        NotADirectoryError: " (a folder was expected; is an output path an existing file?)",
        IsADirectoryError: " (a file was expected, not a folder)",
        PermissionError: " (is the folder read-only?)",
    }.get(type(exc), "")
    return f"{where}: {what}{hint}" if where else f"{what}{hint}"


def _written_file(exc: BaseException) -> str:
    """The file a write that filled the disk was writing: the error's own file name, else
    the innermost package frame's ``path`` (writes outside ``coverage.atomic`` keep it)."""
    name = getattr(exc, "filename", None)
    if name is not None:
        return str(name)
    for frame in _package_frames(exc.__traceback__):
        value = frame.f_locals.get("path")
        if isinstance(value, str | Path):
            return str(value)
    return "an output file"


def describe_input_error(exc: BaseException) -> str | None:
    """One line for an error that bad input causes; None for anything else (a bug)."""
    if isinstance(exc, CoverageError):
        return str(exc)
    if is_disk_full(exc):  # a full disk is no bad input, whichever file was being read
        return str(DiskFullError(_written_file(exc)))
    if isinstance(exc, OSError):
        return _os_message(exc)
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError) or _polars_error(exc):
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()),
                     type(exc).__name__)
        path = _input_file(exc)
        kind = "invalid JSON in" if isinstance(exc, json.JSONDecodeError) else "cannot read"
        return f"{kind} {path}: {first}" if path else f"{kind} input: {first}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        message = describe_input_error(exc)
        if message is None or args.debug:
            raise
        print(f"error: {cut_values(' '.join(message.split()))}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
