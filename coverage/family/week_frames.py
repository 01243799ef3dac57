"""The tracking trainers' frames of one store, built once for all of them.

``coverage init --data`` trains the transformer, the LSTM and the family model on the same
weeks. Building a week's frames (a polars pass over millions of tracking rows, and the
per-defender labels) costs as much as an epoch, so each split's frames are built once, as
the family model's :class:`~coverage.family.data.ExplainFrames` (the man/zone models'
tensors plus who is who), kept on disk (:mod:`coverage.spill`), and handed to every trainer.
"""

from __future__ import annotations

from collections.abc import Sequence

from coverage.family.data import ExplainFrames, load_explain_frames
from coverage.features import FrameTensors
from coverage.store import Store


class WeekFrames:
    """Frames of ``store`` by set of weeks, built on first use and kept."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._built: dict[tuple[int, ...], ExplainFrames] = {}

    def explain(self, weeks: Sequence[int], max_secs: float | None = None) -> ExplainFrames:
        """The weeks' frames with labels; ``max_secs``: only the last seconds before the snap
        (each kept frame's one-second displacement still looks back at the frames cut)."""
        key = tuple(int(w) for w in weeks)
        if key not in self._built:
            self._built[key] = load_explain_frames(self.store, key, keep=True)
        ef = self._built[key]
        return ef if max_secs is None else ef.select_plays(ef.ft.secs >= -max_secs)

    def clear(self) -> None:
        """Drop every built split (their memory and spill files go with the last user)."""
        self._built.clear()

    def frames(self, weeks: Sequence[int], max_secs: float | None = None) -> FrameTensors:
        """The man/zone models' tensors of the weeks (see :meth:`explain`)."""
        return self.explain(weeks, max_secs).ft

    def split(self, split: dict[str, Sequence[int]], max_secs: float | None = None, *,
              explain: bool = False) -> dict[str, FrameTensors] | dict[str, ExplainFrames]:
        """A trainer's ``frames``: train and validation weeks cut to ``max_secs``, the test
        week whole (it is scored on every frame)."""
        get = self.explain if explain else self.frames
        return {part: get(weeks, None if part == "test" else max_secs)
                for part, weeks in split.items()}
