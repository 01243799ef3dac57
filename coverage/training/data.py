"""Week splits: what every model trains, selects and is tested on.

Data itself comes from a :class:`coverage.store.Store`, or for the per-play models from
any :class:`coverage.store.PlayTables` (a label-only download too; see coverage.opener).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from coverage.errors import DataError

DEFAULT_SPLIT = {"train": tuple(range(1, 8)), "val": (8,), "test": (9,)}
# Fewer weeks than this leave nothing to select on: no model can be trained.
MIN_WEEKS = 2


def resolve_split(weeks: Sequence[int], train: Sequence[int] | None = None,
                  val: Sequence[int] | None = None, test: Sequence[int] | None = None
                  ) -> dict[str, tuple[int, ...]]:
    """Week split: 1-7 / 8 / 9 when those weeks exist, else the last two weeks held out.

    Weeks never overlap: the test week is only read once, after model selection. The one
    exception is asked for explicitly: a test week equal to the validation week, for data
    with too few weeks to hold one out (:func:`partial_split`); :func:`held_out` then says
    False, and everything that shows the test figures says they are not held out.
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
        mine = set(ws) - set(split["val"]) if name == "test" and ws == split["val"] else set(ws)
        if seen & mine:
            raise DataError(f"week(s) {sorted(seen & mine)} appear in more than one split")
        seen |= set(ws)
        missing = [w for w in ws if w not in have]
        if missing:
            raise DataError(f"{name} week(s) {missing} not in the data", expected=f"weeks {have}")
    return split


def partial_split(weeks: Sequence[int]) -> dict[str, tuple[int, ...]] | None:
    """The split that as many weeks as there are allow: :func:`resolve_split`'s default
    with 3 or more; with 2, train on the earlier and select on the later, whose figures
    also stand in for the test (not held out: :func:`held_out` is False, so they are read
    as optimistic); None with fewer (nothing to select on)."""
    have = sorted(set(int(w) for w in weeks))
    if len(have) < MIN_WEEKS:
        return None
    if len(have) == MIN_WEEKS:
        return resolve_split(have, train=have[:1], val=have[1:], test=have[1:])
    return resolve_split(have)


def held_out(split: Mapping[str, Sequence[int]]) -> bool:
    """Whether the test weeks are weeks the model neither trained nor was selected on."""
    seen = {int(w) for k in ("train", "val", "selected_on") for w in split.get(k) or ()}
    return not seen & {int(w) for w in split.get("test") or ()}
