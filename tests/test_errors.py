"""Bad input ends every command in one line, checkpoints are known by content, configs are
strict, and files are written readable: the CLI's error boundary and what sits behind it."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import torch
from safetensors.torch import load_file, save_file

import coverage.commands.data as data_commands
from coverage.cli import main
from coverage.commands.common import check_output_dir, check_output_file, parse_weeks
from coverage.config import REPO_ROOT
from coverage.errors import CheckpointError, CoverageError, DataError
from coverage.models.checkpoint import checkpoint_hash, read_config
from coverage.pipelines import evaluate, load_model, predict_week
from coverage.store import Store
from coverage.training.evaluate import evaluate_predictions
from tests.rawkit import make_raw_dir

SHIPPED = REPO_ROOT / "models"


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    """Exit code and stderr of ``coverage ARGV`` run in-process."""
    rc = main([str(a) for a in argv])
    return rc, capsys.readouterr().err


def one_line_error(rc: int, err: str) -> str:
    assert rc == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    return make_raw_dir(tmp_path / "raw")


@pytest.fixture
def store(sim_store: Store, tmp_path: Path) -> Store:
    """A private, writable copy of the session's small simulated store."""
    shutil.copytree(sim_store.path, tmp_path / "store")
    return Store(tmp_path / "store")


def copy_checkpoint(name: str, dest: Path, **config: object) -> Path:
    """A shipped checkpoint copied to ``dest``, its config updated (None deletes a key)."""
    shutil.copytree(SHIPPED / name, dest)
    cfg = json.loads((dest / "config.json").read_text())
    cfg.update(config)
    cfg = {k: v for k, v in cfg.items() if v is not None}
    (dest / "config.json").write_text(json.dumps(cfg))
    return dest


# ------------------------------------------------------------------ the boundary: raw input
def test_empty_tracking_file_names_it(raw: Path, tmp_path: Path, capsys) -> None:
    (raw / "tracking_week_1.csv").write_text("")
    err = one_line_error(*run_cli(capsys, "ingest", raw, "-o", tmp_path / "s", "-q"))
    assert "tracking_week_1.csv" in err


def test_text_in_plays_down_names_file_and_column(raw: Path, tmp_path: Path, capsys) -> None:
    plays = pl.read_csv(raw / "plays.csv", infer_schema_length=0)
    plays.with_columns(pl.lit("third").alias("down")).write_csv(raw / "plays.csv")
    err = one_line_error(*run_cli(capsys, "ingest", raw, "-o", tmp_path / "s", "-q"))
    assert "plays.csv" in err and "down" in err


def test_invalid_source_marker_names_it(raw: Path, tmp_path: Path, capsys) -> None:
    (raw / "_source.json").write_text("{not json")
    err = one_line_error(*run_cli(capsys, "ingest", raw, "-o", tmp_path / "s", "-q"))
    assert "_source.json" in err


def test_ingest_into_a_file_says_so(raw: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "some_file"
    target.write_text("mine")
    err = one_line_error(*run_cli(capsys, "ingest", raw, "-o", target, "-q"))
    assert "some_file" in err
    assert target.read_text() == "mine"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_ingest_into_a_read_only_folder_says_so(raw: Path, tmp_path: Path, capsys) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        err = one_line_error(*run_cli(capsys, "ingest", raw, "-o", ro / "store", "-q"))
    finally:
        ro.chmod(0o755)
    assert str(ro) in err


def test_os_errors_become_one_line_naming_the_path(monkeypatch, capsys) -> None:
    """Whatever command meets an unwritable or misplaced path, the line names it."""
    for exc, words in ((PermissionError(13, "Permission denied", "/data/store/x.parquet"),
                        "read-only"),
                       (NotADirectoryError(20, "Not a directory", "/data/file/tracking"),
                        "folder was expected"),
                       (FileNotFoundError(2, "No such file or directory", "/data/nope.csv"),
                        "No such file")):
        def boom(args, exc=exc):
            raise exc
        monkeypatch.setattr(data_commands, "_cmd_info", boom)
        err = one_line_error(*run_cli(capsys, "info"))
        assert exc.filename in err and words in err, err


def test_weeks_that_are_not_weeks(tmp_path: Path, capsys) -> None:
    for text in ("abc", "5-3", "0", "1-"):
        err = one_line_error(*run_cli(capsys, "ingest", tmp_path, "-o", tmp_path / "s",
                                      "--weeks", text))
        assert f"weeks {text!r}" in err and "9, 1-8 or 1,3,5" in err
    assert parse_weeks("9") == [9] and parse_weeks("1-8") == list(range(1, 9))
    assert parse_weeks("1,3,5") == [1, 3, 5] and parse_weeks("3,1-2") == [1, 2, 3]


def test_usage_mistakes_are_one_line_too(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["explain", "models/family", "abc", "1"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "invalid int value" in err


def test_counts_below_one_are_refused_before_any_training(capsys) -> None:
    """A chunk of moments cannot be cut from zero frames a play: the count is refused at
    the command line, naming the option, not met later as a division by zero."""
    for argv, words in ((["train", "--model", "transformer", "--frames-per-play", "0"],
                         "--frames-per-play: expected 1 or more, got 0"),
                        (["train-family", "--epochs", "x"],
                         "--epochs: expected a whole number, got 'x'")):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and err.count("\n") == 1 and words in err


# ------------------------------------------------------------------ the boundary itself
def test_debug_shows_the_traceback_instead(tmp_path: Path, capsys) -> None:
    with pytest.raises(CoverageError, match="weeks 'abc'"):
        main(["--debug", "ingest", str(tmp_path), "-o", str(tmp_path / "s"), "--weeks", "abc"])
    with pytest.raises(CoverageError, match="weeks 'abc'"):
        main(["ingest", str(tmp_path), "-o", str(tmp_path / "s"), "--weeks", "abc", "--debug"])


def test_interrupt_exits_130_with_one_word(monkeypatch, capsys) -> None:
    def interrupted(args):
        raise KeyboardInterrupt
    monkeypatch.setattr(data_commands, "_cmd_info", interrupted)
    assert main(["info"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_a_bug_keeps_its_traceback(monkeypatch) -> None:
    def bug(args):
        return {}["missing"]
    monkeypatch.setattr(data_commands, "_cmd_info", bug)
    with pytest.raises(KeyError):
        main(["info"])


# ------------------------------------------------------------------ checkpoints on the CLI
def test_empty_checkpoint_folder_names_the_missing_files(store: Store, tmp_path: Path,
                                                          capsys) -> None:
    (tmp_path / "empty").mkdir()
    for command in ("evaluate", "predict", "predict-family"):
        err = one_line_error(*run_cli(capsys, command, tmp_path / "empty", "--data",
                                      store.path))
        assert "config.json" in err and "model.safetensors" in err, err
    assert store.predictions() is None


@pytest.mark.parametrize("content", ["null", "[1, 2]", "\"lstm\""])
def test_config_that_is_no_object(content: str, store: Store, tmp_path: Path,
                                  capsys) -> None:
    ck = copy_checkpoint("lstm", tmp_path / "lstm")
    (ck / "config.json").write_text(content)
    with pytest.raises(CheckpointError, match="expected an object"):
        read_config(ck)
    for command in ("evaluate", "predict"):
        err = one_line_error(*run_cli(capsys, command, ck, "--data", store.path))
        assert "config.json" in err and "expected an object" in err


def test_export_gif_ids_must_be_numbers(store: Store, tmp_path: Path, capsys) -> None:
    err = one_line_error(*run_cli(capsys, "export-gif", "abc", "1", "-o", tmp_path / "x.gif",
                                  "--data", store.path))
    assert "gameId 'abc' is not a whole number" in err
    err = one_line_error(*run_cli(capsys, "export-gif", "1", "x1", "-o", tmp_path / "x.gif",
                                  "--data", store.path))
    assert "playId 'x1'" in err


def test_export_gif_into_a_missing_folder_does_not_create_it(store: Store, tmp_path: Path,
                                                             capsys) -> None:
    g, p = store.plays().select("gameId", "playId").row(0)
    out = tmp_path / "missing_folder" / "x.gif"
    err = one_line_error(*run_cli(capsys, "export-gif", g, p, "-o", out, "--data",
                                  store.path))
    assert "missing_folder" in err and "does not exist" in err
    assert not out.parent.exists()


def test_output_paths_are_checked_before_any_work(tmp_path: Path, monkeypatch,
                                                  capsys) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    with pytest.raises(DataError, match="is a file"):
        check_output_dir(a_file / "lstm")
    with pytest.raises(DataError, match="is a folder"):
        check_output_file(tmp_path)
    err = one_line_error(*run_cli(capsys, "train", "--model", "tabular", "--out", a_file,
                                  "--no-mlflow", "-q"))
    assert "a_file" in err
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    with pytest.raises(DataError, match="read-only"):
        check_output_dir(tmp_path / "models" / "lstm")
    with pytest.raises(DataError, match="read-only"):
        check_output_file(tmp_path / "x.gif")


def test_bad_hparams_json_names_the_flag(capsys) -> None:
    err = one_line_error(*run_cli(capsys, "train", "--hparams", "{dim: 8}", "--no-mlflow"))
    assert "--hparams" in err
    err = one_line_error(*run_cli(capsys, "train-family", "--hparams", "[8]"))
    assert "JSON object" in err


def test_a_corrupt_store_manifest_is_named(store: Store, tmp_path: Path, capsys) -> None:
    ck = copy_checkpoint("lstm", tmp_path / "lstm")
    assert main(["predict", str(ck), "--data", str(store.path), "--weeks", "1"]) == 0
    manifest = next(store.path.rglob("manifest.json"))
    manifest.write_text("{\"lstm\": ")
    capsys.readouterr()
    err = one_line_error(*run_cli(capsys, "evaluate", ck, "--data", store.path, "--week", "1"))
    assert "invalid JSON in" in err and str(manifest) in err


# ------------------------------------------------------------------ predict with the family model
def test_predict_runs_the_family_checkpoint(store: Store, capsys) -> None:
    week = store.weeks[0]
    rc = main(["predict", str(SHIPPED / "family"), "--data", str(store.path),
               "--weeks", str(week)])
    assert rc == 0, capsys.readouterr().err
    assert f"week {week}:" in capsys.readouterr().out
    preds = store.predictions(week).filter(pl.col("model") == "family")
    frames = (store.tracking(week).filter(pl.col("secs_from_snap") <= 0)
              .select("gameId", "playId", "frameId").unique().collect())
    assert preds.height == frames.height > 0
    assert preds["p_man"].is_between(0, 1).all() and preds["p_man"].n_unique() > 10
    entry = store.manifest()["family"]
    assert entry["weeks"] == {str(week): checkpoint_hash(SHIPPED / "family")}


# ------------------------------------------------------------------ identity, not names
def _retrained(src: Path, dest: Path) -> Path:
    """Same folder name and config, other weights (a retrain, or garbage)."""
    shutil.copytree(src, dest)
    gen = torch.Generator().manual_seed(1)
    tensors = {k: torch.randn(v.shape, generator=gen) if v.is_floating_point() else v
               for k, v in load_file(str(src / "model.safetensors")).items()}
    save_file(tensors, str(dest / "model.safetensors"), metadata={"architecture": "lstm"})
    return dest


def _expected_snap_accuracy(model_dir: Path, store: Store, week: int) -> float:
    preds = predict_week(model_dir, store, week, write=False)
    report, _ = evaluate_predictions(preds, store.plays().filter(pl.col("week") == week), 0)
    return report["at_snap"]["accuracy"]


def test_evaluate_knows_checkpoints_by_content_not_by_folder_name(store: Store,
                                                                  tmp_path: Path) -> None:
    week = store.weeks[-1]
    shipped = copy_checkpoint("lstm", tmp_path / "a" / "lstm")
    other = _retrained(shipped, tmp_path / "b" / "lstm")
    assert checkpoint_hash(shipped) != checkpoint_hash(other)

    first = evaluate(shipped, store, week)
    second = evaluate(other, store, week)
    assert first["checkpoint"] == checkpoint_hash(shipped)
    assert second["checkpoint"] == checkpoint_hash(other)
    assert first["at_snap"]["accuracy"] == pytest.approx(
        _expected_snap_accuracy(shipped, store, week))
    assert second["at_snap"]["accuracy"] == pytest.approx(
        _expected_snap_accuracy(other, store, week))
    assert second["at_snap"] != first["at_snap"]
    assert store.manifest()["lstm"]["weeks"][str(week)] == checkpoint_hash(other)
    assert evaluate(shipped, store, week)["at_snap"] == first["at_snap"]  # and back


def test_cli_evaluate_reports_the_checkpoint_it_is_given(store: Store, tmp_path: Path,
                                                         capsys) -> None:
    week = store.weeks[-1]
    shipped = copy_checkpoint("lstm", tmp_path / "a" / "lstm")
    other = _retrained(shipped, tmp_path / "b" / "lstm")
    outputs = []
    for ck in (shipped, other):
        assert main(["evaluate", str(ck), "--data", str(store.path), "--week", str(week)]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] != outputs[1]
    acc = _expected_snap_accuracy(other, store, week)
    assert f"snap: accuracy {acc:.3f}" in outputs[1]


# ------------------------------------------------------------------ strict configs
@pytest.mark.parametrize("name", sorted(p.name for p in SHIPPED.iterdir()
                                        if (p / "config.json").exists()))
def test_shipped_checkpoints_pass_the_strict_checks(name: str) -> None:
    model, cfg = load_model(SHIPPED / name)
    assert model is not None
    if cfg["architecture"] == "tabular":  # Platt scaling for P(man), a family temperature
        cal = cfg["calibration"]
        assert cal["family_temperature"] > 0 and all(math.isfinite(v) for v in cal["platt"])
    else:
        assert cfg["temperature"] > 0


@pytest.mark.parametrize("name", ["lstm", "transformer", "family"])
@pytest.mark.parametrize("temperature", [0, -1.0, math.inf, math.nan, "1.0", True])
def test_bad_temperatures_are_refused(name: str, temperature: object,
                                      tmp_path: Path) -> None:
    ck = copy_checkpoint(name, tmp_path / name, temperature=temperature)
    with pytest.raises(CheckpointError, match="'temperature'"):
        load_model(ck)


@pytest.mark.parametrize(("name", "key"), [("lstm", "logit_offset"),
                                           ("transformer", "logit_offset"),
                                           ("lstm", "temperature"),
                                           ("family", "temperature")])
def test_missing_calibration_is_refused_not_defaulted(name: str, key: str,
                                                      tmp_path: Path) -> None:
    ck = copy_checkpoint(name, tmp_path / name, **{key: None})
    with pytest.raises(CheckpointError, match=f"lacks '{key}'"):
        load_model(ck)


def test_the_family_model_needs_no_logit_offset(tmp_path: Path) -> None:
    ck = copy_checkpoint("family", tmp_path / "family", logit_offset=None)
    assert load_model(ck)[1]["architecture"] == "family"
    ck = copy_checkpoint("lstm", tmp_path / "lstm", logit_offset=math.nan)
    with pytest.raises(CheckpointError, match="'logit_offset'"):
        load_model(ck)


# ------------------------------------------------------------------ file permissions
_WRITE = """
import os, sys
os.umask(int(sys.argv[1], 8))
import polars as pl
from coverage.atomic import write_json, write_parquet
write_json({"a": 1}, sys.argv[2] + "/x.json")
write_parquet(pl.DataFrame({"a": [1]}), sys.argv[2] + "/x.parquet")
write_parquet(pl.DataFrame({"a": [1]}).lazy(), sys.argv[2] + "/y.parquet")
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize(("umask", "mode"), [("022", 0o644), ("027", 0o640)])
def test_written_files_follow_the_umask(umask: str, mode: int, tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", _WRITE, umask, str(tmp_path)], check=True,
                   cwd=REPO_ROOT)
    for name in ("x.json", "x.parquet", "y.parquet"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode, name
    assert not list(tmp_path.glob(".*.tmp"))
