"""Ablation: does detected formation / defensive shell help the context prior?

Trains the context model twice on the same store and split (train 1-7, validate 8,
test 9 once each), without and with the EFPI-detected formation features, and prints
validation and test figures side by side.

    python benchmarks/ablation_formations.py [--data STORE]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import docpage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coverage.pipelines import train
from coverage.training.options import TrainOptions  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None, help="store folder (default: embedded synthetic)")
    docpage.add_flag(ap)
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="ablation_"))
    rows = []
    for formations in (False, True):
        res = train(TrainOptions.of(model="context", data=args.data, out_root=out,
                                    name=f"context_f{int(formations)}", formations=formations,
                                    progress=False))
        m = res["metrics"]
        rows.append((formations, m["val"], m["test"]))
    print(f"{'features':<28}{'val acc':>9}{'val AUC':>9}{'test acc':>10}{'test AUC':>10}"
          f"{'test Brier':>11}{'baseline':>10}")
    for formations, v, t in rows:
        name = "context + formations/shell" if formations else "context only"
        print(f"{name:<28}{v['accuracy']:>9.3f}{v['auc']:>9.3f}{t['accuracy']:>10.3f}"
              f"{t['auc']:>10.3f}{t['brier']:>11.3f}{t['majority_baseline']:>10.3f}")
    docpage.add_section("Context model without and with formations", docpage.table([
        {"features": "context + formations/shell" if f else "context only",
         "val acc": v["accuracy"], "val AUC": v["auc"], "test acc": t["accuracy"],
         "test AUC": t["auc"], "test Brier": t["brier"],
         "baseline": t["majority_baseline"]} for f, v, t in rows]))


if __name__ == "__main__":
    sys.exit(docpage.run(main, "ablation_formations", "Ablation: detected formations in "
                         "the context prior", output=False))
