"""Where a user's Big Data Bowl files are, as people actually hand them over.

Kaggle ships the download as one zip, which unpacks into a folder that often holds a
folder of the same name; some users gzip the large tracking weeks to save disk. The
tables are scanned lazily and streamed, which neither an archive nor a gzip allows, so
those get an error saying what to run, and a folder whose files sit one level down is
used from there (with a note), instead of failing with "no tracking files".
"""

from __future__ import annotations

from pathlib import Path

from coverage.errors import DataError

EXPECTED = "a folder holding the Big Data Bowl CSV or parquet files"
# what an archive is called, and how to unpack it into DIR
_UNPACK = {
    ".zip": "unzip {path} -d DIR",
    ".gz": "gunzip --keep {path}",
    ".bz2": "bunzip2 --keep {path}",
    ".xz": "unxz --keep {path}",
    ".zst": "unzstd {path}",
    ".7z": "7z x {path} -oDIR",
    ".tar": "tar -xf {path} -C DIR",
    ".tgz": "tar -xzf {path} -C DIR",
}
_TABLE = (".csv", ".parquet")


def _archive_kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return suffix if suffix in _UNPACK else None


def unpack_hint(path: Path) -> str:
    """The command that unpacks ``path`` (an archive or a compressed table)."""
    return _UNPACK[path.suffix.lower()].format(path=path)


def _holds_tables(folder: Path) -> bool:
    return any((folder / f"plays{ext}").is_file() for ext in _TABLE)


def compressed_tables(folder: Path) -> list[Path]:
    """Archives and compressed files in ``folder`` (sorted): what may hold the tables."""
    try:
        found = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                 and _archive_kind(p) is not None]
    except OSError:
        return []
    return sorted(found)


def _names(found: list[Path]) -> str:
    return ", ".join(p.name for p in found[:4]) + (" …" if len(found) > 4 else "")


def compressed_note(folder: Path) -> str:
    """A sentence for an error about a missing table, when archives may hold it ('' if
    none)."""
    found = compressed_tables(folder)
    if not found:
        return ""
    return (f"; {folder} holds compressed files ({_names(found)}), which are not read: "
            f"unpack them first (e.g. {unpack_hint(found[0])})")


def unread_note(folder: Path) -> tuple[str, ...]:
    """A note when archives lie beside the tables read (a week left gzipped would
    otherwise be missing without a word)."""
    found = compressed_tables(folder)
    if not found:
        return ()
    return (f"compressed files not read: {_names(found)} (unpack them to use them, e.g. "
            f"{unpack_hint(found[0])})",)


def locate(root: str | Path) -> tuple[Path, tuple[str, ...]]:
    """The folder the tables are in, and notes on how it was found.

    ``root`` itself when it holds plays.csv / plays.parquet; else its one subfolder that
    does (the usual shape of an unpacked Kaggle zip). An archive or any other file is
    refused with the command that helps.
    """
    root = Path(root)
    if root.is_file():
        if _archive_kind(root) is not None:
            raise DataError(
                f"{root.name} is an archive, not a folder: unpack it first "
                f"({unpack_hint(root)}) and pass the folder it makes",
                file=str(root), expected=EXPECTED)
        raise DataError(f"{root} is a file, not a folder: pass the folder that holds it",
                        file=str(root), expected=EXPECTED)
    if not root.is_dir():
        raise DataError(f"data folder not found: {root}", file=str(root), expected=EXPECTED)
    if _holds_tables(root):
        return root, ()
    try:
        inner = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                 and _holds_tables(p)]
    except OSError:
        inner = []
    if len(inner) > 1:
        raise DataError(
            f"several folders inside {root} hold the tables "
            f"({', '.join(sorted(p.name for p in inner))}): pass one of them",
            file=str(root), expected=EXPECTED)
    if len(inner) == 1:
        return inner[0], (f"the files are in {inner[0].name}/ inside {root}: using them "
                          "from there",)
    return root, ()
