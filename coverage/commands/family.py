"""``coverage train-family | predict-family | explain``: the coverage-family model's command
line (families, defender responsibilities, tells)."""

from __future__ import annotations

import argparse

from coverage.commands.common import (
    add_data_argument,
    add_training_arguments,
    parse_weeks,
    positive_int,
    prediction_target,
    training_options,
)


def _cmd_train_family(args: argparse.Namespace) -> int:
    from coverage.family.train import FamilyTrainOptions
    from coverage.opener import open_store
    from coverage.pipelines import train

    opts = FamilyTrainOptions.of(**training_options(args, args.name))
    out = train(opts, open_store(args.data, progress=not args.quiet))
    t = out["metrics"]["test"]
    print(f"saved {out['dir']}")
    for k, m in t["at_offsets"].items():
        print(f"{k:>5}: top-1 {m['top1']['accuracy']:.3f} [{m['top1']['ci_low']:.3f}, "
              f"{m['top1']['ci_high']:.3f}]  top-2 {m['top2']['accuracy']:.3f}  "
              f"majority {m['majority_baseline']:.3f}  n={m['top1']['n']}")
    d = t["defenders"]["snap"]
    print(f"defender assignment {d['assignment']['accuracy']:.3f} (majority "
          f"{d['assignment_majority_baseline']:.3f}); man matchup "
          f"{d['man_matchup']['accuracy']:.3f} (nearest receiver "
          f"{d['man_matchup_nearest_baseline']['accuracy']:.3f})")
    return 0


def _cmd_predict_family(args: argparse.Namespace) -> int:
    from coverage.explain.attribution import attribution_week
    from coverage.pipelines import family_week, record_predictions
    from coverage.store import writing

    weeks = parse_weeks(args.weeks)
    digest, store, name = prediction_target(args)
    with writing(store):  # the store's one writer, on its live generation, until done
        for w in weeks or store.weeks:
            fam, _ = family_week(args.model_dir, store, w, name=name)
            record_predictions(store, name, [w], digest)  # its P(man) rows are written too
            line = f"week {w}: {fam.height} family rows"
            if args.attribution:
                line += f", {attribution_week(args.model_dir, store, w).height} attribution rows"
            print(line, flush=True)
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from coverage.explain.attribution import attribute_play
    from coverage.explain.tells import tells
    from coverage.family.predict import load_explainer
    from coverage.opener import open_tracking_store

    store = open_tracking_store(args.data)
    model, cfg = load_explainer(args.model_dir)
    frames = store.play_frames(args.game, args.play)
    attr = attribute_play(model, cfg, frames, store.play_row(args.game, args.play))
    for t in tells(attr, frames, store.players(), n=args.n):
        print(t.text)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-family", help="train the coverage-family / responsibility "
                       "model (train 1-7, val 8, test 9)")
    add_training_arguments(p, data_what="store folder", name="family", epochs=8,
                           frames_per_play=4)
    p.set_defaults(func=_cmd_train_family)

    p = sub.add_parser("predict-family", help="family probabilities + defender "
                       "responsibilities (+ P(man)) for every pre-snap frame")
    p.add_argument("model_dir")
    add_data_argument(p, what="store folder")
    p.add_argument("--weeks", help="e.g. 9 or 1-9 (default: all)")
    p.add_argument("--attribution", action="store_true",
                   help="also write per-play attribution summaries (Teams page)")
    p.set_defaults(func=_cmd_predict_family)

    p = sub.add_parser("explain", help="print the tells of one play")
    p.add_argument("model_dir")
    p.add_argument("game", type=int)
    p.add_argument("play", type=int)
    add_data_argument(p, what="store folder")
    p.add_argument("-n", type=positive_int, default=5, help="how many tells")
    p.set_defaults(func=_cmd_explain)
