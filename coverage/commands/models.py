"""``coverage train | predict | evaluate``: the man/zone models' command line."""

from __future__ import annotations

import argparse
import json

from coverage.commands.common import (
    BATCH_SIZE,
    add_data_argument,
    add_device_argument,
    add_training_arguments,
    bounded_number,
    parse_weeks,
    pos_weight_arg,
    positive_int,
    prediction_target,
    training_options,
)
from coverage.models.registry import NAMES, PER_PLAY


def _cmd_train(args: argparse.Namespace) -> int:
    from coverage.opener import open_store
    from coverage.pipelines import train
    from coverage.training.options import TrainOptions

    if args.refit and args.model != "tabular":
        from coverage.errors import CoverageError

        raise CoverageError(f"--refit is for --model tabular, not '{args.model}'")
    values = training_options(args, args.name or args.model)
    if args.refit:
        values["hparams"]["refit"] = True  # refit on train + val weeks once val has chosen
    opts = TrainOptions.of(
        model=args.model, batch_size=args.batch_size, lr=args.lr, patience=args.patience,
        pos_weight=args.pos_weight, compile=args.compile, history=args.history,
        weight_decay=args.weight_decay,
        stride=args.stride, max_secs=args.max_secs, **values)
    if args.tune:
        from coverage.experiments.tune import require_ray  # optional extra

        require_ray()  # fail fast, before any data is read
    mlflow = _mlflow_settings(args)
    store = open_store(args.data, progress=not args.quiet)
    if args.tune:
        out = _tune(opts, store, args, mlflow)
    else:
        if mlflow is not None:
            from coverage.experiments.mlflow_runs import tracked

            opts = tracked(opts, mlflow)  # training reports to MLflow through its hooks
        out = train(opts, store)
    if out.get("mlflow_run_id"):
        print(f"mlflow run {out['mlflow_run_id']}")
    test = out["metrics"]["test"]
    test = test.get("at_snap", test)
    print(f"saved {out['dir']}  ({out['seconds']:.0f} s)")
    print(f"test week {out['config']['split']['test']}: accuracy {test['accuracy']:.3f} "
          f"[{test['ci_low']:.3f}, {test['ci_high']:.3f}] n={test['n']}  "
          f"AUC {test['auc']:.3f}  Brier {test['brier']:.3f}  ECE {test['ece']:.3f}  "
          f"majority baseline {test['majority_baseline']:.3f}")
    return 0


def _tune(opts, store, args: argparse.Namespace, mlflow) -> dict:
    from coverage.experiments.tune import TuneOptions, tune  # optional extra

    out = tune(opts, store, TuneOptions(trials=args.trials, address=args.address,
                                 cpus_per_trial=args.cpus_per_trial,
                                 gpus_per_trial=args.gpus_per_trial,
                                 storage=args.ray_storage), mlflow)
    t = out["tuning"]
    print(f"tuned {t['trials']} trials on validation week(s) {t['selection']['weeks']} "
          f"in {t['search_seconds']:.0f} s; best val log-loss {t['best_val_loss']:.4f} "
          f"with {json.dumps(t['best_config'])}")
    return out


def _mlflow_settings(args: argparse.Namespace):
    """--mlflow / --no-mlflow; by default track whenever mlflow is installed. None: off."""
    from coverage.experiments.mlflow_runs import MlflowSettings, mlflow_available, require_mlflow

    if args.mlflow:
        require_mlflow()
    on = mlflow_available() if args.mlflow is None else args.mlflow
    return MlflowSettings(tracking_uri=args.tracking_uri) if on else None


def _cmd_predict(args: argparse.Namespace) -> int:
    from coverage.store import writing

    weeks = parse_weeks(args.weeks)
    digest, store, name = prediction_target(args)
    with writing(store):  # the store's one writer, on its live generation, until done
        _predict_weeks(args, store, name, digest, weeks)
    return 0


def _predict_weeks(args: argparse.Namespace, store, name: str, digest: str,
                   weeks: list[int] | None) -> None:
    from concurrent.futures import Future, ThreadPoolExecutor

    from coverage.frame_cache import week_frames
    from coverage.models.checkpoint import read_config
    from coverage.models.registry import spec as model_spec

    spec = model_spec(read_config(args.model_dir)["architecture"])
    weeks = weeks or (store.weeks if spec.needs_tracking else store.label_weeks)
    # a tracking model's frames are built (polars, numpy: mostly without the GIL) while
    # torch is imported and the model loads, and each next week's while this one predicts
    with ThreadPoolExecutor(1, thread_name_prefix="coverage-frames") as pool:
        def frames_of(i: int) -> Future | None:
            if not spec.needs_tracking or i >= len(weeks) or weeks[i] not in store.weeks:
                return None
            return pool.submit(week_frames, store, weeks[i], keep=True)
        ahead = frames_of(0)
        from coverage.pipelines import load_model, predict_week, record_predictions

        loaded = load_model(args.model_dir)
        for i, w in enumerate(weeks):
            frames = ahead.result() if ahead is not None else None
            ahead = frames_of(i + 1)
            df = predict_week(args.model_dir, store, w, device=args.device,
                              batch_size=args.batch_size, name=name, loaded=loaded,
                              frames=frames)
            record_predictions(store, name, [w], digest)
            n_plays = df.select("gameId", "playId").n_unique()
            print(f"week {w}: {df.height} predictions for {n_plays} plays")


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from coverage.pipelines import evaluate
    from coverage.store import writing

    _, store, _ = prediction_target(args)
    with writing(store):  # may predict the week first: the store's one writer until done
        rep = evaluate(args.model_dir, store, args.week)
    plays = rep["plays"]
    print(f"{rep['model']} ({rep.get('trained_on', '?')}-trained) on {store.source} week "
          f"{rep['week']}: {plays['with_predictions']} of {plays['labelled']} Man/Zone plays "
          "predicted")
    for k, m in rep["at_offsets"].items():
        if not m["n"]:
            print(f"{k:>5}: no plays (no tracking this far before the snap)")
            continue
        print(f"{k:>5}: accuracy {m['accuracy']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}] "
              f"n={m['n']}  AUC {m['auc']:.3f}  baseline {m['majority_baseline']:.3f}")
    return 0


def _train_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a man/zone model (train 1-7, val 8, test 9)")
    p.add_argument("--model", choices=NAMES, default="transformer")
    add_training_arguments(p, name=None, epochs=30, frames_per_play=8,
                           data_what=f"store folder, or raw BDB folder ({', '.join(PER_PLAY)} "
                           "only)")
    p.add_argument("--batch-size", type=BATCH_SIZE, default=256)
    p.add_argument("--lr", type=bounded_number(0, 10, above=True), default=1e-3)
    p.add_argument("--weight-decay", type=bounded_number(0, 1), default=1e-4,
                   help="AdamW weight decay (tracking models)")
    p.add_argument("--patience", type=bounded_number(1, 10_000, whole=True), default=5,
                   help="epochs without a better validation loss before stopping")
    p.add_argument("--pos-weight", type=pos_weight_arg, default="auto",
                   help="auto | none | a number")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--history", type=bounded_number(1, 100, whole=True), default=5,
                   help="frames of context (transformer)")
    p.add_argument("--stride", type=bounded_number(1, 100, whole=True), default=2,
                   help="frames between history steps")
    p.add_argument("--max-secs", type=bounded_number(0, 3600, above=True), default=None,
                   help="train on the last N seconds before the snap only")
    p.add_argument("--refit", action="store_true",
                   help="tabular: after week-8 selection, refit on weeks 1-8 with the chosen "
                        "settings, calibrated out-of-fold (leave-one-week-out)")
    g = p.add_argument_group("tuning and tracking (needs: pip install -e '.[tune]')")
    g.add_argument("--tune", action="store_true",
                   help="Ray Tune search (ASHA) selected on the validation week, then "
                        "retrain the best config and score the test week once")
    g.add_argument("--trials", type=bounded_number(1, 100_000, whole=True), default=20,
                   help="configurations to sample")
    g.add_argument("--address", default=None,
                   help="existing Ray cluster: auto | ray://head:10001 (default: local)")
    g.add_argument("--cpus-per-trial", type=bounded_number(0, 4096, above=True), default=1.0)
    g.add_argument("--gpus-per-trial", type=bounded_number(0, 1024), default=0.0)
    g.add_argument("--ray-storage", default=None,
                   help="Ray results folder or URI (default: ./ray_results; shared "
                        "storage on a multi-node cluster)")
    g.add_argument("--mlflow", action=argparse.BooleanOptionalAction, default=None,
                   help="log the run to MLflow (default: on when mlflow is installed)")
    g.add_argument("--tracking-uri", default=None,
                   help="MLflow store (default: $MLFLOW_TRACKING_URI or sqlite:///mlflow.db "
                        "in the current directory)")
    p.set_defaults(func=_cmd_train)


def register(sub: argparse._SubParsersAction) -> None:
    _train_parser(sub)

    p = sub.add_parser("predict", help="batched P(man) for every pre-snap frame")
    p.add_argument("model_dir")
    add_data_argument(p, what="store folder")
    p.add_argument("--weeks", help="e.g. 9 or 1-9 (default: all)")
    add_device_argument(p)
    p.add_argument("--batch-size", type=BATCH_SIZE, default=4096)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("evaluate", help="test-week metrics and accuracy-by-time curve")
    p.add_argument("model_dir")
    add_data_argument(p, what="store folder")
    p.add_argument("--week", type=positive_int, default=None,
                   help="default: the model's test week")
    p.set_defaults(func=_cmd_evaluate)
