"""Argument helpers shared by the subcommands.

Arguments are checked before any data is read, so a typo or an unwritable output
folder fails in a second with a message naming it, not after minutes of work.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

from coverage.atomic import special_file_kind
from coverage.config import models_root
from coverage.errors import CoverageError, DataError
from coverage.training.options import PRECISION_NAMES

WEEKS_EXPECTED = "week numbers such as 9, 1-8 or 1,3,5"


def parse_weeks(text: str | None) -> list[int] | None:
    """``"9"``, ``"1-8"`` or ``"1,3,5"`` (or a mix, ``"1-3,8"``) -> week numbers; None when
    not given."""
    if not text:
        return None
    out: list[int] = []
    for part in text.split(","):
        a, dash, b = part.strip().partition("-")
        try:
            lo, hi = int(a), int(b) if dash else int(a)
        except ValueError:
            raise CoverageError(f"weeks {text!r}: expected {WEEKS_EXPECTED}") from None
        if lo < 1 or hi < lo:
            raise CoverageError(f"weeks {text!r}: {part.strip()!r} is not a week or an "
                                f"increasing range of weeks; expected {WEEKS_EXPECTED}")
        out += list(range(lo, hi + 1))
    return sorted(set(out))


def parse_id(text: str, what: str) -> int:
    """A gameId / playId given on the command line, as the integer the store keys on."""
    try:
        return int(text)
    except ValueError:
        raise CoverageError(f"{what} {text!r} is not a whole number (e.g. gameId "
                            "2022103007, playId 1507)") from None


def parse_hparams(text: str | None) -> dict[str, Any]:
    """``--hparams`` JSON: an object of hyper-parameters, or nothing."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CoverageError(f"--hparams {text!r} is not valid JSON ({exc.msg}); expected an "
                            'object such as \'{"dim": 96}\'') from None
    if not isinstance(value, dict):
        raise CoverageError(f"--hparams {text!r}: expected a JSON object such as "
                            '\'{"dim": 96}\'')
    return value


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_output_dir(path: str | Path, what: str = "output folder") -> Path:
    """A folder we will create files in (and its missing parents): it must not be a file
    and the nearest existing folder on the way must be writable."""
    path = Path(path)
    base = _nearest_existing(path.absolute())
    if not base.is_dir():
        raise DataError(f"{what} {path} cannot be created: {base} is a file, not a folder",
                        file=str(path), expected="a folder path")
    if not os.access(base, os.W_OK | os.X_OK):
        raise DataError(f"{what} {path} is not writable: {base} is read-only",
                        file=str(path), expected="a folder you can write to")
    return path


def check_output_file(path: str | Path, what: str = "output file") -> Path:
    """A file we will write: its folder must already exist (a typo in it should not
    silently create a tree of folders) and be writable, and the path must not be a folder."""
    path = Path(path)
    folder = path.absolute().parent
    if path.is_dir():
        raise DataError(f"{what} {path} is a folder; give a file name", file=str(path))
    kind = special_file_kind(path)
    if kind:
        raise DataError(f"{what} {path} is {kind}, not a regular file; give a new file name "
                        "or a regular file to replace", file=str(path))
    if not folder.exists():
        raise DataError(f"{what} {path}: folder {path.parent} does not exist; create it first",
                        file=str(path))
    if not folder.is_dir():
        raise DataError(f"{what} {path}: {path.parent} is a file, not a folder",
                        file=str(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataError(f"{what} {path}: folder {path.parent} is read-only", file=str(path))
    return path


def add_data_argument(p: argparse.ArgumentParser, *names: str,
                      what: str = "a store, or a raw Big Data Bowl folder") -> None:
    p.add_argument(*(names or ("--data",)), default=None, dest="data",
                   help=f"{what} (default: the embedded synthetic season)")


def prediction_target(args: argparse.Namespace) -> tuple[str, Any, str]:
    """What ``predict``, ``predict-family`` and ``evaluate`` share before any model runs: the
    checkpoint's weights hash (refusing an incomplete folder), the writable store and the
    model's name in it."""
    from coverage.models.checkpoint import validate_checkpoint
    from coverage.opener import open_store
    from coverage.prior import prediction_digest, prior_change

    digest = prediction_digest(args.model_dir)  # its context prior's too, where it changed
    validate_checkpoint(args.model_dir)  # an impossible config fails here, before any work
    if why := prior_change(args.model_dir):
        print(f"note: {why}", file=sys.stderr)
    store = open_store(args.data)
    check_output_dir(store.path, "store")
    return digest, store, Path(args.model_dir).name


def bounded_number(lo: float, hi: float, *, whole: bool = False, above: bool = False) -> Any:
    """An argparse type: a finite number from ``lo`` to ``hi`` (a whole one with ``whole``;
    strictly more than ``lo`` with ``above``), so a value the command cannot honour is
    refused naming the option, not met as a traceback (or an absurd output) later."""
    def parse(text: str) -> float | int:
        try:
            value: float | int = int(text) if whole else float(text)
        except ValueError:
            kind = "a whole number" if whole else "a number"
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text[:80]!r}") from None
        low_ok = value > lo if above else value >= lo
        if not (math.isfinite(value) and low_ok and value <= hi):
            span = f"more than {lo:g} and at most {hi:g}" if above else f"{lo:g} to {hi:g}"
            raise argparse.ArgumentTypeError(f"expected {span}, got {str(value)[:80]}")
        return value
    return parse


# Ranges of the numeric options. Upper bounds only catch a value no run could mean (a typo
# of a few digits), far above anything useful; the lower ones are what the code needs.
SEED = bounded_number(0, 2**32 - 1, whole=True)  # numpy's generators take no negative seed
BATCH_SIZE = bounded_number(1, 1 << 20, whole=True)
MINUTES = bounded_number(0, 60 * 24 * 365)  # a time budget: 0 = none


def pos_weight_arg(text: str) -> str | float:
    """An argparse type for ``--pos-weight``: ``auto``, ``none`` or a weight above 0 (the
    loss takes its logarithm)."""
    value = text.strip().lower()
    if value in ("auto", "none"):
        return value
    try:
        return bounded_number(0, 1000, above=True)(value)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"expected auto, none or a number; {exc}") from None


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (epochs, frames drawn per play)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:80]!r}") \
            from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


DEVICES_EXPECTED = "auto, cpu, cuda, cuda:N or mps"
_DEVICE = re.compile(r"(auto|cpu|mps|cuda)(?::(\d{1,3}))?")


def _device_missing(kind: str, index: int | None) -> str | None:
    """Why ``kind[:index]`` cannot run here, asking torch only for an accelerator (so
    ``auto`` and ``cpu`` parse without importing it); None when it can."""
    import torch

    if kind == "cuda":
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if n == 0:
            return "this machine has no CUDA device (or torch was built without CUDA)"
        if index is not None and index >= n:
            return f"this machine has {n} CUDA device(s), numbered 0 to {n - 1}"
    mps = getattr(torch.backends, "mps", None)
    if kind == "mps" and not (mps is not None and mps.is_available()):
        return "MPS (Apple GPU) is not available on this machine"
    return None


def device_arg(text: str) -> str:
    """An argparse type for ``--device``: a device this machine has, checked when the
    arguments are parsed, so a typo or a missing GPU fails in a second, not after the data
    has loaded (or deep inside torch)."""
    value = text.strip().lower()
    found = _DEVICE.fullmatch(value)
    if not found or (found.group(2) is not None and found.group(1) in ("auto", "cpu")):
        raise argparse.ArgumentTypeError(f"unknown device {text[:80]!r}; expected "
                                         f"{DEVICES_EXPECTED}")
    kind, index = found.group(1), found.group(2)
    if kind == "mps" and index not in (None, "0"):
        raise argparse.ArgumentTypeError(f"unknown device {text[:80]!r}; MPS has one device, "
                                         "'mps'")
    if kind in ("cuda", "mps"):
        why = _device_missing(kind, None if index is None else int(index))
        if why:
            raise argparse.ArgumentTypeError(f"{value} is not usable: {why}; use --device "
                                             "cpu or auto")
    return value


def add_device_argument(p: argparse.ArgumentParser, *, note: str = "") -> None:
    """``--device``, the same choices and checks on every command that runs a model."""
    p.add_argument("--device", type=device_arg, default="auto",
                   help=f"auto | cpu | cuda | cuda:N | mps{note} (default auto: a GPU when "
                        "there is one)")


def add_training_arguments(p: argparse.ArgumentParser, *, data_what: str,
                           name: str | None, epochs: int, frames_per_play: int) -> None:
    """The options ``train`` and ``train-family`` share: data, checkpoint, seed, clock,
    device, week split, hyper-parameters and what a tracking model reads and starts from."""
    add_data_argument(p, what=data_what)
    p.add_argument("--name", default=name,
                   help=f"checkpoint name (default: {name or 'the model kind'})")
    p.add_argument("--out", default=None,
                   help="folder holding <name>/ checkpoints (default: the one the app serves, "
                        "COVERAGE_MODELS_DIR or the repository's models/)")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--epochs", type=positive_int, default=epochs)
    p.add_argument("--frames-per-play", type=positive_int, default=frames_per_play)
    add_device_argument(p)
    for split, example in (("train", "1-7"), ("val", "8"), ("test", "9")):
        p.add_argument(f"--{split}-weeks", help=f"e.g. {example}")
    p.add_argument("--hparams", default=None, help='JSON, e.g. \'{"dim": 96}\'')
    p.add_argument("--feature-set", default="full", choices=("full", "motion"),
                   help="tracking models: read all 12 channels (full) or positions, "
                        "velocities and the last second's displacement only (motion: no "
                        "acceleration, orientation or direction, which transfer worst from "
                        "the simulator to real tracking)")
    p.add_argument("--prior", default=None, metavar="CHECKPOINT",
                   help="tracking models: a per-play checkpoint (e.g. "
                        "models/context_real_gbm) whose P(man) they start from; its weight "
                        "is fitted on the validation week (coverage/prior.py)")
    p.add_argument("--budget-minutes", type=MINUTES, default=None,
                   help="stop training after this many minutes (best epoch so far kept; "
                        "0 = no limit)")
    p.add_argument("--precision", default="auto", choices=PRECISION_NAMES,
                   help="tracking models on a CPU: the training forward's precision (default "
                        "auto: mixed, bfloat16 matrix products and float32 elsewhere, on a "
                        "CPU with bf16 units; float32 otherwise)")
    p.add_argument("--quiet", "-q", action="store_true")


def training_options(args: argparse.Namespace, checkpoint: str) -> dict[str, Any]:
    """The TrainOptions values of :func:`add_training_arguments`' options, checked before any
    data is read (the ``checkpoint`` folder under ``--out`` must be creatable)."""
    hparams = parse_hparams(args.hparams)
    weeks = {f"{k}_weeks": parse_weeks(getattr(args, f"{k}_weeks"))
             for k in ("train", "val", "test")}
    out = Path(args.out) if args.out else models_root()
    check_output_dir(out / checkpoint, "checkpoint folder")
    return {"data": args.data, "name": args.name, "out_root": out,
            "seed": args.seed, "epochs": args.epochs, "frames_per_play": args.frames_per_play,
            "device": args.device, "progress": not args.quiet, "hparams": hparams,
            "feature_set": args.feature_set, "prior": args.prior,
            "time_budget_s": args.budget_minutes * 60 if args.budget_minutes else None,
            "precision": args.precision, **weeks}
