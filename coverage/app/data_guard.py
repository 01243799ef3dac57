"""Which folders a visitor may open from the sidebar's "Data folder" box.

The box is reachable by anyone who can load the app, so it must neither open nor
probe server folders outside the configured data root: every refused path gets the
same message, whether or not it exists, so the answer leaks nothing about the
server's filesystem. The operator's own ``--data`` never passes through here.
"""

from __future__ import annotations

import re
from pathlib import Path

from coverage.errors import DataError

# CommonMark lets a backslash make any ASCII punctuation literal
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&\"'])")


def md_text(value: object) -> str:
    """A value from the data files, made literal inside Streamlit Markdown: no image that
    loads an external address, no link, no emphasis or heading can come from the data."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(value).split()))

REFUSED = ("That folder cannot be opened here: the app only opens folders inside its data "
           "folder. Fix: give a folder inside it (a path relative to it works too), or ask "
           "whoever runs the app to start it with `--data DIR` or COVERAGE_DATA_ROOT=DIR.")


def allowed_data_folder(value: str, root: str | Path) -> Path:
    """The folder ``value`` names, resolved, when it lies inside ``root``; else DataError.

    A relative value is taken relative to ``root``. Symlinks and ``..`` are resolved
    before the check (on both sides), so neither a link inside the root nor a
    ``../`` escapes it. Nothing about the refused path is checked or reported.
    """
    text = value.strip()
    if not text or "\x00" in text:
        raise DataError(REFUSED)
    base = Path(root).expanduser().resolve()
    try:
        p = Path(text).expanduser()
        resolved = (p if p.is_absolute() else base / p).resolve()
    except (OSError, RuntimeError):  # unknown ~user, a symlink loop: refused like the rest
        raise DataError(REFUSED) from None
    if resolved != base and base not in resolved.parents:
        raise DataError(REFUSED)
    return resolved


def display_path(path: str | Path, repo: str | Path) -> str:
    """How a server path is shown to visitors: relative to the repository when inside it,
    else only its last two parts, so pages never spell out the server's folder tree. A
    relative path (what checkpoints record) says nothing of the server and is shown as is."""
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.resolve().relative_to(Path(repo).resolve()).as_posix() or "."
    except (ValueError, OSError):
        return "…/" + "/".join(p.parts[-2:])
