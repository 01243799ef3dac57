"""What a training epoch sees: frames drawn per play, mirrored at random, batched.

Sampling is per play, not per frame: a play with a 30 s lineup would otherwise outweigh
a hurry-up snap thirty to one. Each epoch draws ``frames_per_play`` frames from every
labelled play with the seeded Generator, and mirrors half of them (y, vy and angles
together).

The windowed models (transformer, family) draw those frames as *chunks*: ``chunk``
consecutive moments ``stride`` frames apart, with the ``k - 1`` history frames before the
first. The k-frame windows of a chunk overlap, so a chunk of c moments needs c + k - 1
frame encodings instead of c * k, and the encoder (nearly all of a step's work) runs on
each frame once (:mod:`coverage.training.windows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import torch

from coverage.features import FrameTensors, mirror
from coverage.training.frame_models import padded_sequences
from coverage.training.loop import Batch

BatchFactory = Callable[[np.random.Generator], Iterator[Batch]]


def mirror_half(x: torch.Tensor, rng: np.random.Generator) -> np.ndarray:
    """Mirror a random half of the batch ``x`` in place (a batch is a fresh copy of its
    rows); returns which rows were mirrored."""
    flip = rng.random(x.shape[0]) < 0.5
    x[torch.from_numpy(flip)] = mirror(x[torch.from_numpy(flip)])
    return flip


def lstm_batches(ft: FrameTensors, batch_plays: int, augment: bool = True,
                 pool: int = 16) -> BatchFactory:
    """Whole labelled plays, right-padded, ``batch_plays`` a batch. Plays of similar length
    go together (each run of ``pool`` batches' worth of shuffled plays is sorted by length
    before it is cut), so little of a batch is padding; the batches' order is shuffled."""
    starts, lengths = ft.play_bounds()
    keep = ~np.isnan(ft.y[starts])
    starts, lengths = starts[keep], lengths[keep]

    def gen(rng: np.random.Generator) -> Iterator:
        order = rng.permutation(starts.size)
        runs = [order[i:i + batch_plays * pool]
                for i in range(0, order.size, batch_plays * pool)]
        batches = [run[np.argsort(lengths[run], kind="stable")][i:i + batch_plays]
                   for run in runs for i in range(0, run.size, batch_plays)]
        for b in rng.permutation(len(batches)):
            j = batches[b]
            x, idx = padded_sequences(ft, starts[j], lengths[j])
            xt = torch.from_numpy(x)
            if augment:
                mirror_half(xt, rng)
            y = np.broadcast_to(ft.y[starts[j]][:, None], idx.shape).astype(np.float32)
            yield (xt,), torch.from_numpy(y), torch.from_numpy(idx >= 0)
    return gen


def chunk_rows(ft: FrameTensors, rng: np.random.Generator, per_play: int, chunk: int,
               k: int, stride: int, labelled: np.ndarray | None = None) -> np.ndarray:
    """``[n, chunk + k - 1]`` frame rows of ``n`` chunks, shuffled: from every labelled play
    ``max(1, per_play // chunk)`` chunks of ``chunk`` moments ``stride`` apart, each row
    preceded by its ``k - 1`` history frames; the windows' last ``chunk`` columns are the
    moments predicted. History before a play's first frame is that frame, as in
    :meth:`~coverage.features.FrameTensors.history_index`, and each moment of the play is
    a chunk's anchor with the same chance except within ``stride * (chunk - 1)`` frames of
    either end of a long play."""
    starts, lengths = ft.play_bounds()
    keep = (~np.isnan(ft.y) if labelled is None else labelled)[starts]
    reps = max(1, per_play // chunk)
    s, n = np.repeat(starts[keep], reps), np.repeat(lengths[keep], reps)
    lo = np.minimum(stride * (chunk - 1), n - 1)  # the last moment, from the play's start
    last = lo + np.floor(rng.random(s.size) * (n - lo)).astype(np.int64)
    offs = stride * np.arange(-(chunk + k - 2), 1, dtype=np.int64)
    rows = s[:, None] + np.maximum(last[:, None] + offs[None, :], 0)
    return rows[rng.permutation(rows.shape[0])]


def window_sampling(per_play: int, chunk: int) -> dict[str, int]:
    """How a windowed model's epochs draw their moments: ``per_play`` a play, in chunks of
    ``chunk`` (at most ``per_play``). Its checkpoint records this, since how a model was
    sampled changes what it learns in a given time."""
    return {"frames_per_play": per_play, "chunk": min(chunk, per_play)}


def window_batches(ft: FrameTensors, k: int, stride: int, per_play: int, chunk: int,
                   batch_size: int, augment: bool = True) -> BatchFactory:
    """Batches of ``((x [b, chunk + k - 1, 22, F],), y [b, chunk], None)`` for a
    :class:`~coverage.training.windows.WindowedTransformer`; ``batch_size`` counts
    windows (moments), so ``batch_size // chunk`` chunks a batch."""
    per_batch = max(1, batch_size // chunk)

    def gen(rng: np.random.Generator) -> Iterator:
        rows = chunk_rows(ft, rng, per_play, chunk, k, stride)
        for i in range(0, rows.shape[0], per_batch):
            r = rows[i:i + per_batch]
            x = torch.from_numpy(ft.x[r])
            if augment:
                mirror_half(x, rng)
            yield (x,), torch.from_numpy(ft.y[r[:, k - 1:]]), None
    return gen
