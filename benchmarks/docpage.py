"""The pages under ``docs/benchmarks/`` that the benchmarks write about themselves.

A figure is only worth reading beside when, where and how it was taken, so every page
opens with the date, the machine, the software, the commit and the exact command that
produced it, and the figures below come from the run itself rather than from a hand copy.
Each benchmark prints as before; ``--no-doc`` makes it print only.

Lives beside the benchmarks, outside the installed package: a script run as
``python benchmarks/bench_x.py`` finds it through its own folder on ``sys.path``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "docs" / "benchmarks"

Sections = Sequence[tuple[str, str]] | str
_ADDED: list[tuple[str, str]] = []  # sections a running benchmark adds before its output


def add_flag(ap: argparse.ArgumentParser) -> None:
    """The shared ``--no-doc`` switch: a run for a quick look must not replace the page."""
    ap.add_argument("--no-doc", action="store_true",
                    help="print only; do not rewrite the page under docs/benchmarks/")


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _cpu() -> tuple[str, bool | None]:
    """CPU model and whether it multiplies bf16 in hardware (None: unknown)."""
    info = _read("/proc/cpuinfo")
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                  if line.startswith("model name")), "") or platform.processor() or "unknown"
    flags = next((line.split(":", 1)[1].split() for line in info.splitlines()
                  if line.startswith("flags")), None)
    bf16 = None if flags is None else bool({"avx512_bf16", "amx_bf16"} & set(flags))
    return model, bf16


def _memory_gib() -> float | None:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return None


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                             timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def commit() -> str:
    """Short commit of the tree the figures came from, ``+dirty`` when it had edits."""
    head = _git("rev-parse", "--short", "HEAD")
    if not head:
        return "unknown"
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return head + ("+dirty" if dirty else "")


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command as typed from the repository root: interpreter, script and arguments."""
    exe = Path(os.path.normpath(sys.executable))  # not resolved: the venv's link is the point
    with contextlib.suppress(ValueError):
        exe = exe.relative_to(REPO)
    return shlex.join([str(exe) if exe.is_relative_to(".venv") else "python",
                       *(sys.argv if argv is None else argv)])


def machine() -> dict[str, str]:
    """The header's fields, each a short string."""
    model, bf16 = _cpu()
    mem = _memory_gib()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": (f"{model}, {os.cpu_count()} cores"
                    + (f", {mem:.0f} GiB memory" if mem is not None else "")
                    + ("" if bf16 is None else f", bf16 in hardware: {'yes' if bf16 else 'no'}")),
        "load": "unknown" if load is None else f"{load:.1f} (1-minute load average at writing)",
        "os": platform.platform(),
        "software": (f"Python {platform.python_version()}, torch {_version('torch')}, "
                     f"polars {_version('polars')}"),
        "commit": commit(),
    }


def _cell(v: object) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        a = abs(v)
        text = (f"{v:,.0f}" if a >= 1000 else f"{v:.1f}" if a >= 100
                else f"{v:.2f}" if a >= 1 else f"{v:.3f}")
        return text
    if isinstance(v, int):
        return f"{v:,}"
    return str(v).replace("|", "\\|").replace("\n", " ")


def table(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None) -> str:
    """A Markdown table of ``rows`` (the first row's keys unless ``columns`` names them)."""
    if not rows:
        return "(no rows)"
    cols = list(columns) if columns is not None else list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    lines += ["| " + " | ".join(_cell(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def code(text: str) -> str:
    """Printed output as it appeared, in a fenced block."""
    return "```text\n" + text.rstrip("\n") + "\n```"


@contextlib.contextmanager
def captured() -> Iterator[io.StringIO]:
    """Tee stdout: everything printed still reaches the terminal and is kept for the page."""
    buf = io.StringIO()
    real = sys.stdout

    class _Tee(io.TextIOBase):
        def write(self, s: str) -> int:
            buf.write(s)
            return real.write(s)

        def flush(self) -> None:
            real.flush()

    with contextlib.redirect_stdout(_Tee()):
        yield buf


def render(title: str, sections: Sections, command: str) -> str:
    """The page's Markdown: the header, then each ``(heading, body)``."""
    m = machine()
    head = [f"# {title}", "",
            "Written by the benchmark itself; rerun the command below to refresh it "
            "(figures from another machine or load are not comparable).", "",
            table([{"field": k, "value": f"`{v}`" if k == "command" else v}
                   for k, v in {**m, "command": command}.items()]), ""]
    body = [(None, sections)] if isinstance(sections, str) else list(sections)
    for heading, text in body:
        if heading:
            head += [f"## {heading}", ""]
        head += [text.rstrip("\n"), ""]
    return "\n".join(head)


def write_page(name: str, title: str, sections: Sections, *, command: str) -> Path:
    """Write ``docs/benchmarks/<name>.md`` whole or not at all (temp file + rename)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.md"
    text = render(title, sections, command)
    fd, tmp = tempfile.mkstemp(dir=OUT_DIR, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the page from other readers
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def publish(args: argparse.Namespace, name: str, title: str, sections: Sections) -> None:
    """``write_page`` with this process's command line, unless ``--no-doc`` was given."""
    if getattr(args, "no_doc", False):
        return
    path = write_page(name, title, sections, command=command_line())
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    print(f"wrote {shown}", file=sys.stderr)


def add_section(heading: str, body: str) -> None:
    """Put ``body`` (a table, say) on the page of the benchmark ``run`` is running."""
    _ADDED.append((heading, body))


def run(main: Callable[[], int | None], name: str, title: str, *, output: bool = True) -> int:
    """Run a benchmark's ``main`` and write its page from what it printed and added.

    The page is written only when ``main`` succeeds and ``--no-doc`` is absent (the
    script's parser declares the flag with ``add_flag``, so its ``--help`` lists it).
    ``output=False`` leaves the printed text off the page, for a benchmark whose added
    sections already hold all of it."""
    _ADDED.clear()
    with captured() as buf:
        rc = main()
    if rc:
        return rc
    sections = [*_ADDED, *([("Output", code(buf.getvalue()))] if output else [])]
    publish(argparse.Namespace(no_doc="--no-doc" in sys.argv[1:]), name, title, sections)
    return 0
