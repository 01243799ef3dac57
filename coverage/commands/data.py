"""``coverage ingest | info | init | finish-training | formations``: data in, stores out."""

from __future__ import annotations

import argparse
from pathlib import Path

from coverage.commands.common import (
    MINUTES,
    SEED,
    add_device_argument,
    bounded_number,
    parse_weeks,
)
from coverage.training.options import DEFAULT_BUDGET_MINUTES


def _cmd_ingest(args: argparse.Namespace) -> int:
    from coverage.ingest import ingest

    report = ingest(args.raw_dir, args.out, weeks=parse_weeks(args.weeks), progress=not args.quiet,
                    force=args.force)
    print(report.summary())
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from coverage.opener import open_store
    from coverage.serving import deferred_notes

    store = open_store(args.data)
    plays = store.plays()
    print(store)
    print(f"plays: {plays.height}  games: {plays['gameId'].n_unique()}  weeks: {store.weeks}")
    print(plays["pff_manZone"].value_counts(sort=True))
    for line in _models_lines(store.models_dir):
        print(line)
    for note in deferred_notes(store.manifest()):
        print(f"note: {note}")
    return 0


def _models_lines(models_dir: Path) -> list[str]:
    """The store's own checkpoints (``coverage init --data``): what each trained on, what
    stopped it short or keeps its test figures from being held out, and the notes on what
    the data's weeks left out."""
    from coverage.errors import CoverageError
    from coverage.models.checkpoint import Checkpoint, checkpoints_in
    from coverage.training.notes import init_notes, served_notes

    lines = []
    for d in checkpoints_in(models_dir):
        ck = Checkpoint(d)
        try:
            cfg, metrics = ck.config, ck.metrics
        except CoverageError as exc:
            lines.append(f"{d.name}: unreadable ({exc})")
            continue
        split = cfg.get("split") or {}
        lines.append(f"{d.name}: {cfg.get('architecture')}, trained on "
                     f"{(cfg.get('data') or {}).get('source', 'unknown')} data, weeks "
                     f"train {split.get('train')} / validate "
                     f"{split.get('val', split.get('selected_on'))} / test {split.get('test')}")
        lines += [f"  {n}" for n in served_notes(d, cfg, metrics)]
    if lines:
        lines.insert(0, f"models trained on this data ({models_dir}):")
    return lines + [f"note: {n}" for n in init_notes(models_dir)]


def _cmd_init(args: argparse.Namespace) -> int:
    if args.data is not None:
        return _init_data(args)
    from coverage.opener import build_default_store
    from coverage.serving import ensure_predictions

    store = build_default_store(progress=not args.quiet, force=args.force)
    ensure_predictions(store, log=None if args.quiet else print)
    print(f"embedded synthetic store ready: {store.path}")
    return 0


def _init_data(args: argparse.Namespace) -> int:
    """``init --data DIR``: ingest, train real_* models on real data (resumable), predict."""
    from tqdm.auto import tqdm

    from coverage.bootstrap import BootstrapOptions, init_data, summary_lines

    opts = BootstrapOptions(budget_minutes=args.budget_minutes, device=args.device,
                            seed=args.seed, force=args.force, progress=not args.quiet)
    result = init_data(args.data, opts, log=None if args.quiet else tqdm.write)
    for line in summary_lines(result):
        print(line)
    print(f"store ready: {result['store']} (checkpoints: {result['models_dir']})")
    return 0


def _cmd_finish(args: argparse.Namespace) -> int:
    """``finish-training --data DIR``: the budget-stopped real_* models trained in full."""
    from coverage.background import become_child_of

    if args.with_parent is not None and not become_child_of(args.with_parent):
        return 0  # the app that started it is gone already
    from coverage.finish import finish_training
    from coverage.opener import open_store

    def say(line: str) -> None:
        print(f"coverage finish-training: {line}", flush=True)

    store = open_store(args.data, progress=False)
    quiet_when_idle = args.with_parent is not None  # the app starts it on every start
    result = finish_training(store, device=args.device,
                             log=None if args.quiet else say)
    if result and not args.quiet:
        say(", ".join(f"{name} {what}" for name, what in result.items()))
    if not result and not quiet_when_idle and not args.quiet:
        from coverage.training.notes import INIT_STATE_FILE

        say(f"{store.root}: every model the last `coverage init --data` trained is trained in "
            "full" if (store.models_dir / INIT_STATE_FILE).exists() else
            f"{store.root}: nothing to finish (no `coverage init --data` trained models here)")
    return 0


def _cmd_formations(args: argparse.Namespace) -> int:
    import polars as pl

    from coverage.atomic import write_parquet
    from coverage.formations import EFPI
    from coverage.opener import open_tracking_store

    store = open_tracking_store(args.data)
    if args.every == "play-table":
        out = store.formations()
    else:
        out = pl.concat([EFPI(store.tracking(w), on_bad="skip").fit(
            every=args.every, change_threshold=args.change_threshold).formations
            for w in store.weeks])
    if args.output:
        write_parquet(out, Path(args.output))
        print(f"{out.height} rows -> {args.output}")
    else:
        print(out)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="convert Big Data Bowl CSV/parquet files into a store")
    p.add_argument("raw_dir", help="folder with games/plays/players/player_play/tracking_week_N")
    p.add_argument("--out", "-o", required=True, help="store folder to write")
    p.add_argument("--weeks", help="weeks to ingest, e.g. 9 or 1-8 (default: all found)")
    p.add_argument("--force", action="store_true", help="re-read inputs even if unchanged")
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("info", help="summarise a store (default: the embedded synthetic one)")
    p.add_argument("data", nargs="?", default=None, metavar="store")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("init", help="make a store ready for the app: without --data the "
                       "embedded synthetic season with the shipped models; with --data DIR "
                       "(a real download or store) train real_* models on it and predict")
    p.add_argument("--data", default=None, metavar="DIR",
                   help="a raw Big Data Bowl folder (ingested once) or a store; real data "
                        "trains real_tabular/transformer/lstm/family into "
                        "<store>/models "
                        "(Ctrl-C and re-run resumes), synthetic data gets the shipped models")
    p.add_argument("--budget-minutes", type=MINUTES, default=None,
                   help="training time in all, split across the four models (default: "
                        f"{DEFAULT_BUDGET_MINUTES:g} on CPU, full training with a CUDA GPU; "
                        "0 = full training; `coverage finish-training` completes a budgeted "
                        "run)")
    add_device_argument(p, note=", with --data")
    p.add_argument("--seed", type=SEED, default=0, help="training seed (with --data)")
    p.add_argument("--force", action="store_true",
                   help="rebuild the synthetic store / retrain every real_* model")
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("finish-training", help="train in full the real_* models that "
                       "`coverage init --data`'s time budget stopped short, swapping each in "
                       "(with its predictions) when it finishes; `make app DATA=DIR` runs "
                       "it beside the app at low priority")
    p.add_argument("--data", required=True, metavar="DIR",
                   help="the folder or store given to `coverage init --data`")
    add_device_argument(p)
    p.add_argument("--quiet", "-q", action="store_true")
    p.add_argument("--with-parent", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_finish)

    p = sub.add_parser("formations", help="detect offensive formations and defensive shells "
                       "(template matching)")
    p.add_argument("data", metavar="store", help="normalised store folder")
    p.add_argument("--every", default="play",
                   help="frame | play | lineset | snap | a window such as 500ms or 1s | "
                        "play-table (one row per play with off_formation, off_alignment, "
                        "def_shell, def_front)")
    p.add_argument("--change-threshold", type=bounded_number(0, 1), default=0.0,
                   help="keep the previous template unless the cost improves by this fraction")
    p.add_argument("-o", "--output", help="write the table to this parquet file")
    p.set_defaults(func=_cmd_formations)
