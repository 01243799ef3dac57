"""Export edges: every play exports whatever its label; colours in any CSS form."""

from __future__ import annotations

import io

import polars as pl
import pytest
from PIL import Image

from coverage.cli import main
from coverage.errors import DataError
from coverage.export import render_play_gif, render_play_png
from coverage.ingest import ingest
from coverage.views.team_colors import hex_to_rgb
from tests.builders.sample_play import sample_play
from tests.rawkit import make_raw_dir

LABELS = ["Man", "Zone", "Other", None, "", "weird label", "man"]


@pytest.fixture(scope="module")
def demo() -> dict:
    return sample_play()


@pytest.mark.parametrize("label", LABELS)
def test_the_app_exports_every_label(demo, label) -> None:
    """The functions the Play explorer's download buttons call, for each label value."""
    play = {**demo["play"], "pff_manZone": label}
    gif = render_play_gif(demo["frames"], demo["preds"], play, frame_stride=25, size=(300, 150))
    assert Image.open(io.BytesIO(gif)).format == "GIF"
    frame_id = int(demo["frames"]["frameId"][0])
    png = render_play_png(demo["frames"], demo["preds"], play, frame_id, size=(300, 150))
    assert Image.open(io.BytesIO(png)).size == (300, 150)


@pytest.mark.parametrize("text,rgb", [
    ("#666", (102, 102, 102)), ("#666666", (102, 102, 102)), ("#6668", (102, 102, 102)),
    ("#66666680", (102, 102, 102)), ("rgb(1, 2, 3)", (1, 2, 3)),
    ("rgba(1,2,3,0.5)", (1, 2, 3)), ("rgb(100% 0% 0% / 0.5)", (255, 0, 0)),
    ("navy", (0, 0, 128)), (" #abc ", (170, 187, 204)),
])
def test_every_css_colour_form_parses(text, rgb) -> None:
    assert hex_to_rgb(text) == rgb


def test_a_bad_colour_is_named_and_cut(demo) -> None:
    with pytest.raises(DataError, match="not a colour") as err:
        hex_to_rgb("#" + "z" * 5000)
    assert len(str(err.value)) < 200
    with pytest.raises(DataError, match="not a colour"):
        render_play_gif(demo["frames"], None, demo["play"], frame_stride=25, size=(200, 100),
                        team_colors={demo["play"]["possessionTeam"]: ("#12", "#fff")})


def test_team_colours_in_other_css_forms_export(demo) -> None:
    colors = {demo["play"]["possessionTeam"]: ("rgb(200, 16, 46)", "white"),
              demo["play"]["defensiveTeam"]: ("#039", "rgba(255,255,255,0.5)")}
    gif = render_play_gif(demo["frames"], demo["preds"], demo["play"], frame_stride=25,
                          size=(300, 150), team_colors=colors)
    assert Image.open(io.BytesIO(gif)).format == "GIF"


@pytest.fixture(scope="module")
def other_store(tmp_path_factory):
    """A store whose two plays are labelled Other and not labelled at all."""
    root = tmp_path_factory.mktemp("other")
    raw = make_raw_dir(root / "raw")
    plays = pl.read_csv(raw / "plays.csv")
    plays = plays.with_columns(pl.Series("pff_manZone", ["Other", None], dtype=pl.String),
                               pl.Series("pff_passCoverage", ["Prevent", None], dtype=pl.String))
    plays.write_csv(raw / "plays.csv")
    ingest(raw, root / "store", progress=False)
    return root / "store", plays.select("gameId", "playId").rows()


def test_the_cli_exports_other_and_unlabelled_plays(other_store, tmp_path, capsys) -> None:
    store, ids = other_store
    for game, play in ids:
        out = tmp_path / f"{play}.gif"
        rc = main(["export-gif", str(game), str(play), "-o", str(out), "--store", str(store),
                   "--stride", "5"])
        assert rc == 0, capsys.readouterr().err
        assert Image.open(out).format == "GIF"
