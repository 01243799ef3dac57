"""The context prior a tracking model starts from: a per-play P(man) from the play's
situation, personnel and the defense's tendencies (a per-play model such as ``tabular``),
combined with what the tracking model reads in the players' positions.

The combination is Bayes' rule on the odds, with one weight fitted on the validation week::

    logit P(man) = logit p_tracking + w * (logit p_prior - logit base_rate)

``base_rate`` is the man share the tracking model was trained on: the prior only adds what
it knows *beyond* that rate, so a prior that says "the usual rate" leaves the tracking call
alone. With ``w = 1`` the two are treated as independent evidence; both look at the
formation, so the fitted ``w`` is usually below 1 and 0 when the prior adds nothing. A
combination, not an input, because it needs no retraining: the same prior serves every
tracking checkpoint, and a better prior is a swap of one folder.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coverage import evaluation
from coverage.config import models_root
from coverage.errors import CheckpointError
from coverage.models import registry
from coverage.models.checkpoint import Checkpoint, checkpoint_hash, is_checkpoint, read_config
from coverage.schema import PLAY_KEYS
from coverage.store import Store
from coverage.vocab import MAN, ZONE, label_expr

# (model, cfg, store, week, plays, **kw) -> per-frame P(man): a pipeline's predictor
Predictor = Callable[..., pl.DataFrame]

# A per-play model's P(man) of each play without its per-frame expansion (which reads the
# week's tracking for frame keys a prior does not need): "module:function" taking
# (model, store, plays) -> (gameId, playId, p_man, ...), by architecture
_PLAY_PREDICTORS = {"tabular": "coverage.tabular.pipeline:predict_plays"}
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
    return evaluation.sigmoid(z).astype(np.float32)


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
        if is_checkpoint(cand):
            return cand
    raise CheckpointError(
        f"this checkpoint combines its calls with the context prior '{entry['checkpoint']}', "
        f"which is neither in {models_root()} nor at {entry.get('path')}; put that "
        "checkpoint back or retrain without --prior")


def _present_hash(entry: dict[str, Any]) -> str | None:
    """The hash of the prior checkpoint a config's entry resolves to now (None: gone)."""
    try:
        return checkpoint_hash(resolve(entry))
    except CheckpointError:
        return None


def _prior_entry(model_dir: str | Path) -> dict[str, Any] | None:
    """A checkpoint's recorded prior (None without one, or for a config that cannot be
    read: whoever loads the checkpoint says what is wrong with it)."""
    try:
        entry = read_config(model_dir).get("prior")
    except CheckpointError:
        return None
    return entry if isinstance(entry, dict) and entry.get("checkpoint") else None


def prediction_digest(model_dir: str | Path) -> str:
    """The identity of the predictions a checkpoint makes, as store manifests record it.

    A tracking model's calls are moved by its context prior, which lives in another folder:
    its own hash (weights + config) does not change when that prior is retrained or
    swapped. So while the prior present is the one its config recorded, the identity is
    the checkpoint's hash (stored predictions stay current); once it differs, the present
    prior's hash is part of it, so predictions made with another prior count as stale and
    are made again (see :func:`prior_change` for what to tell the user).
    """
    digest = checkpoint_hash(model_dir)
    entry = _prior_entry(model_dir)
    if entry is None:
        return digest
    present = _present_hash(entry)
    if present is not None and present == entry.get("hash"):
        return digest
    return f"{digest}+prior-{present or 'missing'}"


def prior_change(model_dir: str | Path) -> str | None:
    """Why a checkpoint's calls would differ from the ones it was trained and scored with:
    its context prior is not the one its config recorded (or is gone). None when it has
    no prior or the same one."""
    entry = _prior_entry(model_dir)
    if entry is None:
        return None
    present = _present_hash(entry)
    name, prior_name = Path(model_dir).name, entry["checkpoint"]
    if present is None:
        return (f"model '{name}': its context prior '{prior_name}' is missing, so its "
                "predictions cannot be made; put that checkpoint back or retrain without "
                "--prior")
    recorded = entry.get("hash")
    if present == recorded:
        return None
    return (f"model '{name}': its context prior '{prior_name}' is not the one it was "
            f"trained with (hash {recorded} recorded, {present} present): predictions made "
            "with the old prior are stale and are made again with the present one, whose "
            "weight was fitted on the old one (retrain to refit it)")


def stale_by_prior(store: Store, model_dirs: list[Path]) -> dict[str, str]:
    """Models whose stored predictions were made with another context prior than the one
    present: name -> :func:`prior_change`'s reason. Views use it not to show those
    predictions as current."""
    manifest = store.manifest()
    out = {}
    for m in model_dirs:
        entry = manifest.get(m.name)
        if not isinstance(entry, dict) or _prior_entry(m) is None:
            continue
        weeks = entry.get("weeks") if isinstance(entry.get("weeks"), dict) else {}
        recorded = set(weeks.values()) or {entry.get("checkpoint")}
        reason = prior_change(m)
        if reason and recorded != {prediction_digest(m)}:
            out[m.name] = reason
    return out


def per_play_pipeline(prior_dir: str | Path) -> tuple[Callable, Predictor]:
    """(loader, predictor) of a checkpoint that can serve as a prior; a clear error for any
    other (checked before a tracking model trains, not after)."""
    arch = read_config(prior_dir)["architecture"]
    if arch not in registry.PER_PLAY:
        raise CheckpointError(f"{prior_dir} is a '{arch}' checkpoint; a prior must be per "
                              f"play ({' or '.join(registry.PER_PLAY)})")
    spec = registry.spec(arch)
    return registry.resolve(spec.loader), registry.resolve(spec.predictor)


def prior_per_play(prior_dir: str | Path, store: Store, plays: pl.DataFrame) -> pl.DataFrame:
    """(gameId, playId, p_prior) of ``plays`` from a per-play checkpoint (e.g. tabular)."""
    load, predict = per_play_pipeline(prior_dir)
    model, cfg = load(prior_dir)
    per_play = _PLAY_PREDICTORS.get(cfg["architecture"])
    per_play = registry.resolve(per_play) if per_play else None
    parts = []
    for (week,), wp in plays.select(*PLAY_KEYS, "week").group_by("week"):
        every = store.plays_with_formations(every_play=True).filter(pl.col("week") == week)
        every = every.join(wp.select(PLAY_KEYS), on=PLAY_KEYS, how="semi")
        if every.height:
            out = (per_play(model, store, every) if per_play is not None
                   else predict(model, cfg, store, int(week), every, device="cpu"))
            parts.append(out.group_by(PLAY_KEYS).agg(pl.col("p_man").first().alias("p_prior")))
    if not parts:
        return pl.DataFrame(schema={"gameId": pl.Int64, "playId": pl.Int64,
                                    "p_prior": pl.Float32})
    return pl.concat(parts).with_columns(pl.col(c).cast(pl.Int64) for c in PLAY_KEYS)


def prior_for_frames(entry: dict[str, Any], store: Store, game_id: np.ndarray,
                     play_id: np.ndarray) -> np.ndarray:
    """The prior's P(man) for each frame (given by its play's keys) of a tracking model's
    output; the base rate where the prior has no row (its shift is then 0)."""
    rows = pl.DataFrame({"gameId": np.asarray(game_id, np.int64),
                         "playId": np.asarray(play_id, np.int64)})
    return _on_frames(entry, prior_per_play(resolve(entry), store, _plays_of(store, rows)),
                      rows)


def _plays_of(store: Store, rows: pl.DataFrame) -> pl.DataFrame:
    """The store's plays whose keys ``rows`` (gameId, playId) name."""
    return store.plays().with_columns(pl.col(c).cast(pl.Int64) for c in PLAY_KEYS) \
        .join(rows.select(PLAY_KEYS).unique(), on=PLAY_KEYS, how="semi")


def _on_frames(entry: dict[str, Any], per_play: pl.DataFrame, rows: pl.DataFrame
               ) -> np.ndarray:
    """The per-play prior on each of ``rows`` (the base rate where it has none)."""
    got = rows.join(per_play, on=PLAY_KEYS, how="left", maintain_order="left")
    return got["p_prior"].fill_null(entry["base_rate"]).to_numpy().astype(np.float64)


def prior_entry(prior_dir: str | Path, base_rate: float, weight: float) -> dict[str, Any]:
    """What a tracking checkpoint's config records of its prior."""
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
    p_prior = prior_for_frames(entry, store, game_id, play_id)
    return prior_shift(p_prior, entry["base_rate"], entry["weight"])


def with_prior(predictor: Predictor) -> Predictor:
    """A tracking pipeline's predictor whose P(man) starts from the checkpoint's prior."""
    def predict(model: Any, cfg: dict[str, Any], store: Store, week: int, plays: pl.DataFrame,
                **kw: Any) -> pl.DataFrame:
        entry = cfg.get("prior")
        if not entry:
            return predictor(model, cfg, store, week, plays, **kw)
        # the prior of every play of the week, beside the tracking model (its loading and
        # LightGBM release the cores the encoder's gaps leave): only the played-out rows'
        # plays are read from it after
        with ThreadPoolExecutor(1, thread_name_prefix="coverage-prior") as pool:
            keys = plays.select(pl.col(c).cast(pl.Int64) for c in PLAY_KEYS)
            per_play = pool.submit(prior_per_play, resolve(entry), store,
                                   _plays_of(store, keys))
            out = predictor(model, cfg, store, week, plays, **kw)
            p_prior = _on_frames(entry, per_play.result(), out.select(
                pl.col(c).cast(pl.Int64) for c in PLAY_KEYS))
        if out.height == 0:
            return out
        return out.with_columns(pl.Series("p_man", combine(
            out["p_man"].to_numpy(), p_prior, entry["base_rate"], entry["weight"])))
    return predict


def adjust_family_logits(cfg: dict[str, Any], store: Store, game_id: np.ndarray,
                         play_id: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """The family model's logits with its prior on the man families (its week writer's
    ``adjust``): the family table, responsibilities' P(man) and predictions agree."""
    if not cfg.get("prior"):
        return logits
    man = [cfg["families"].index(f) for f in cfg["man_families"]]
    return shift_family_logits(logits, man, frame_shift(cfg, store, game_id, play_id))


def _frames(predict: Predictor, model: Any, cfg: dict[str, Any], store: Store,
            weeks: list[int]) -> pl.DataFrame:
    """The tracking model's own per-frame P(man) of ``weeks``' labelled plays, with labels."""
    every = store.plays_with_formations().filter(pl.col("week").is_in(weeks))
    labels = store.plays().select(*PLAY_KEYS, label_expr()).filter(pl.col("label").is_not_null())
    parts = [predict(model, cfg, store, w, every.filter(pl.col("week") == w), device="cpu")
             for w in weeks]
    return pl.concat(parts).join(labels, on=PLAY_KEYS, how="inner", maintain_order="left")


def attach(out: dict[str, Any], prior_dir: str | Path, store: Store, *,
           load: Callable[[str | Path], tuple[Any, dict[str, Any]]], predict: Predictor
           ) -> dict[str, Any]:
    """After a tracking model is trained: fit its prior's weight on the validation week's
    calls, record the prior in its config, and score the test week with the prior
    (``metrics["test_with_prior"]``, beside the tracking model's own ``test``)."""
    model_dir = Path(out["dir"])
    model, cfg = load(model_dir)
    cfg.pop("prior", None)  # fitted afresh: the calls it is fitted on are the model's own
    split = cfg["split"]
    train = store.plays().filter(pl.col("week").is_in(list(split["train"])))
    base = float(train.select(label_expr()).drop_nulls()["label"].mean() or 0.27)
    entry = prior_entry(prior_dir, base, 1.0)
    val = _frames(predict, model, cfg, store, list(split["val"]))
    p_prior = prior_for_frames(entry, store, val["gameId"].to_numpy(), val["playId"].to_numpy())
    entry["weight"] = fit_weight(val["p_man"].to_numpy(), p_prior,
                                 val["label"].to_numpy(), base)
    metrics = Checkpoint(model_dir).metrics
    majority = int(str(metrics.get("majority_class", ZONE)) == MAN)
    test_weeks = [w for w in split.get("test", []) if w in store.weeks]
    if test_weeks:  # the model's own calls (cfg has no prior yet), then combined here
        te = _frames(predict, model, cfg, store, test_weeks)
        p = combine(te["p_man"].to_numpy(), prior_for_frames(
            entry, store, te["gameId"].to_numpy(), te["playId"].to_numpy()),
            base, entry["weight"])
        metrics["test_with_prior"] = evaluation.frame_summaries(
            te["label"].to_numpy(), p, te["secs_from_snap"].to_numpy(), majority)
    cfg["prior"] = metrics["prior"] = entry
    Checkpoint(model_dir).write(cfg, metrics)
    return {**out, "config": cfg, "metrics": metrics}
