"""The trainers' batches as they were before windowed training, kept as the training
benchmark's same-run baseline ("today's figure"): every sampled moment is its own
k-frame window, so each frame is encoded once per window it belongs to, and LSTM batches
take plays in random order whatever their length.

Reference only: nothing in the package imports this.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from coverage.features import FrameTensors
from coverage.training.frame_models import padded_sequences
from coverage.training.sampling import mirror_half


def sample_frames(ft: FrameTensors, rng: np.random.Generator, per_play: int,
                  labelled: np.ndarray | None = None) -> np.ndarray:
    """``per_play`` frames from every labelled play (with replacement), shuffled."""
    starts, lengths = ft.play_bounds()
    keep = (~np.isnan(ft.y) if labelled is None else labelled)[starts]
    starts, lengths = starts[keep], lengths[keep]
    offs = np.floor(rng.random((len(starts), per_play)) * lengths[:, None]).astype(np.int64)
    rows = (starts[:, None] + offs).ravel()
    return rows[rng.permutation(rows.size)]


def transformer_batches(ft: FrameTensors, k: int, stride: int, per_play: int,
                        batch_size: int):
    hist = ft.history_index(k, stride)

    def gen(rng: np.random.Generator) -> Iterator:
        rows = sample_frames(ft, rng, per_play)
        for i in range(0, rows.size, batch_size):
            r = rows[i:i + batch_size]
            x = torch.from_numpy(ft.x[hist[r]])
            mirror_half(x, rng)
            yield (x,), torch.from_numpy(ft.y[r]), None
    return gen


def family_batches(ef, k: int, stride: int, per_play: int, batch_size: int):
    """``(x [B, k, 22, F], family [B], assign [B, 11], target [B, 11])``."""
    hist = ef.ft.history_index(k, stride)

    def gen(rng: np.random.Generator) -> Iterator:
        rows = sample_frames(ef.ft, rng, per_play, labelled=ef.family >= 0)
        for i in range(0, rows.size, batch_size):
            r = rows[i:i + batch_size]
            x, assign, target = torch.from_numpy(ef.ft.x[hist[r]]), ef.assign[r], ef.target[r]
            flip = mirror_half(x, rng)
            assign[flip] = assign[flip][:, ::-1]
            target[flip] = np.where(target[flip][:, ::-1] >= 0, 10 - target[flip][:, ::-1], -1)
            yield x, torch.from_numpy(ef.family[r]), torch.from_numpy(assign), \
                torch.from_numpy(target)
    return gen


def lstm_batches(ft: FrameTensors, batch_plays: int):
    starts, lengths = ft.play_bounds()
    keep = ~np.isnan(ft.y[starts])
    starts, lengths = starts[keep], lengths[keep]

    def gen(rng: np.random.Generator) -> Iterator:
        order = rng.permutation(starts.size)
        for i in range(0, order.size, batch_plays):
            j = order[i:i + batch_plays]
            x, idx = padded_sequences(ft, starts[j], lengths[j])
            xt = torch.from_numpy(x)
            mirror_half(xt, rng)
            y = np.broadcast_to(ft.y[starts[j]][:, None], idx.shape).astype(np.float32)
            yield (xt,), torch.from_numpy(y), torch.from_numpy(idx >= 0)
    return gen
