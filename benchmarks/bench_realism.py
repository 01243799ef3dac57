"""Realism report of the embedded synthetic season against every real tracking play.

Builds the embedded store only when it does not exist yet (``coverage init`` does the
same), measures it against ``../shared/bdb`` (or ``--real``), prints the headline domain
AUC with the time each part took, and writes the report to ``realism_report.md`` in the
temp folder (``--out`` to choose).
Run with ``python benchmarks/bench_realism.py [--real DIR] [--no-context] [--threads T]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import docpage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.builders


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--real", default=None, help="real folder (default: ../shared/bdb)")
    ap.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "realism_report.md"))
    ap.add_argument("--no-context", action="store_true", help="skip the two context models")
    ap.add_argument("--max-synthetic-plays", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1, help="torch/BLAS/polars threads")
    docpage.add_flag(ap)
    args = ap.parse_args()
    for var in ("POLARS_MAX_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import torch

    from coverage.atomic import write_bytes
    from coverage.opener import build_default_store
    from devtools.realism.report import headline, render
    from devtools.realism.run import measure
    from devtools.realism.sources import open_side
    from tests.builders.fixtures import find_shared_bdb, shared_bdb_dir

    torch.set_num_threads(args.threads)
    real = Path(args.real) if args.real else find_shared_bdb()
    if real is None:
        print(f"no real data at {shared_bdb_dir()} (set COVERAGE_SHARED_BDB or --real)")
        return 1
    t0 = time.perf_counter()
    store = build_default_store(progress=True)  # existing store: opened, not rebuilt
    with tempfile.TemporaryDirectory(prefix="bench-realism-") as tmp:
        scratch = Path(tmp)
        syn = open_side(store.root, scratch, "synthetic")
        rea = open_side(real, scratch, "real")
        t1 = time.perf_counter()
        result = measure(syn, rea, scratch, context=not args.no_context,
                         max_synthetic_plays=args.max_synthetic_plays)
        t2 = time.perf_counter()
    text = render(result)
    write_bytes(text.encode(), args.out)
    docpage.add_section("Report", text)
    top = headline(result.domain)
    print(f"open both sides {t1 - t0:6.1f} s   measure {t2 - t1:6.1f} s   "
          f"({args.threads} thread(s); shared machine: timings under load)")
    for r in result.domain:
        if r.fold_auc:
            print(f"domain AUC {r.auc:.3f} ± {r.sd:.3f}  {r.model:<20} {r.features:<24} "
                  f"{r.window}  ({r.n_real_plays} real plays, {r.n_real_frames} frames)")
    if top is not None:
        print(f"HEADLINE domain AUC {top.auc:.3f} ± {top.sd:.3f} ({top.model}, "
              f"{top.n_real_plays} real plays; lower is better)")
    if result.context:
        for side, c in result.context.items():
            print(f"context model on {side} labels: test AUC {c['test_auc']:.3f} "
                  f"(week {c['test_weeks']}, {c['n_test_plays']} plays)")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(docpage.run(main, "realism", "Realism of the embedded synthetic season "
                         "against real tracking"))
