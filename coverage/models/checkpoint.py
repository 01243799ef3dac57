"""Checkpoints as ``model.safetensors`` + ``config.json`` (+ ``metrics.json``), never pickle.

The folder layout is owned here: the file names, "is this a checkpoint folder"
(:func:`is_checkpoint`) and :class:`Checkpoint`, which finds, reads and rewrites one;
every other module goes through them.

A checkpoint is only meaningful together with the exact feature list and normalisation it
was trained with, so the config carries them and loading refuses (with
:class:`coverage.errors.CheckpointError`) anything that does not match, instead of
silently producing garbage probabilities.
"""

from __future__ import annotations

import functools
import hashlib
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coverage.atomic import atomic_path, write_json
from coverage.errors import CheckpointError, json_object
from coverage.models.registry import build_model, network_shapes, spec

if TYPE_CHECKING:
    import torch

SCHEMA_VERSION = 1
WEIGHTS = "model.safetensors"
CONFIG = "config.json"
METRICS = "metrics.json"
# extra files of a tabular checkpoint that the app reads
IMPORTANCE = "importance.json"
TENDENCIES = "tendencies.parquet"
REQUIRED_KEYS = ("schema_version", "architecture", "hparams", "features")


def is_checkpoint(path: str | Path) -> bool:
    """A folder holding a checkpoint's config and weights (the test every lister uses)."""
    path = Path(path)
    return (path / CONFIG).is_file() and (path / WEIGHTS).is_file()


_REPORTED: set[tuple[str, str]] = set()


def report_skipped(folder: Path, reason: str) -> None:
    """One stderr line per broken checkpoint and reason, once per process (the app lists
    the models on every rerun; its log should say it once)."""
    key = (str(folder), reason)
    if key not in _REPORTED:
        _REPORTED.add(key)
        print(f"skipped checkpoint {folder}: {reason}", file=sys.stderr)


def checkpoints_in(root: str | Path, *,
                   on_skip: Callable[[Path, str], None] | None = report_skipped) -> list[Path]:
    """The usable checkpoint folders directly under ``root``, sorted by name; [] without
    ``root``.

    A folder whose config or weights header is broken (see :func:`validate_checkpoint`) is
    left out and ``on_skip(folder, reason)`` told: one bad folder must not take down every
    model listed beside it, nor the app page or ``coverage init`` that lists them.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    out = []
    for p in sorted(p for p in root.iterdir() if is_checkpoint(p)):
        try:
            validate_checkpoint(p)
        except CheckpointError as exc:
            if on_skip is not None:
                on_skip(p, str(exc))
            continue
        out.append(p)
    return out


def weight_shapes(directory: str | Path) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape, from the weights file's header alone (no tensor is read)."""
    from safetensors import SafetensorError, safe_open

    path = Path(directory) / WEIGHTS
    try:
        with safe_open(str(path), framework="np") as f:
            return {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}  # noqa: SIM118
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"cannot read checkpoint weights {path}: "
                              f"{str(exc)[:200]}") from exc


def _shape_text(shape: tuple[int, ...] | None) -> str:
    return "absent" if shape is None else f"[{', '.join(map(str, shape))}]"


def check_weights(cfg: Mapping[str, Any], directory: str | Path) -> None:
    """Refuse weights whose header disagrees with what the config builds (names and shapes),
    found before any network is built or any tensor read."""
    directory = Path(directory)
    have = weight_shapes(directory)
    if spec(cfg["architecture"]).network is None:
        return  # a tabular checkpoint: its own loader checks its tables against the config
    want = network_shapes(cfg["architecture"], cfg["hparams"])
    for key in sorted(set(want) | set(have)):
        if want.get(key) != have.get(key):
            n_bad = sum(want.get(k) != have.get(k) for k in set(want) | set(have))
            raise CheckpointError(
                f"weights in {directory / WEIGHTS} do not fit its config: '{key}' is "
                f"{_shape_text(have.get(key))} in the file, the config's hyper-parameters "
                f"build {_shape_text(want.get(key))} ({n_bad} tensor(s) differ); retrain it "
                "or restore the matching config")


@functools.lru_cache(maxsize=64)
def _validated(directory: str, stamp: tuple[int, ...]) -> None:
    """Cached by the files' stamp: a folder that passed is not re-read until it changes."""
    cfg = read_config(directory)
    try:
        spec(cfg["architecture"])
        check_weights(cfg, directory)
    except CheckpointError as exc:
        if directory in str(exc):
            raise
        raise CheckpointError(f"checkpoint {directory}: {exc}") from exc


def _stamp(directory: Path) -> tuple[int, ...]:
    out: list[int] = []
    for name in (CONFIG, WEIGHTS):
        try:
            st = (directory / name).stat()
        except OSError:
            return ()
        out += [st.st_mtime_ns, st.st_size, st.st_ino]
    return tuple(out)


def validate_checkpoint(directory: str | Path) -> None:
    """Check everything about a checkpoint that can be checked without building it, raising
    ``CheckpointError`` with the folder and the reason: config JSON (an object, its keys), a
    known architecture, hyper-parameters in range, and the weights header against the
    shapes those hyper-parameters build."""
    directory = Path(directory)
    _require_files(directory, (CONFIG, WEIGHTS))
    stamp = _stamp(directory)
    if not stamp:  # vanished or unreadable between the check and now: no caching
        _validated.__wrapped__(str(directory), stamp)
    else:
        _validated(str(directory), stamp)


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint folder: where its files are, its validated config, its metrics.

    :meth:`find` refuses (``CheckpointError`` naming the file) a folder that is missing,
    lacks its config or weights, or whose config is not a valid checkpoint config, so a
    caller never reads half a checkpoint.
    """

    path: Path

    @classmethod
    def find(cls, path: str | Path) -> Checkpoint:
        path = Path(path)
        _require_files(path, (CONFIG, WEIGHTS))
        ck = cls(path)
        _ = ck.config  # validated now, not on first use
        return ck

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG

    @property
    def weights_path(self) -> Path:
        return self.path / WEIGHTS

    @property
    def metrics_path(self) -> Path:
        return self.path / METRICS

    @functools.cached_property
    def config(self) -> dict[str, Any]:
        return read_config(self.path)

    @property
    def architecture(self) -> str:
        return self.config["architecture"]

    @property
    def metrics(self) -> dict[str, Any]:
        """The training report; {} for a checkpoint saved without one."""
        if not self.metrics_path.is_file():
            return {}
        return _json_object(self.metrics_path, "metrics", "an object")

    @property
    def hash(self) -> str:
        return checkpoint_hash(self.path)

    def write(self, config: Mapping[str, Any] | None = None,
              metrics: Mapping[str, Any] | None = None) -> None:
        """Replace the config and/or metrics, each file atomically."""
        if config is not None:
            write_json(dict(config), self.config_path)
            self.__dict__.pop("config", None)
        if metrics is not None:
            write_json(dict(metrics), self.metrics_path)


def fingerprint(game_ids: Sequence[int] | np.ndarray, play_ids: Sequence[int] | np.ndarray,
                labels: Sequence[object] | np.ndarray) -> str:
    """SHA-256 of the sorted (gameId, playId, label) triples a model was trained on.

    Order-independent, so re-ingesting the same data gives the same fingerprint, while
    adding a play or relabelling one changes it.
    """
    g = np.asarray(game_ids, dtype=np.int64)
    p = np.asarray(play_ids, dtype=np.int64)
    lab = np.asarray([("" if v is None else str(v)) for v in labels], dtype=object)
    order = np.lexsort((p, g))
    h = hashlib.sha256()
    h.update(g[order].tobytes())
    h.update(p[order].tobytes())
    h.update("\x1f".join(lab[order].tolist()).encode())
    return h.hexdigest()


def save_checkpoint(directory: str | Path, model: torch.nn.Module, config: Mapping[str, Any],
                    metrics: Mapping[str, Any] | None = None) -> Path:
    """Write weights, config and optional metrics, each file atomically."""
    from safetensors.torch import save_file  # torch only where weights are read/written

    directory = Path(directory)
    cfg = {"schema_version": SCHEMA_VERSION, **dict(config)}
    missing = [k for k in REQUIRED_KEYS if k not in cfg]
    if missing:
        raise CheckpointError(f"checkpoint config lacks {missing}")
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    with atomic_path(directory / WEIGHTS) as tmp:
        save_file(tensors, str(tmp), metadata={"architecture": str(cfg["architecture"])})
    write_json(cfg, directory / CONFIG)
    if metrics is not None:
        write_json(dict(metrics), directory / METRICS)
    return directory


def _require_files(directory: Path, names: Sequence[str]) -> None:
    """Say which of a checkpoint's files is missing, rather than failing on the first read."""
    if not directory.exists():
        raise CheckpointError(f"no checkpoint at {directory}: the folder does not exist; train "
                              "a model first (coverage train --model ...)")
    if not directory.is_dir():
        raise CheckpointError(f"{directory} is a file; expected a checkpoint folder holding "
                              f"{CONFIG} and {WEIGHTS}")
    missing = [n for n in names if not (directory / n).is_file()]
    if missing:
        raise CheckpointError(f"no checkpoint in {directory}: {' and '.join(missing)} missing; "
                              "train a model first (coverage train --model ...)")


def _json_object(path: Path, what: str, expected: str) -> dict[str, Any]:
    """A checkpoint file that must hold one JSON object, refused with the file named."""
    return json_object(path, f"checkpoint {what} {path}",
                       lambda msg: CheckpointError(f"{msg}; expected {expected}"))


def read_config(directory: str | Path) -> dict[str, Any]:
    """A checkpoint's config, refused with the file and key named when it is not one."""
    directory = Path(directory)
    _require_files(directory, (CONFIG,))
    path = directory / CONFIG
    cfg = _json_object(path, "config", "an object with keys " + ", ".join(REQUIRED_KEYS))
    missing = [k for k in REQUIRED_KEYS if k not in cfg]
    if missing:
        raise CheckpointError(f"checkpoint config {path} lacks keys {missing}")
    if cfg["schema_version"] != SCHEMA_VERSION:
        raise CheckpointError(f"checkpoint {path} has schema_version {cfg['schema_version']}, "
                              f"this code reads {SCHEMA_VERSION}; retrain the model")
    if not isinstance(cfg["architecture"], str):
        raise CheckpointError(f"checkpoint config {path}: 'architecture' is "
                              f"{cfg['architecture']!r}; expected a name such as 'lstm'")
    if not isinstance(cfg["hparams"], dict):
        raise CheckpointError(f"checkpoint config {path}: 'hparams' is "
                              f"{cfg['hparams']!r}; expected an object")
    return cfg


def check_calibration(cfg: Mapping[str, Any], where: str | Path,
                      required: Sequence[str] = ("temperature",)) -> None:
    """Refuse calibration a loader would otherwise fill in with a silent default.

    ``required`` names the keys this architecture's predictor applies (``logit_offset``
    undoes the class weight used in training, ``temperature`` rescales the logits): a
    missing offset shifts every probability and a temperature of 0 divides by zero, so a
    hand-edited or truncated config must fail here, not produce plausible numbers.
    """
    path = Path(where) / CONFIG
    for key in required:
        if key not in cfg:
            raise CheckpointError(f"checkpoint config {path} lacks '{key}', which the "
                                  f"'{cfg.get('architecture')}' model needs; retrain it")
    for key in ("logit_offset", "temperature"):
        if key not in cfg:
            continue
        value = cfg[key]
        ok = (isinstance(value, int | float) and not isinstance(value, bool)
              and math.isfinite(value) and (key != "temperature" or value > 0))
        if not ok:
            want = "a finite number > 0" if key == "temperature" else "a finite number"
            raise CheckpointError(f"checkpoint config {path}: '{key}' is {value!r}; "
                                  f"expected {want}")


def checkpoint_hash(model_dir: str | Path) -> str:
    """Identity of a checkpoint by content (weights + config), not by its folder name: two
    checkpoints both called ``lstm`` are told apart, a retrained one is noticed."""
    model_dir = Path(model_dir)
    _require_files(model_dir, (CONFIG, WEIGHTS))
    h = hashlib.sha256()
    for name in (WEIGHTS, CONFIG):
        h.update((model_dir / name).read_bytes())
    return h.hexdigest()[:16]


def predicted_by(entry: Mapping[str, Any], week: int) -> str | None:
    """The checkpoint hash that wrote a model's stored predictions of ``week``, from its
    store manifest entry; None when unknown (so the caller predicts again).

    Entries record each week (``{"weeks": {"9": hash}}``); an older entry without them
    stands for every week, which serving predicted in one go.
    """
    weeks = entry.get("weeks")
    if isinstance(weeks, dict):
        return weeks.get(str(week))
    return entry.get("checkpoint") if entry.get("status") == "ok" else None


def check_config(cfg: Mapping[str, Any], expected: Mapping[str, Any], where: str = "") -> None:
    """Raise CheckpointError naming the first key whose value differs from ``expected``."""
    for key, want in expected.items():
        have = cfg.get(key)
        if have == want:
            continue
        detail = f"{have!r} != expected {want!r}"
        if isinstance(have, list) and isinstance(want, list):
            extra = [f for f in have if f not in want]
            lacking = [f for f in want if f not in have]
            detail = (f"checkpoint has extra {extra}, lacks {lacking}" if extra or lacking
                      else "same names in a different order")
        raise CheckpointError(f"checkpoint {where} does not match this code/data: "
                              f"'{key}' differs ({detail}); retrain or use the matching version")


def load_checkpoint(directory: str | Path, expected: Mapping[str, Any] | None = None
                    ) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Rebuild the model named in the config and load its weights strictly."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    directory = Path(directory)
    cfg = read_config(directory)
    if expected:
        check_config(cfg, expected, str(directory))
    validate_checkpoint(directory)
    model = build_model(cfg["architecture"], cfg["hparams"])
    path = directory / WEIGHTS
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"cannot read checkpoint weights {path}: {exc}") from exc
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"weights in {path} do not fit architecture "
                              f"'{cfg['architecture']}' with hparams {cfg['hparams']}: "
                              f"{str(exc).splitlines()[0]}") from exc
    model.eval()
    return model, cfg
