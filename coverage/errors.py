"""Errors that name exactly what is wrong with the user's input.

Analysts bring their own Kaggle downloads; when a file is missing or a column
was renamed, the message must say which file, which column and what we expected,
so the fix is obvious without reading a traceback.
"""

from __future__ import annotations

BRIEF_CHARS = 300


def brief(exc: BaseException) -> str:
    """An unexpected error in one line: its type and first line, cut short, so a parser's
    or a toolchain's error never pastes file contents or a traceback into a message."""
    first = (str(exc).strip().splitlines() or [""])[0]
    if len(first) > BRIEF_CHARS:
        first = first[:BRIEF_CHARS] + "…"
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class CoverageError(Exception):
    """Base class for every error this package raises on purpose."""


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
