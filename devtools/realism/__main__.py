"""``python -m devtools.realism``: how far the synthetic season is from real tracking.

``python -m devtools.realism --real DIR [...]`` prints (and with ``--out`` writes,
atomically) a Markdown report: the domain classifier's AUC as the headline, geometry and
movement per position group, and the label tables, each figure synthetic | real |
difference | n real plays. Raw folders are ingested into a scratch folder
that is deleted afterwards.
``python -m devtools.realism transfer --real DIR [...]`` scores the checkpoints on the real
tracking plays (``--json models/real_plays.json`` is what the app's Model page shows).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from coverage.commands.common import check_output_file
from coverage.config import portable_path


def _cmd_realism(args: argparse.Namespace) -> int:
    import torch

    from coverage.atomic import write_bytes
    from coverage.opener import build_default_store
    from devtools.realism.report import render
    from devtools.realism.run import measure_paths

    torch.set_num_threads(max(1, min(torch.get_num_threads(), 2)))
    if args.out is not None:
        check_output_file(args.out, "report")
    # the embedded season: opened when built, simulated once (as `coverage init`) when not
    synthetic = args.synthetic or build_default_store(progress=True).root
    with tempfile.TemporaryDirectory(prefix="coverage-realism-") as scratch:
        result = measure_paths(synthetic, args.real, Path(scratch),
                               context=not args.no_context,
                               max_synthetic_plays=args.max_synthetic_plays, seed=args.seed)
    text = render(result)
    print(text)
    if args.out is not None:
        write_bytes(text.encode(), args.out)
        print(f"wrote {args.out}")
    return 0


def _cmd_transfer(args: argparse.Namespace) -> int:
    import json

    import torch

    from coverage.atomic import write_bytes
    from coverage.errors import DataError
    from coverage.serving import shipped_models
    from devtools.realism.sources import open_side
    from devtools.realism.transfer import render, transfer_summary

    torch.set_num_threads(max(1, min(torch.get_num_threads(), 2)))
    for out, what in ((args.out, "report"), (args.json, "summary")):
        if out is not None:
            check_output_file(out, what)
    models = [Path(m) for m in args.models] if args.models else shipped_models(args.models_root)
    missing = [str(m) for m in models if not (m / "config.json").exists()]
    if missing or not models:
        raise DataError(f"no checkpoint in {missing or args.models_root}",
                        file=(missing or [str(args.models_root)])[0],
                        expected="folders with config.json + model.safetensors")
    with tempfile.TemporaryDirectory(prefix="coverage-transfer-") as scratch:
        side = open_side(args.real, Path(scratch), "real")
        summary = transfer_summary(models, side.stores)
    summary["real"] = portable_path(args.real)  # the JSON is committed (models/)
    text = render(summary)
    print(text)
    if args.out is not None:
        write_bytes(text.encode(), args.out)
        print(f"wrote {args.out}")
    if args.json is not None:
        write_bytes(json.dumps(summary, indent=1, default=str).encode(), args.json)
        print(f"wrote {args.json}")
    return 0


def _add_real(p: argparse.ArgumentParser) -> None:
    """The real-data option both reports take."""
    p.add_argument("--real", required=True, metavar="DIR",
                   help="real Big Data Bowl folder (its tracked sub-folders are included) "
                        "or store")


def _realism_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m devtools.realism",
                                description="realism report: synthetic vs real tracking and "
                                            "labels (`transfer` as first argument: the "
                                            "checkpoints on real tracking plays)")
    p.add_argument("--synthetic", default=None, metavar="STORE_OR_RAW",
                   help="synthetic store or raw folder (default: the embedded season's store)")
    _add_real(p)
    p.add_argument("--out", "-o", type=Path, default=None, help="write the report here (.md)")
    p.add_argument("--max-synthetic-plays", type=int, default=300,
                   help="synthetic plays sampled for the domain classifier (default 300)")
    p.add_argument("--no-context", action="store_true",
                   help="skip training the context model on each side")
    p.add_argument("--seed", type=int, default=0)
    return p


def _transfer_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m devtools.realism transfer",
                                description="checkpoints on real tracking plays: P(man) "
                                            "before the snap, log-loss and Brier against the "
                                            "real labels")
    _add_real(p)
    p.add_argument("--models", nargs="*", default=None, metavar="CHECKPOINT",
                   help="checkpoint folders (default: every checkpoint under --models-root)")
    p.add_argument("--models-root", type=Path, default=None,
                   help="folder of checkpoints (default: the shipped models/)")
    p.add_argument("--out", "-o", type=Path, default=None, help="write the report here (.md)")
    p.add_argument("--json", type=Path, default=None,
                   help="write the figures here (the Model page reads models/real_plays.json)")
    return p


def main(argv: list[str] | None = None) -> int:
    """The realism report, or with ``transfer`` first, the checkpoints on real plays; bad
    input is one line on stderr, as the ``coverage`` commands report it."""
    from coverage.cli import EXIT_BAD_INPUT, describe_input_error

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv[:1] == ["transfer"]:
            return _cmd_transfer(_transfer_parser().parse_args(argv[1:]))
        return _cmd_realism(_realism_parser().parse_args(argv))
    except Exception as exc:
        message = describe_input_error(exc)
        if message is None:
            raise
        print(f"error: {' '.join(message.split())}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
