"""Where training data comes from: a normalised store, or an official raw folder.

The context prior needs only plays/games/player_play, so it also trains straight from
a Big Data Bowl download that has no tracking (e.g. the real labels in shared/bdb);
the tracking models need a store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from coverage.errors import DataError

DEFAULT_SPLIT = {"train": tuple(range(1, 8)), "val": (8,), "test": (9,)}


@dataclass
class Source:
    """Plays (with week and home team), optional player_play, optional store."""

    path: Path
    plays: pl.DataFrame
    player_play: pl.DataFrame | None
    store: object | None  # coverage.store.Store when the source is a store

    @property
    def weeks(self) -> list[int]:
        return sorted(self.plays["week"].drop_nulls().unique().to_list())

    @property
    def source(self) -> str:
        if self.store is not None:
            return self.store.source
        return "real"


def _pick(root: Path, stem: str) -> Path | None:
    for ext in ("parquet", "csv"):
        if (root / f"{stem}.{ext}").exists():
            return root / f"{stem}.{ext}"
    return None


def _with_formations(store) -> pl.DataFrame:
    """The play index plus detected formation columns (det_formation, det_alignment,
    def_shell, def_front) when detection works on this store; unchanged otherwise."""
    plays = store.plays()
    try:
        f = store.formations()
    except Exception:  # noqa: BLE001 - formations are an optional extra input
        return plays
    f = f.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                 pl.col("off_formation").alias("det_formation"),
                 pl.col("off_alignment").alias("det_alignment"), "def_shell", "def_front")
    return plays.join(f, on=["gameId", "playId"], how="left")


def open_source(path: str | Path | None = None) -> Source:
    """A store folder (has meta.json), a raw BDB folder, or the embedded synthetic store."""
    from coverage.store import Store, default_store

    if path is None:
        store = default_store()
    elif (Path(path) / "meta.json").exists():
        store = Store(path)
    else:
        store = None
    if store is not None:
        pp = store.player_play() if store.has("player_play") else None
        return Source(path=store.path, plays=_with_formations(store), player_play=pp,
                      store=store)

    from coverage.raw import scan_games, scan_player_play, scan_plays

    root = Path(path)
    plays_p, games_p = _pick(root, "plays"), _pick(root, "games")
    if plays_p is None or games_p is None:
        raise DataError(f"{root} is neither a coverage store (meta.json) nor a raw folder",
                        file=str(root), expected="meta.json, or plays.csv + games.csv")
    games = scan_games(games_p).select(
        pl.col("gameId").cast(pl.Int64), pl.col("week").cast(pl.Int32),
        pl.col("homeTeamAbbr").cast(pl.String), pl.col("visitorTeamAbbr").cast(pl.String))
    plays = (scan_plays(plays_p)
             .with_columns(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64))
             .join(games, on="gameId", how="left")
             .with_columns(pl.col("pff_manZone").cast(pl.String).str.strip_chars()
                           .replace("", None))
             .collect())
    pp_p = _pick(root, "player_play")
    pp = scan_player_play(pp_p).collect() if pp_p is not None else None
    return Source(path=root, plays=plays, player_play=pp, store=None)


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


def label_expr() -> pl.Expr:
    """Man=1, Zone=0, anything else (Other, missing) null so it is excluded and counted."""
    return (pl.when(pl.col("pff_manZone") == "Man").then(pl.lit(1.0, pl.Float32))
            .when(pl.col("pff_manZone") == "Zone").then(pl.lit(0.0, pl.Float32))
            .otherwise(pl.lit(None, pl.Float32)).alias("label"))
