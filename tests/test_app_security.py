"""The app binds to localhost by default and its "Data folder" box cannot open, or probe,
server folders outside the configured data root; the operator's --data is trusted."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from coverage.app.data_guard import REFUSED, allowed_data_folder, display_path
from coverage.errors import DataError

REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- the guard
@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "data"
    (r / "real" / "download").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (r / "escape").symlink_to(tmp_path / "outside")
    return r


def _refusal(value: str, root: Path) -> str:
    with pytest.raises(DataError) as info:
        allowed_data_folder(value, root)
    return str(info.value)


def test_folders_inside_the_root_are_allowed(root: Path) -> None:
    inside = root / "real" / "download"
    assert allowed_data_folder(str(inside), root) == inside.resolve()
    assert allowed_data_folder("real/download", root) == inside.resolve()  # relative to root
    assert allowed_data_folder("real/../real/download/", root) == inside.resolve()
    assert allowed_data_folder("not/there/yet", root) == (root / "not/there/yet").resolve()


@pytest.mark.parametrize("value", [
    "/etc", "/etc/passwd", "/", "../", "..", "../../etc", "real/../../outside",
    "/definitely/not/a/folder/anywhere", "escape", "escape/sub", "~", "~no_such_user_x/y",
    "   ", "a\x00b",
])
def test_everything_outside_gets_one_message(root: Path, value: str) -> None:
    assert _refusal(value, root) == REFUSED


def test_the_message_does_not_tell_existing_from_missing(root: Path, tmp_path: Path) -> None:
    existing, missing = tmp_path / "outside", tmp_path / "no_such_folder"
    assert _refusal(str(existing), root) == _refusal(str(missing), root) == REFUSED
    assert str(tmp_path) not in REFUSED


def test_the_root_comes_from_config(monkeypatch, tmp_path: Path) -> None:
    from coverage.config import data_root, data_root_allowed

    monkeypatch.delenv("COVERAGE_DATA_ROOT", raising=False)
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "d"))
    assert data_root_allowed() == data_root() == tmp_path / "d"
    monkeypatch.setenv("COVERAGE_DATA_ROOT", str(tmp_path / "elsewhere"))
    assert data_root_allowed() == tmp_path / "elsewhere"


def test_display_path_hides_the_server_tree(tmp_path: Path) -> None:
    assert display_path(REPO / "models" / "lstm", REPO) == "models/lstm"
    shown = display_path(tmp_path / "a" / "b" / "c", REPO)
    assert shown == "…/b/c" and str(tmp_path) not in shown


def test_errors_shown_in_the_page_never_carry_file_contents() -> None:
    from coverage.app.session import error_text
    from coverage.errors import BRIEF_CHARS

    ours = DataError("column renamed", file="plays.csv", column="gameId")
    assert error_text(ours) == f"DataError: {ours}"
    leak = ValueError("could not parse `x`\nrow 1: secret,line,of,the,file\nrow 2: more")
    assert error_text(leak) == "ValueError: could not parse `x`"
    long = error_text(RuntimeError("y" * 5000))
    assert len(long) <= BRIEF_CHARS + len("RuntimeError: …")


# --------------------------------------------------------------------------- the app
@pytest.fixture(scope="session")
def stores(tmp_path_factory) -> dict[str, Path]:
    from tests.builders.stores import build_real_stores

    return build_real_stores(tmp_path_factory.getbasetemp() / "honesty_stores")


@pytest.fixture
def app_env(monkeypatch, tmp_path: Path, stores):
    """An allowed root (with a link out of it), and the operator's own store outside it."""
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(stores["data_dir"]))
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(stores["shipped"]))
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "mine").symlink_to(stores["real"], target_is_directory=True)
    monkeypatch.setenv("COVERAGE_DATA_ROOT", str(allowed))
    monkeypatch.setenv("COVERAGE_DATA", str(stores["bare"]))  # the operator's --data
    return {"allowed": allowed, **stores}


def _run_with_folder(value: str | None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app_pages" / "1_Play_explorer.py"), default_timeout=60)
    at.run()
    if value is not None:
        at.sidebar.text_input(key="data_dir").input(value).run()
    return at


@pytest.mark.parametrize("value", ["/etc", "../", "../../../../etc/passwd",
                                   "/no/such/folder/at/all", "mine/../../allowed/../.."])
def test_sidebar_refuses_paths_outside_the_root_with_one_message(app_env, value) -> None:
    at = _run_with_folder(value)
    assert not at.exception
    assert [e.value for e in at.error] == [REFUSED]
    page = " ".join(e.value for kind in ("error", "info", "warning", "markdown", "caption")
                    for e in at.get(kind))
    assert "/etc" not in page and "passwd" not in page
    assert not at.get("code"), "no traceback or file contents on the page"
    assert not at.get("plotly_chart"), "a refused folder shows no data at all"


def test_a_link_inside_the_root_that_leads_out_is_refused(app_env) -> None:
    at = _run_with_folder("mine")
    assert [e.value for e in at.error] == [REFUSED]


def test_sidebar_opens_a_store_inside_the_root(app_env) -> None:
    shutil.copytree(app_env["real"], app_env["allowed"] / "copy")
    at = _run_with_folder("copy")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.sidebar.selectbox(key="model").value == "lstm"  # the store's own model


def test_operators_data_outside_the_root_is_trusted(app_env) -> None:
    at = _run_with_folder(None)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Real data" in s.value for s in at.success)


# --------------------------------------------------------------------------- binding
def test_make_app_binds_to_localhost_unless_told_otherwise() -> None:
    text = (REPO / "Makefile").read_text()
    recipe = re.search(r"^app:.*?(?=^\S|\Z)", text, re.S | re.M).group(0)
    assert "--server.address $(ADDRESS)" in recipe
    assert re.search(r"^ADDRESS\s*\?=\s*127\.0\.0\.1\s*$", text, re.M)
    readme = (REPO / "README.md").read_text()
    assert "ADDRESS=0.0.0.0" in readme and "COVERAGE_DATA_ROOT" in readme
