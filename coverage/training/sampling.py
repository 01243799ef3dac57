"""What a training epoch sees: frames drawn per play, mirrored at random, batched.

Sampling is per play, not per frame: a play with a 30 s lineup would otherwise outweigh
a hurry-up snap thirty to one. Each epoch draws ``frames_per_play`` frames from every
labelled play with the seeded Generator, and mirrors half of them (y, vy and angles
together).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import torch

from coverage.features import FrameTensors, mirror
from coverage.training.frame_models import padded_sequences
from coverage.training.loop import Batch

BatchFactory = Callable[[np.random.Generator], Iterator[Batch]]


def sample_frames(ft: FrameTensors, rng: np.random.Generator, per_play: int,
                  labelled: np.ndarray | None = None) -> np.ndarray:
    """``per_play`` frames from every labelled play (with replacement), shuffled;
    ``labelled`` (per row, default: a man/zone label) says which plays are."""
    starts, lengths = ft.play_bounds()
    keep = (~np.isnan(ft.y) if labelled is None else labelled)[starts]
    starts, lengths = starts[keep], lengths[keep]
    offs = np.floor(rng.random((len(starts), per_play)) * lengths[:, None]).astype(np.int64)
    rows = (starts[:, None] + offs).ravel()
    return rows[rng.permutation(rows.size)]


def mirror_half(x: torch.Tensor, rng: np.random.Generator) -> np.ndarray:
    """Mirror a random half of the batch ``x`` in place (a batch is a fresh copy of its
    rows); returns which rows were mirrored."""
    flip = rng.random(x.shape[0]) < 0.5
    x[torch.from_numpy(flip)] = mirror(x[torch.from_numpy(flip)])
    return flip


def transformer_batches(ft: FrameTensors, k: int, stride: int, per_play: int,
                        batch_size: int, augment: bool = True) -> BatchFactory:
    hist = ft.history_index(k, stride)

    def gen(rng: np.random.Generator) -> Iterator:
        rows = sample_frames(ft, rng, per_play)
        for i in range(0, rows.size, batch_size):
            r = rows[i:i + batch_size]
            x = torch.from_numpy(ft.x[hist[r]])
            if augment:
                mirror_half(x, rng)
            yield (x,), torch.from_numpy(ft.y[r]), None
    return gen


def lstm_batches(ft: FrameTensors, batch_plays: int, augment: bool = True) -> BatchFactory:
    starts, lengths = ft.play_bounds()
    keep = ~np.isnan(ft.y[starts])
    starts, lengths = starts[keep], lengths[keep]

    def gen(rng: np.random.Generator) -> Iterator:
        order = rng.permutation(starts.size)
        for i in range(0, order.size, batch_plays):
            j = order[i:i + batch_plays]
            x, idx = padded_sequences(ft, starts[j], lengths[j])
            xt = torch.from_numpy(x)
            if augment:
                mirror_half(xt, rng)
            y = np.broadcast_to(ft.y[starts[j]][:, None], idx.shape).astype(np.float32)
            yield (xt,), torch.from_numpy(y), torch.from_numpy(idx >= 0)
    return gen
