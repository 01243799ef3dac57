"""The benchmark pages: a header that says when, where and how, tables that render."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture()
def docpage(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("docpage", BENCH / "docpage.py")
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "docpage", mod)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "OUT_DIR", tmp_path / "pages")
    return mod


def _header(text: str) -> dict[str, str]:
    return dict(re.findall(r"^\| (\w+) \| (.+) \|$", text, flags=re.M))


def test_page_header_names_date_machine_software_commit_and_command(docpage):
    rows = [{"step": "ingest", "seconds": 12.345, "ok": True},
            {"step": "a|b", "seconds": 1234.5, "ok": None}]
    path = docpage.write_page(
        "demo", "Demo figures",
        [("Timings", docpage.table(rows)), ("Output", docpage.code("x 1\ny 2\n"))],
        command="python benchmarks/bench_demo.py --quick")
    assert path == docpage.OUT_DIR / "demo.md"
    text = path.read_text()
    assert text.startswith("# Demo figures\n")
    head = _header(text)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", head["date"])
    assert f"{os.cpu_count()} cores" in head["machine"]
    assert "GiB memory" in head["machine"]
    assert head["command"] == "`python benchmarks/bench_demo.py --quick`"
    assert re.fullmatch(r"([0-9a-f]{4,}(\+dirty)?|unknown)", head["commit"])
    for part in ("Python ", "torch ", "polars "):
        assert part in head["software"]
    assert head["os"]
    # the sections in order, the table's cells formatted and escaped
    assert text.index("## Timings") < text.index("## Output")
    assert ("| step | seconds | ok |\n| --- | --- | --- |\n| ingest | 12.35 | yes |\n"
            "| a\\|b | 1,234 | – |") in text
    assert "```text\nx 1\ny 2\n```" in text
    assert not [p for p in docpage.OUT_DIR.iterdir() if p.name != "demo.md"]  # no temp left
    assert path.stat().st_mode & 0o777 == 0o644


def test_table_takes_the_columns_given_and_says_when_empty(docpage):
    assert docpage.table([]) == "(no rows)"
    assert docpage.table([{"a": 1, "b": 0.25}], columns=["b"]) == "| b |\n| --- |\n| 0.250 |"


def test_no_doc_prints_only_and_a_failed_write_keeps_the_old_page(docpage, monkeypatch):
    ap = argparse.ArgumentParser()
    docpage.add_flag(ap)
    docpage.publish(ap.parse_args(["--no-doc"]), "quiet", "Quiet", "body")
    assert not (docpage.OUT_DIR / "quiet.md").exists()
    docpage.publish(ap.parse_args([]), "quiet", "Quiet", "first body")
    page = docpage.OUT_DIR / "quiet.md"
    assert "first body" in page.read_text()

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(docpage.os, "replace", boom)
    with pytest.raises(OSError):
        docpage.write_page("quiet", "Quiet", "second body", command="x")
    assert "first body" in page.read_text()
    assert [p.name for p in docpage.OUT_DIR.iterdir()] == ["quiet.md"]


def test_captured_output_still_reaches_the_terminal(docpage, capsys):
    with docpage.captured() as buf:
        print("figure 1.5 s")
    assert buf.getvalue() == "figure 1.5 s\n"
    assert capsys.readouterr().out == "figure 1.5 s\n"


def test_run_writes_the_page_from_what_main_printed_and_added(docpage, monkeypatch):
    def main() -> None:
        print("ingest: 4.3 s")
        docpage.add_section("Steps", docpage.table([{"step": "ingest", "seconds": 4.3}]))

    monkeypatch.setattr(sys, "argv", ["benchmarks/bench_demo.py", "--plays", "3"])
    assert docpage.run(main, "demo", "Demo") == 0
    text = (docpage.OUT_DIR / "demo.md").read_text()
    assert _header(text)["command"].endswith(" benchmarks/bench_demo.py --plays 3`")
    assert text.index("## Steps\n\n| step | seconds |") < text.index(
        "## Output\n\n```text\ningest: 4.3 s\n```")
    # a failing run or --no-doc leaves the page as it was
    assert docpage.run(lambda: 1, "demo", "Demo") == 1
    monkeypatch.setattr(sys, "argv", ["benchmarks/bench_demo.py", "--no-doc"])
    assert docpage.run(lambda: print("other"), "demo", "Demo") == 0
    assert (docpage.OUT_DIR / "demo.md").read_text() == text


def test_every_benchmark_writes_a_page_listed_in_the_index():
    index = (BENCH.parent / "docs" / "benchmarks" / "README.md").read_text()
    # the scripts (bench_*.py); docpage, flops, faithfulness are modules they import
    scripts = sorted(BENCH.glob("bench_*.py"))
    assert scripts
    for script in scripts:
        found = re.search(r'docpage\.run\(main, "(\w+)"', script.read_text())
        assert found, f"{script.name} does not write its page"
        assert f"[{found.group(1)}.md]({found.group(1)}.md)" in index, script.name
        assert f"benchmarks/{script.name}" in index, script.name
