"""The moving average of the weights: its decay, its arithmetic, that training is the same
with it, that validation and the returned model use it, and an exact resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from coverage.training.averaging import WeightAverage
from tests.test_bootstrap import _fit, _toy_problem


def test_the_decay_warms_up_then_holds_the_horizon_in_epochs() -> None:
    avg = WeightAverage(nn.Linear(2, 1), epochs=2.0)
    assert avg.decay() == pytest.approx(1 / 10)  # the random start is left quickly
    avg.updates = 10_000
    assert avg.decay() == pytest.approx(10_001 / 10_010)
    avg.steps_per_epoch = 50  # an average over about 2 epochs of 50 steps
    assert avg.decay() == pytest.approx(1 - 1 / 100)
    with pytest.raises(ValueError, match="positive"):
        WeightAverage(nn.Linear(2, 1), epochs=0)


def test_an_update_moves_the_average_by_one_minus_the_decay() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    avg = WeightAverage(net, epochs=1.0)
    before = {k: v.clone() for k, v in avg.shadow.items()}
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    net.train()(torch.randn(4, 3))  # BatchNorm's step counter (an integer buffer) moves
    d = avg.decay()
    avg.update(net)
    for k, v in net.state_dict().items():
        if v.is_floating_point():
            torch.testing.assert_close(avg.shadow[k], d * before[k] + (1 - d) * v)
        else:
            assert torch.equal(avg.shadow[k], v)  # copied as it is


def test_swapped_in_gives_the_average_and_then_the_own_weights_back() -> None:
    net = nn.Linear(2, 1)
    avg = WeightAverage(net, epochs=1.0)
    own = {k: v.clone() for k, v in net.state_dict().items()}
    for v in avg.shadow.values():
        v.fill_(7.0)
    with avg.swapped_in(net):
        assert all(torch.all(v == 7.0) for v in net.state_dict().values())
    for k, v in net.state_dict().items():
        assert torch.equal(v, own[k])


def test_a_fit_with_the_average_trains_the_same_and_returns_the_average() -> None:
    batches, val_logits = _toy_problem()
    plain, plain_res = _fit(batches, val_logits)
    averaged, res = _fit(batches, val_logits, average_epochs=1.0)
    # the optimiser's path is the same: only what is validated and kept differs
    assert [r["train_loss"] for r in res.history] == pytest.approx(
        [r["train_loss"] for r in plain_res.history], rel=1e-6)
    assert [r["val_loss"] for r in res.history] != pytest.approx(
        [r["val_loss"] for r in plain_res.history], rel=1e-6)
    assert res.best_val_loss == pytest.approx(min(r["val_loss"] for r in res.history))
    assert any(not torch.equal(v, plain.state_dict()[k])
               for k, v in averaged.state_dict().items())


def test_an_interrupted_fit_with_the_average_resumes_exactly(tmp_path: Path) -> None:
    batches, val_logits = _toy_problem()
    whole, whole_res = _fit(batches, val_logits, average_epochs=1.0)

    def interrupt(row: dict[str, float]) -> None:
        if row["epoch"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _fit(batches, val_logits, resume_dir=tmp_path, on_epoch=interrupt, average_epochs=1.0)
    resumed, res = _fit(batches, val_logits, resume_dir=tmp_path, average_epochs=1.0)
    assert [r["val_loss"] for r in res.history] == pytest.approx(
        [r["val_loss"] for r in whole_res.history], rel=1e-6)
    for k, v in whole.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[k], v)
