"""A running app follows a re-ingest: after the store's generation is switched (twice, so
the one it first read is deleted) the next rerun reads the live one, with no restart."""

from __future__ import annotations

import pytest

from coverage.ingest import ingest
from coverage.simulate import simulate_season
from coverage.store import Store
from tests.builders.apptest import assert_clean
from tests.builders.stores import fake_checkpoint, write_predictions

PAGES = ["app_pages/0_Overview.py", "app_pages/1_Play_explorer.py",
         "app_pages/2_Accuracy.py", "app_pages/3_Teams.py"]


@pytest.fixture(scope="module")
def raws(tmp_path_factory):
    base = tmp_path_factory.mktemp("follow_raw")
    simulate_season(base / "a", seed=21, weeks=2, games_per_week=1, plays_per_game=6)
    simulate_season(base / "b", seed=22, weeks=2, games_per_week=1, plays_per_game=9)
    return base / "a", base / "b"


def _plays_metric(at) -> str:
    return next(m.value for m in at.metric if m.label == "Plays")


@pytest.mark.parametrize("page", PAGES)
def test_a_running_page_follows_two_reingests(raws, tmp_path, monkeypatch, page):
    from streamlit.testing.v1 import AppTest

    from tests.builders.apptest import REPO

    a, b = raws
    store_dir = tmp_path / "store"
    ingest(a, store_dir, progress=False)
    write_predictions(Store(store_dir))
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(fake_checkpoint(tmp_path / "models")))
    monkeypatch.setenv("COVERAGE_DATA", str(store_dir))
    at = AppTest.from_file(str(REPO / page), default_timeout=60)
    game, play = Store(store_dir).plays().select("gameId", "playId").row(-1)
    at.query_params.update({"game": str(game), "play": str(play)})  # a play of the old data
    at.run()
    assert_clean(at)
    first, first_plays = Store(store_dir).path, Store(store_dir).plays().height
    ingest(b, store_dir, progress=False)
    write_predictions(Store(store_dir))
    ingest(b, store_dir, progress=False, force=True)  # the first generation is deleted now
    assert not first.exists()
    at.run()
    assert_clean(at)
    if page.endswith("Overview.py"):  # and it shows the live generation's data
        assert _plays_metric(at) == f"{Store(store_dir).plays().height:,}" != f"{first_plays:,}"
