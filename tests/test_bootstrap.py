"""``coverage init --data``: real-trained checkpoints beside the store, a time budget, and
resuming after Ctrl-C at the last finished step (and, inside a model, the last epoch)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest
import torch
from safetensors import safe_open
from torch import nn

from coverage import bootstrap as bs
from coverage.cli import main
from coverage.config import models_root
from coverage.errors import CoverageError, DataError
from coverage.opener import derived_store_dir
from coverage.store import Store
from coverage.training.loop import RESUME_FILE, MaskedBCE, fit, seed_everything


# ------------------------------------------------------------------ the loop's limits
def _toy_problem(n: int = 256, seed: int = 0):
    """A separable 4-feature problem; batches come from the fit's own Generator."""
    g = np.random.default_rng(seed)
    x = g.normal(size=(n, 4)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] > 0).astype(np.float32)

    def batches(rng: np.random.Generator):
        order = rng.permutation(n)
        for i in range(0, n, 32):
            j = order[i:i + 32]
            yield (torch.from_numpy(x[j]),), torch.from_numpy(y[j]), None

    def val_logits(m: nn.Module):
        with torch.no_grad():
            return m(torch.from_numpy(x)).squeeze(-1).numpy().astype(np.float64), y
    return batches, val_logits


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x).squeeze(-1)


def _fit(batches, val_logits, **kw):
    rng = seed_everything(3)
    model = _Net()
    res = fit(model, batches, MaskedBCE(1.0, val_logits), rng=rng, epochs=5, lr=1e-2,
              weight_decay=1e-4, patience=10, device=torch.device("cpu"), progress=False, **kw)
    return model, res


def test_an_interrupted_fit_resumes_at_its_last_epoch_exactly(tmp_path: Path) -> None:
    """Ctrl-C after epoch 2, then the same call again: the same weights and history as a fit
    that never stopped (optimiser, scheduler and every random state come back)."""
    batches, val_logits = _toy_problem()
    whole, whole_res = _fit(batches, val_logits)

    def interrupt(row: dict[str, float]) -> None:
        if row["epoch"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _fit(batches, val_logits, resume_dir=tmp_path, on_epoch=interrupt)
    assert (tmp_path / RESUME_FILE).exists()
    seen: list[int] = []
    resumed, res = _fit(batches, val_logits, resume_dir=tmp_path,
                        on_epoch=lambda row: seen.append(int(row["epoch"])))
    assert seen == [2, 3, 4]  # epochs 0 and 1 were not trained again
    assert [r["val_loss"] for r in res.history] == pytest.approx(
        [r["val_loss"] for r in whole_res.history], rel=1e-6)
    assert res.best_epoch == whole_res.best_epoch
    for k, v in whole.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[k], v)
    # a finished fit only reloads its best weights
    again, res2 = _fit(batches, val_logits, resume_dir=tmp_path,
                       on_epoch=lambda row: pytest.fail("trained again"))
    assert res2.best_epoch == res.best_epoch


def test_a_resume_file_of_another_model_shape_is_ignored(tmp_path: Path) -> None:
    batches, val_logits = _toy_problem()
    _fit(batches, val_logits, resume_dir=tmp_path)
    rng = seed_everything(3)
    other = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 1), nn.Flatten(0))
    epochs: list[int] = []
    fit(other, batches, MaskedBCE(1.0, val_logits), rng=rng, epochs=2, lr=1e-2,
        weight_decay=0.0, patience=5, device=torch.device("cpu"), progress=False,
        resume_dir=tmp_path, on_epoch=lambda row: epochs.append(int(row["epoch"])))
    assert epochs == [0, 1]


def test_the_time_budget_stops_training_mid_epoch(tmp_path: Path, monkeypatch) -> None:
    """8 batches of 0.1 s per epoch, 5 epochs (4 s) under a 0.35 s budget: training stops
    after the batch that crosses it (the 4th), and that first epoch is still validated and
    kept. The loop's clock is a fake one that each drawn batch moves on by 0.1 s, so the
    check holds however busy the machine is."""
    import coverage.training.loop as loop

    clock = {"now": 100.0}
    monkeypatch.setattr(loop, "time", SimpleNamespace(perf_counter=lambda: clock["now"]))
    batches, val_logits = _toy_problem()
    drawn = []

    def counted(rng):
        for b in batches(rng):
            drawn.append(1)
            clock["now"] += 0.1
            yield b
    _, res = _fit(counted, val_logits, time_budget_s=0.35, resume_dir=tmp_path)
    assert len(drawn) == 4  # 0.1, 0.2, 0.3 are inside the budget; 0.4 is past it
    assert len(res.history) == 1 and res.best_epoch == 0
    assert res.summary() == {"stopped_by": "budget", "epochs_run": 1, "epochs_max": 5,
                             "best_epoch": 0, "best_val_loss": res.best_val_loss,
                             "time_budget_s": 0.35, "precision": "float32"}
    with safe_open(str(tmp_path / RESUME_FILE), "pt") as f:
        header = json.loads(f.metadata()["state"])
    assert header["done"] is True and header["next_epoch"] == 1
    assert header["elapsed"] == pytest.approx(0.4)


# ------------------------------------------------------------------ plan and state
def test_budget_defaults_to_its_constant_on_cpu_and_full_training_on_cuda() -> None:
    assert bs.BootstrapOptions().budget_seconds(cuda=False) == bs.DEFAULT_BUDGET_MINUTES * 60
    assert bs.BootstrapOptions().budget_seconds(cuda=True) is None
    assert bs.BootstrapOptions(budget_minutes=0).budget_seconds(cuda=False) is None
    assert bs.BootstrapOptions(budget_minutes=5).budget_seconds(cuda=True) == 300
    with pytest.raises(CoverageError, match="budget-minutes"):
        bs.BootstrapOptions(budget_minutes=-1).budget_seconds(cuda=False)
    assert not bs.uses_cuda("cpu")


def test_each_model_gets_its_share_of_what_is_left() -> None:
    todo = list(bs.MODELS)
    first = bs._step_budget(1000.0, 0.0, todo, "tabular")
    assert first == pytest.approx(1000 * bs.SHARES["tabular"])
    # the tabular model used 10 s of its 100: the rest flows to the models after it
    later = bs._step_budget(1000.0, 10.0, todo[1:], "transformer")
    assert later == pytest.approx(990 * bs.SHARES["transformer"] / (1 - bs.SHARES["tabular"]))
    assert bs._step_budget(100.0, 500.0, ["family"], "family") == bs.MIN_STEP_SECONDS
    assert bs._step_budget(None, 0.0, todo, "lstm") is None


def test_a_changed_store_or_plan_starts_over(tmp_path: Path) -> None:
    store = SimpleNamespace(models_dir=tmp_path / "models")
    plan = {"split": {"train": [1], "val": [2], "test": [3]}, "budget_s": 60.0}
    state = bs.load_state(store, "data-a", plan)
    assert state["steps"] == {}
    bs._record(store, state, "real_tabular", seconds=1.0)
    half = store.models_dir / bs.RESUME_DIR / "real_lstm-abc"
    half.mkdir(parents=True)
    assert set(bs.load_state(store, "data-a", plan)["steps"]) == {"real_tabular"}
    assert half.exists()
    assert bs.load_state(store, "data-b", plan)["steps"] == {}
    assert not half.exists()  # another store's half-trained epochs are dropped
    assert bs.load_state(store, "data-a", {**plan, "budget_s": 120.0})["steps"] == {}
    assert bs.load_state(store, "data-a", plan, force=True)["steps"] == {}


def test_the_real_sample_trains_the_label_only_model_and_says_what_it_skips(
        real_store: Store) -> None:
    """The real 2022 sample: labels for weeks 1-9, tracking for week 8 only. The tabular
    model gets the full label split; the tracking models are skipped, with one note."""
    splits = bs.split_weeks(real_store)
    assert splits == {"labels": {"train": tuple(range(1, 8)), "val": (8,), "test": (9,)},
                      "tracking": None}
    plan = bs.plan(real_store, bs.BootstrapOptions())
    assert plan["models"] == ["tabular"]
    (note,) = bs.split_notes(real_store, splits)
    assert "skipped real_transformer, real_lstm, real_family" in note
    assert "tracking with labels for week 8 only" in note
    assert "opens with real_tabular" in note


def test_synthetic_stores_never_get_real_models(sim_store: Store) -> None:
    with pytest.raises(DataError, match="source is 'synthetic'"):
        bs.bootstrap(sim_store, bs.BootstrapOptions(progress=False), log=None)


def test_a_synthetic_folder_gets_the_shipped_models(sim_store: Store,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    roots: list[Path] = []

    def fake_ensure(store, root=None, *, log=None):
        roots.append(Path(root))
        return {}

    monkeypatch.setattr(bs, "ensure_predictions", fake_ensure)
    out = bs.init_data(sim_store.path, bs.BootstrapOptions(progress=False), log=None)
    assert roots == [models_root()] and out["trained"] == []


def test_label_tables_without_tracking_are_refused(shared_bdb: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The real 2022 label tables alone train no tracking model and feed no app."""
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "data"))
    labels = tmp_path / "labels"
    labels.mkdir()
    for name in ("games.csv", "plays.csv"):
        (labels / name).symlink_to(shared_bdb / name)
    with pytest.raises(DataError, match="label tables but no tracking"):
        bs.init_data(labels, bs.BootstrapOptions(progress=False), log=None)


# ------------------------------------------------------------------ end to end
@pytest.fixture()
def real_season(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny simulated season marked as a real download, ingested under a tmp data dir."""
    from coverage.simulate import simulate_season

    raw = tmp_path / "raw"
    simulate_season(raw, seed=11, weeks=3, games_per_week=2, plays_per_game=10)
    (raw / "_source.json").write_text(json.dumps({"source": "real"}))
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "data"))
    return raw


@pytest.mark.slow
def test_init_data_trains_real_models_predicts_and_resumes(
        real_season: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Ctrl-C during the LSTM, re-run: tabular and transformer are not trained again; the
    four real_* checkpoints land in store.models_dir with real-data marks, every week has
    their predictions, and a third run trains nothing."""
    calls: list[str] = []
    real_train = bs.train

    def train_until_lstm(opts, store, frames=None):
        calls.append(opts.run.model)
        if opts.run.model == "lstm":
            raise KeyboardInterrupt
        return real_train(opts, store, frames)

    monkeypatch.setattr(bs, "train", train_until_lstm)
    argv = ["init", "--data", str(real_season), "--budget-minutes", "0.5", "--quiet"]
    try:  # the CLI turns Ctrl-C into exit status 130
        status = main(argv)
    except KeyboardInterrupt:
        status = 130
    assert status == 130
    assert calls == ["tabular", "transformer", "lstm"]

    def recorded_train(opts, store, frames=None):
        calls.append(opts.run.model)
        return real_train(opts, store, frames)

    calls.clear()
    monkeypatch.setattr(bs, "train", recorded_train)
    assert main(argv) == 0
    assert calls == ["lstm", "family"]  # resumed at the first unfinished step

    store = Store(derived_store_dir(real_season))  # made by init, read here
    names = {bs.real_name(m) for m in bs.MODELS}
    for name in names:
        cfg = json.loads((store.models_dir / name / "config.json").read_text())
        assert cfg["data"]["source"] == "real" and len(cfg["fingerprint"]) == 64
        assert cfg["split"] == {"train": [1], "val": [2], "test": [3]}
        assert not (models_root() / name).exists()  # never among the shipped ones
        if name in {bs.real_name(m) for m in bs.TRACKING}:  # start from the tabular P(man)
            assert cfg["prior"]["checkpoint"] == bs.real_name(bs.PRIOR), name
    for week in store.weeks:
        preds = store.predictions(week)
        assert names <= set(preds["model"].unique().to_list()), week
    assert {f"{n}_week_3" for n in names} <= set(store.evaluation_reports())
    manifest = store.manifest()
    assert all(manifest[n]["status"] == "ok" for n in names)
    out = capsys.readouterr().out
    assert "real_transformer: accuracy at the snap" in out

    calls.clear()
    assert main(argv) == 0
    assert calls == []
    state = json.loads((store.models_dir / bs.STATE_FILE).read_text())
    assert set(state["steps"]) == names | {bs.PREDICT_STEP}
    snap = store.predictions(3).filter(pl.col("secs_from_snap").round(1) == 0)
    assert snap.filter(pl.col("model") == "real_lstm").height > 0


def test_the_fit_says_what_ended_it() -> None:
    """The epoch limit and early stopping are told apart from a budget stop (the app
    flags only the latter as under-trained)."""
    batches, val_logits = _toy_problem()
    _, res = _fit(batches, val_logits)
    assert res.summary()["stopped_by"] == "epochs"
    assert res.summary()["epochs_run"] == res.summary()["epochs_max"] == len(res.history)
    rng = seed_everything(0)
    model = _Net()
    flat = MaskedBCE(1.0, lambda m: (np.zeros(4), np.array([0.0, 1.0, 0.0, 1.0])))
    res = fit(model, batches, flat, rng=rng, epochs=10, lr=1e-2, weight_decay=0.0,
              patience=2, device=torch.device("cpu"), progress=False)
    assert res.stopped_by == "patience" and len(res.history) == 3


def test_under_a_budget_the_learning_rate_anneals_with_the_clock(monkeypatch) -> None:
    """A budget ends training annealed: the rate follows a cosine over the budget's time
    (the fake clock moves 0.1 s a batch), from the base rate down to nearly zero."""
    import coverage.training.loop as loop

    clock = {"now": 0.0}
    monkeypatch.setattr(loop, "time", SimpleNamespace(perf_counter=lambda: clock["now"]))
    batches, val_logits = _toy_problem()

    class Recording(MaskedBCE):
        def train_loss(self, model, batch, device):
            clock["now"] += 0.1
            return super().train_loss(model, batch, device)

    rng = seed_everything(0)
    model = _Net()
    opt_rates = []
    real_step = torch.optim.AdamW.step

    def step(self, *a, **kw):
        opt_rates.append(self.param_groups[0]["lr"])
        return real_step(self, *a, **kw)
    monkeypatch.setattr(torch.optim.AdamW, "step", step)
    res = fit(model, batches, Recording(1.0, val_logits), rng=rng, epochs=50, lr=1e-2,
              weight_decay=0.0, patience=100, device=torch.device("cpu"), progress=False,
              time_budget_s=2.0)
    rates = opt_rates
    assert res.stopped_by == "budget"
    assert rates[0] == pytest.approx(1e-2, rel=0.01)
    assert all(b <= a + 1e-12 for a, b in zip(rates, rates[1:], strict=False))
    assert rates[-1] < 1e-4  # the last step, just before the budget, at nearly zero
    mid = rates[len(rates) // 2]
    assert 0.3e-2 < mid < 0.7e-2  # half-way through the clock, half the rate
