"""Errors that name exactly what is wrong with the user's input.

Analysts bring their own Kaggle downloads; when a file is missing or a column
was renamed, the message must say which file, which column and what we expected,
so the fix is obvious without reading a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

BRIEF_CHARS = 300
VALUE_CHARS = 80  # a value echoed in a message: enough to recognise it
PATH_CHARS = 1024  # a token with a slash is a file name: kept whole up to this
LINE_CHARS = 2000  # a whole error line, whatever it holds
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
# how a full disk reads once a library (polars, safetensors) has turned it into text
_NO_SPACE_TEXT = re.compile(r"no space left on device|disk quota exceeded|"
                            rf"os error (?:{errno.ENOSPC}|{errno.EDQUOT})\b", re.IGNORECASE)
_QUOTED = re.compile(rf"'[^'\n]{{{VALUE_CHARS + 1},}}'|\"[^\"\n]{{{VALUE_CHARS + 1},}}\"")
# a quoted value already cut, with the punctuation around it, stays under this
_TOKEN = re.compile(rf"\S{{{VALUE_CHARS + 16},}}")


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n] + "…"


def cut_values(message: str) -> str:
    """A message with every echoed value cut to about :data:`VALUE_CHARS` characters.

    Messages quote the user's values (a cell, an argument, a key) so the fix is obvious;
    a 5 MB cell must not become a 5 MB error line. Quoted values are cut, and so is any
    other long run without spaces, unless it reads as a file name (it holds a slash);
    the whole line is capped too. Applied where errors are shown, so every message gets
    it without each raise remembering to.
    """
    def quoted(m: re.Match[str]) -> str:
        q = m.group(0)
        return q[0] + _cut(q[1:-1], VALUE_CHARS) + q[-1]

    def token(m: re.Match[str]) -> str:
        t = m.group(0)
        keep = os.sep in t and len(t) <= PATH_CHARS
        return t if keep else _cut(t, VALUE_CHARS)

    return _cut(_TOKEN.sub(token, _QUOTED.sub(quoted, message)), LINE_CHARS)


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) is a full disk or an exhausted quota,
    which a library may have wrapped in its own error type and kept only as text."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, OSError) and cur.errno in NO_SPACE:
            return True
        if _NO_SPACE_TEXT.search(str(cur)[:BRIEF_CHARS * 4]):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def brief(exc: BaseException) -> str:
    """An unexpected error in one line: its type and first line, cut short, so a parser's
    or a toolchain's error never pastes file contents or a traceback into a message."""
    first = (str(exc).strip().splitlines() or [""])[0]
    if len(first) > BRIEF_CHARS:
        first = first[:BRIEF_CHARS] + "…"
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class CoverageError(Exception):
    """Base class for every error this package raises on purpose.

    Its text has every echoed value cut (:func:`cut_values`), wherever it is shown: the
    command line, an app page, an ingest report.
    """

    def __str__(self) -> str:
        return cut_values(super().__str__())


class DataError(CoverageError):
    """Bad or missing input data, with the file / column / play it concerns."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        play: tuple[int, int] | None = None,
        expected: str | None = None,
    ) -> None:
        self.file = file
        self.column = column
        self.play = play
        self.expected = expected
        parts = [message]
        if file:
            parts.append(f"file: {file}")
        if column:
            parts.append(f"column: {column}")
        if play:
            parts.append(f"play: gameId={play[0]} playId={play[1]}")
        if expected:
            parts.append(f"expected: {expected}")
        super().__init__(" | ".join(parts))


class CheckpointError(CoverageError):
    """A model checkpoint that cannot be used with this code or these features."""


class DiskFullError(CoverageError):
    """The disk (or the user's quota) filled up while writing an output: not bad input,
    and nothing half-written is left in place (writes are atomic)."""

    def __init__(self, path: object) -> None:
        self.path = path
        super().__init__(f"no space left on device while writing {path}; free some space "
                         "(or write elsewhere) and run the command again")


def json_object(path: str | Path, what: str, error: Callable[[str], CoverageError]
                ) -> dict[str, Any]:
    """The one JSON object a file must hold (a store's metadata, a source marker, a
    checkpoint's config); broken JSON or any other value is ``error(message)``, saying what
    the file holds instead."""
    try:
        out = json.loads(Path(path).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{what} is not valid JSON ({exc})") from None
    if not isinstance(out, dict):
        kind = "null" if out is None else type(out).__name__
        raise error(f"{what} holds a JSON {kind}, not an object")
    return out
