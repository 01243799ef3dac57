"""Training weeks stacked on disk (coverage.spill, issue 15: training memory flat in frames).

Several weeks' per-frame tensors must come back exactly as the in-memory stack would
give them, as maps of files that are gone from the folder, and be usable as ordinary
arrays (indexing, torch, writes that stay private).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from coverage.family.data import load_explain_frames
from coverage.features import build_frames, concat_frames
from coverage.spill import Spill
from coverage.training.frames import load_frames
from tests.builders.toy import toy_tracking


def test_spilled_arrays_are_the_stacked_rows(tmp_path) -> None:
    s = Spill(tmp_path)
    a = np.random.default_rng(0).random((40, 22, 3)).astype(np.float32)
    s.append(x=a, ids=np.arange(40))
    s.append(x=a[:0], ids=np.arange(0))  # a week with no usable frames
    s.append(x=a[:7] * 2, ids=np.arange(7) + 100)
    out = s.arrays()
    assert isinstance(out["x"], np.memmap)
    np.testing.assert_array_equal(out["x"], np.concatenate([a, a[:7] * 2]))
    np.testing.assert_array_equal(out["ids"][38:42], [38, 39, 100, 101])
    assert list(tmp_path.iterdir()) == []  # unlinked at once: nothing left behind
    assert torch.from_numpy(out["x"][3:5]).shape == (2, 22, 3)
    out["x"][0, 0, 0] = -1.0  # copy-on-write: private to this process
    assert out["x"][0, 0, 0] == -1.0
    empty = Spill(tmp_path)
    empty.append(x=a[:0])
    assert empty.arrays()["x"].shape == (0, 22, 3)
    with pytest.raises(ValueError, match="appended"):
        t = Spill(tmp_path)
        t.append(x=a)
        t.append(x=a.astype(np.float64))


def test_concat_frames_on_disk_equals_in_memory(tmp_path) -> None:
    weeks = [build_frames(*toy_tracking(n_plays=5, n_frames=12 + w, seed=w, week=w + 1))
             for w in range(3)]
    mem = concat_frames(weeks)
    disk = concat_frames(iter(weeks), Spill(tmp_path))
    assert isinstance(disk.x, np.memmap) and not isinstance(mem.x, np.memmap)
    for k in ("x", "game_id", "play_id", "frame_id", "secs", "y", "play_start"):
        np.testing.assert_array_equal(getattr(disk, k), getattr(mem, k))
    assert disk.dropped_frames == mem.dropped_frames
    np.testing.assert_array_equal(disk.history_index(5, 2), mem.history_index(5, 2))


def test_training_weeks_load_on_disk(sim_store) -> None:
    weeks = list(sim_store.weeks[:2])
    both = load_frames(sim_store, weeks)
    assert isinstance(both.x, np.memmap)
    one = [load_frames(sim_store, [w]) for w in weeks]
    assert not isinstance(one[0].x, np.memmap)  # a single week (predict) stays in memory
    np.testing.assert_array_equal(both.x, np.concatenate([f.x for f in one]))
    ef = load_explain_frames(sim_store, weeks)
    assert isinstance(ef.ft.x, np.memmap) and isinstance(ef.nfl, np.memmap)
    single = [load_explain_frames(sim_store, [w]) for w in weeks]
    for k in ("nfl", "family", "assign", "target"):
        np.testing.assert_array_equal(getattr(ef, k),
                                      np.concatenate([getattr(e, k) for e in single]))
