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


def test_a_model_asked_for_by_name_without_predictions_is_an_error(other_store, tmp_path,
                                                                     capsys) -> None:
    """``--model NAME`` with no curve of NAME for the play fails naming it and what the
    store has, instead of writing a GIF without the curve."""
    store, ids = other_store
    game, play = ids[0]
    out = tmp_path / "x.gif"
    rc = main(["export-gif", str(game), str(play), "-o", str(out), "--store", str(store),
               "--model", "no_such_model"])
    err = capsys.readouterr().err
    assert rc == 2 and "no predictions of no_such_model" in err and "--model one of" in err
    assert not out.exists()


# ------------------------------------------------------------------ export arguments
@pytest.mark.parametrize("opt,value", [
    ("--fps", "0"), ("--fps", "-5"), ("--fps", "nan"), ("--fps", "inf"), ("--fps", "1e309"),
    ("--fps", "fast"), ("--fps", "1e6"), ("--stride", "0"), ("--stride", "-1"),
    ("--stride", "2.5"), ("--stride", "99999999999999999999"), ("--stride", "x" * 5000),
])
def test_export_numbers_out_of_range_name_the_option(opt, value, other_store, tmp_path,
                                                     capsys) -> None:
    store, ids = other_store
    game, play = ids[0]
    with pytest.raises(SystemExit) as done:
        main(["export-gif", str(game), str(play), "-o", str(tmp_path / "x.gif"), "--store",
              str(store), opt, value])
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert f"argument {opt}" in err and err.count("\n") == 1 and len(err) < 300, err
    assert not (tmp_path / "x.gif").exists()


def test_export_numbers_at_the_edges_work(other_store, tmp_path) -> None:
    store, ids = other_store
    game, play = ids[0]
    for extra in (["--fps", "0.01", "--stride", "1000"], ["--fps", "1000"]):
        out = tmp_path / "edge.gif"
        assert main(["export-gif", str(game), str(play), "-o", str(out), "--store",
                     str(store), *extra]) == 0
        assert Image.open(out).format == "GIF"


def test_the_functions_refuse_impossible_arguments(demo) -> None:
    f, p, pl_ = demo["frames"], demo["preds"], demo["play"]
    for kw in ({"fps": float("nan")}, {"fps": 0}, {"frame_stride": 0}, {"frame_stride": 1.5},
               {"size": (0, 100)}, {"size": (10**6, 10**6)}, {"size": (300,)}):
        with pytest.raises(ValueError):
            render_play_gif(f, p, pl_, **kw)
    with pytest.raises(ValueError):
        render_play_png(f, p, pl_, int(f["frameId"][0]), size=(-1, 5))
    slow = render_play_gif(f, p, pl_, fps=0.0001, frame_stride=50, size=(200, 100))
    assert Image.open(io.BytesIO(slow)).info["duration"] == 655_350  # a GIF's longest delay


@pytest.mark.parametrize("kind", ["fifo", "dir", "null"])
def test_export_refuses_outputs_that_are_not_regular_files(kind, other_store, tmp_path,
                                                           capsys) -> None:
    import os

    store, ids = other_store
    game, play = ids[0]
    out = {"fifo": tmp_path / "pipe.gif", "dir": tmp_path / "d.gif",
           "null": tmp_path / "null.gif"}[kind]
    if kind == "fifo":
        os.mkfifo(out)
    elif kind == "dir":
        out.mkdir()
    else:
        out.symlink_to("/dev/null")
    rc = main(["export-gif", str(game), str(play), "-o", str(out), "--store", str(store)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert {"fifo": "fifo", "dir": "folder", "null": "character device"}[kind] in err
    assert out.is_symlink() if kind == "null" else not out.is_file()


def test_the_rename_never_replaces_a_device_or_fifo(tmp_path) -> None:
    """Checked again right before the rename: the node may appear while the GIF renders."""
    import os

    from coverage.atomic import atomic_path, write_bytes

    with pytest.raises(DataError, match="character device"):
        write_bytes(b"x", "/dev/null")
    pipe = tmp_path / "late.gif"
    with pytest.raises(DataError, match="fifo"), atomic_path(pipe) as tmp:
        tmp.write_bytes(b"gif")
        os.mkfifo(pipe)
    assert not pipe.is_file() and [p.name for p in tmp_path.iterdir()] == ["late.gif"]
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
