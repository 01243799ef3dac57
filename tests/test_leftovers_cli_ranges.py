"""Every numeric command-line option refuses a value out of its range at parsing: exit 2,
one line naming the option, before any data is read."""

from __future__ import annotations

import pytest

from coverage.cli import build_parser, main

M = "models/lstm"
BAD = [  # (argv, the option the message must name)
    (["train", "--batch-size", "0"], "--batch-size"),
    (["train", "--batch-size", "-5"], "--batch-size"),
    (["train", "--batch-size", "2.5"], "--batch-size"),
    (["train", "--batch-size", "99999999999"], "--batch-size"),
    (["train", "--patience", "0"], "--patience"),
    (["train", "--patience", "-1"], "--patience"),
    (["train", "--history", "0"], "--history"),
    (["train", "--history", "1000000"], "--history"),
    (["train", "--stride", "0"], "--stride"),
    (["train", "--stride", "-2"], "--stride"),
    (["train", "--lr", "0"], "--lr"),
    (["train", "--lr", "-0.001"], "--lr"),
    (["train", "--lr", "nan"], "--lr"),
    (["train", "--lr", "inf"], "--lr"),
    (["train", "--lr", "abc"], "--lr"),
    (["train", "--weight-decay", "-1"], "--weight-decay"),
    (["train", "--weight-decay", "nan"], "--weight-decay"),
    (["train", "--budget-minutes", "-3"], "--budget-minutes"),
    (["train", "--budget-minutes", "nan"], "--budget-minutes"),
    (["train", "--max-secs", "0"], "--max-secs"),
    (["train", "--max-secs", "-1"], "--max-secs"),
    (["train", "--pos-weight", "0"], "--pos-weight"),
    (["train", "--pos-weight", "-2"], "--pos-weight"),
    (["train", "--pos-weight", "heavy"], "--pos-weight"),
    (["train", "--seed", "-1"], "--seed"),
    (["train", "--seed", str(2**40)], "--seed"),
    (["train", "--trials", "0"], "--trials"),
    (["train", "--cpus-per-trial", "0"], "--cpus-per-trial"),
    (["train", "--gpus-per-trial", "-1"], "--gpus-per-trial"),
    (["train", "--epochs", "0"], "--epochs"),
    (["train-family", "--budget-minutes", "-1"], "--budget-minutes"),
    (["train-family", "--seed", "-7"], "--seed"),
    (["predict", M, "--batch-size", "0"], "--batch-size"),
    (["predict", M, "--batch-size", "-4096"], "--batch-size"),
    (["predict", M, "--batch-size", "1e3"], "--batch-size"),
    (["evaluate", M, "--week", "0"], "--week"),
    (["evaluate", M, "--week", "-9"], "--week"),
    (["init", "--budget-minutes", "-5"], "--budget-minutes"),
    (["init", "--budget-minutes", "inf"], "--budget-minutes"),
    (["init", "--seed", "-1"], "--seed"),
    (["simulate", "out", "--weeks", "0"], "--weeks"),
    (["simulate", "out", "--weeks", "1000000000"], "--weeks"),
    (["simulate", "out", "--seed", "-1"], "--seed"),
    (["formations", "store", "--change-threshold", "-0.5"], "--change-threshold"),
    (["formations", "store", "--change-threshold", "nan"], "--change-threshold"),
    (["explain", M, "1", "2", "-n", "0"], "-n"),
    (["export-gif", "1", "2", "-o", "x.gif", "--fps", "0"], "--fps"),
]


@pytest.mark.parametrize(("argv", "option"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_an_out_of_range_value_ends_at_parsing_naming_the_option(argv, option, capsys) -> None:
    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"argument {option}" in err and "Traceback" not in err, err
    assert "expected" in err, err


GOOD = [
    (["train", "--batch-size", "1", "--lr", "3e-4", "--patience", "1", "--history", "8",
      "--stride", "1", "--weight-decay", "0", "--budget-minutes", "0", "--max-secs", "2.5",
      "--pos-weight", "2.5", "--seed", "4294967295"],
     {"batch_size": 1, "lr": 3e-4, "patience": 1, "history": 8, "stride": 1,
      "weight_decay": 0.0, "budget_minutes": 0.0, "max_secs": 2.5, "pos_weight": 2.5}),
    (["train", "--pos-weight", "None"], {"pos_weight": "none"}),
    (["train"], {"batch_size": 256, "lr": 1e-3, "weight_decay": 1e-4, "pos_weight": "auto"}),
    (["predict", M, "--batch-size", "4096"], {"batch_size": 4096}),
    (["init", "--budget-minutes", "0.5"], {"budget_minutes": 0.5}),
    (["simulate", "out", "--weeks", "18"], {"weeks": 18}),
]


@pytest.mark.parametrize(("argv", "values"), GOOD, ids=[" ".join(a) for a, _ in GOOD])
def test_values_in_range_parse_to_numbers(argv, values) -> None:
    args = build_parser().parse_args(argv)
    assert {k: getattr(args, k) for k in values} == values


def test_weight_decay_reaches_the_training_options(monkeypatch) -> None:
    """The new --weight-decay option is not only parsed: train hands it to the trainer."""
    import coverage.opener
    import coverage.pipelines

    seen = {}

    def fake_train(opts, store):
        seen["wd"] = opts.optim.weight_decay
        raise KeyboardInterrupt
    monkeypatch.setattr(coverage.pipelines, "train", fake_train)
    monkeypatch.setattr(coverage.opener, "open_store", lambda *a, **k: None)
    assert main(["train", "--no-mlflow", "--weight-decay", "0.05", "--out", "/tmp",
                 "--quiet"]) != 0
    assert seen["wd"] == 0.05


def test_checkpoints_go_where_the_app_serves_them(monkeypatch, tmp_path) -> None:
    """Without --out, `train` and `train-family` write under the models folder the app and
    `coverage init` serve (COVERAGE_MODELS_DIR), wherever the command runs from; --out wins."""
    from coverage.commands.common import training_options

    served = tmp_path / "served"
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(served))
    monkeypatch.chdir(tmp_path)
    for cmd in ("train", "train-family"):
        args = build_parser().parse_args([cmd])
        assert training_options(args, "x")["out_root"] == served
        args = build_parser().parse_args([cmd, "--out", str(tmp_path / "mine")])
        assert training_options(args, "x")["out_root"] == tmp_path / "mine"
