"""The context prior a tracking model starts from: a per-play P(man) from the play's
situation, personnel and the defense's tendencies (the ``tabular`` or ``context`` model),
combined with what the tracking model reads in the players' positions.

The combination is Bayes' rule on the odds, with one weight fitted on the validation week::

    logit P(man) = logit p_tracking + w * (logit p_prior - logit base_rate)

``base_rate`` is the man share the tracking model was trained on: the prior only adds what
it knows *beyond* that rate, so a prior that says "the usual 27%" leaves the tracking call
alone. With ``w = 1`` the two are treated as independent evidence; both look at the
formation, so the fitted ``w`` is usually below 1 and 0 when the prior adds nothing. A
combination, not an input, because it needs no retraining: the same prior serves every
tracking checkpoint, and a better prior is a swap of one folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coverage.config import models_root
from coverage.errors import CheckpointError
from coverage.schema import PLAY_KEYS
from coverage.store import Store

_EPS = 1e-6
WEIGHT_RANGE = (0.0, 2.0)


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def prior_shift(p_prior: np.ndarray, base_rate: float, weight: float) -> np.ndarray:
    """What the prior adds to the tracking model's logit."""
    return weight * (logit(p_prior) - logit(base_rate))


def combine(p_tracking: np.ndarray, p_prior: np.ndarray, base_rate: float, weight: float
            ) -> np.ndarray:
    """P(man) of the tracking model moved by the prior's odds (see the module docstring)."""
    z = logit(p_tracking) + prior_shift(p_prior, base_rate, weight)
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def shift_family_logits(logits: np.ndarray, man_index: list[int], shift: np.ndarray
                        ) -> np.ndarray:
    """Family logits ``[N, C]`` with ``shift`` added to the man families: the summed man
    families' odds then move exactly as :func:`combine` moves P(man), so the family call
    and the man/zone call stay consistent."""
    out = np.array(logits, dtype=np.float32, copy=True)
    out[:, man_index] += shift.astype(np.float32)[:, None]
    return out


def fit_weight(p_tracking: np.ndarray, p_prior: np.ndarray, y: np.ndarray, base_rate: float
               ) -> float:
    """The weight in :data:`WEIGHT_RANGE` with the lowest log-loss on labelled rows."""
    from scipy.optimize import minimize_scalar  # scipy is slow to import: only when fitting

    z0, s = logit(p_tracking), logit(p_prior) - logit(base_rate)
    y = np.asarray(y, dtype=np.float64)

    def loss(w: float) -> float:
        z = z0 + w * s
        return float(np.mean(np.logaddexp(0.0, z) - y * z))
    res = minimize_scalar(loss, bounds=WEIGHT_RANGE, method="bounded")
    return float(res.x)


def resolve(entry: dict[str, Any]) -> Path:
    """The prior checkpoint a tracking config names: where it was when the tracking model
    was trained, or (a shipped prior, recorded without a path) under the models folder."""
    where = [Path(entry["path"])] if entry.get("path") else []
    where.append(models_root() / entry["checkpoint"])
    for cand in where:
        if (cand / "config.json").exists():
            return cand
    raise CheckpointError(
        f"this checkpoint combines its calls with the context prior '{entry['checkpoint']}', "
        f"which is neither in {models_root()} nor at {entry.get('path')}; put that "
        "checkpoint back or retrain without --prior")


def prior_per_play(prior_dir: str | Path, store: Store, plays: pl.DataFrame) -> pl.DataFrame:
    """(gameId, playId, p_prior) of ``plays`` from a per-play checkpoint (tabular/context)."""
    from coverage.pipelines import load_model, pipeline  # the pipelines sit above this

    model, cfg = load_model(prior_dir)
    run = pipeline(cfg["architecture"])
    if not run.per_play:
        raise CheckpointError(f"{prior_dir} is a '{cfg['architecture']}' checkpoint; a "
                              "prior must be per play (tabular or context)")
    week_of = plays.select(*PLAY_KEYS, "week")
    parts = []
    for (week,), wp in week_of.group_by("week"):
        every = store.plays_with_formations(every_play=True).filter(pl.col("week") == week)
        every = every.join(wp.select(PLAY_KEYS), on=PLAY_KEYS, how="semi")
        if every.height:
            out = run.predictor(model, cfg, store, int(week), every, device="cpu")
            parts.append(out.group_by(PLAY_KEYS).agg(pl.col("p_man").first().alias("p_prior")))
    if not parts:
        return pl.DataFrame(schema={"gameId": pl.Int64, "playId": pl.Int64,
                                    "p_prior": pl.Float32})
    return pl.concat(parts).with_columns(pl.col(c).cast(pl.Int64) for c in PLAY_KEYS)


def prior_for_rows(entry: dict[str, Any], store: Store, plays: pl.DataFrame,
                   game_id: np.ndarray, play_id: np.ndarray) -> np.ndarray:
    """The prior's P(man) for each row (a frame) of a tracking model's output; the base
    rate where the prior has no row (its shift is then 0)."""
    per_play = prior_per_play(resolve(entry), store, plays)
    rows = pl.DataFrame({"gameId": np.asarray(game_id, np.int64),
                         "playId": np.asarray(play_id, np.int64)})
    got = rows.join(per_play, on=PLAY_KEYS, how="left", maintain_order="left")
    return got["p_prior"].fill_null(entry["base_rate"]).to_numpy().astype(np.float64)


def prior_entry(prior_dir: str | Path, base_rate: float, weight: float) -> dict[str, Any]:
    """What a tracking checkpoint's config records of its prior."""
    from coverage.models.checkpoint import checkpoint_hash

    p = Path(prior_dir).resolve()
    # a prior among the shipped models is found by name (no machine's path in a shipped config)
    shipped = p.parent == models_root().resolve()
    return {"checkpoint": p.name, "path": None if shipped else str(p),
            "hash": checkpoint_hash(p),
            "base_rate": float(base_rate), "weight": float(weight)}


def frame_shift(cfg: dict[str, Any], store: Store, game_id: np.ndarray, play_id: np.ndarray
                ) -> np.ndarray:
    """What a checkpoint's context prior adds to the logit of each frame (given by its
    play's keys); zeros when the checkpoint has no prior."""
    entry = cfg.get("prior")
    if not entry or len(game_id) == 0:
        return np.zeros(len(game_id))
    keys = pl.DataFrame({"gameId": np.asarray(game_id, np.int64),
                         "playId": np.asarray(play_id, np.int64)}).unique()
    plays = store.plays().with_columns(pl.col(c).cast(pl.Int64) for c in PLAY_KEYS) \
        .join(keys, on=PLAY_KEYS, how="semi")
    p_prior = prior_for_rows(entry, store, plays, game_id, play_id)
    return prior_shift(p_prior, entry["base_rate"], entry["weight"])
