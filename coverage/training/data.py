"""Week splits: what every model trains, selects and is tested on.

Data itself comes from a :class:`coverage.store.Store`, or for the per-play models from
any :class:`coverage.store.PlayTables` (a label-only download too; see coverage.opener).
"""

from __future__ import annotations

from collections.abc import Sequence

from coverage.errors import DataError

DEFAULT_SPLIT = {"train": tuple(range(1, 8)), "val": (8,), "test": (9,)}


def resolve_split(weeks: Sequence[int], train: Sequence[int] | None = None,
                  val: Sequence[int] | None = None, test: Sequence[int] | None = None
                  ) -> dict[str, tuple[int, ...]]:
    """Week split: 1-7 / 8 / 9 when those weeks exist, else the last two weeks held out.

    Weeks never overlap: the test week is only read once, after model selection.
    """
    have = sorted(set(int(w) for w in weeks))
    if train is None and val is None and test is None:
        if all(w in have for w in (*DEFAULT_SPLIT["train"], 8, 9)):
            split = {k: tuple(v) for k, v in DEFAULT_SPLIT.items()}
        elif len(have) >= 3:
            split = {"train": tuple(have[:-2]), "val": (have[-2],), "test": (have[-1],)}
        else:
            raise DataError(f"need at least 3 weeks for a train/val/test split, have {have}")
    else:
        test = tuple(test or ())
        val = tuple(val or ())
        train = tuple(train) if train else tuple(w for w in have if w not in (*val, *test))
        split = {"train": train, "val": val, "test": test}
    seen: set[int] = set()
    for name, ws in split.items():
        if seen & set(ws):
            raise DataError(f"week(s) {sorted(seen & set(ws))} appear in more than one split")
        seen |= set(ws)
        missing = [w for w in ws if w not in have]
        if missing:
            raise DataError(f"{name} week(s) {missing} not in the data", expected=f"weeks {have}")
    return split
