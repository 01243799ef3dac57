"""The most telling plays of one defense: charted plays whose coverage the model read
earliest and held to the snap, and those whose read changed most on the way, each with a
still at the decisive moment (the Play explorer's PNG export) and its P(man) curve.

The decisive moment is the first frame from which the model stays on the right side of
0.5 with at least :data:`CONFIDENT` margin until the snap: from there on an analyst
watching the same cues would have called it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import polars as pl

from coverage.errors import CoverageError
from coverage.export.gif import render_play_png
from coverage.store import PlayTables
from coverage.vocab import MAN, ZONE

CONFIDENT = 0.25  # |P(man) - 0.5| from which a read counts as made
N_EARLIEST, N_SWING = 3, 2  # plays picked for the earliest read, then for the largest swing
STILL_SIZE = (560, 224)  # small: five stills must stay well inside the report's budget
APP_URL = "http://localhost:8501"  # where `coverage app` serves by default


@dataclass(frozen=True)
class TellingPlay:
    """One picked play: its moment, why it was picked, its curve and still."""

    game_id: int
    play_id: int
    why: str  # "earliest read" or "largest swing"
    label: str  # the charted coverage, e.g. "Cover-1 (Man)"
    title: str
    read_secs: float  # the decisive moment, seconds from the snap (negative before)
    read_frame: int
    swing: float  # max - min P(man) before the snap
    curve: list[tuple[float, float]]  # (secs_from_snap, P(man)) up to the snap
    still: str | None  # data: URI of the PNG, None when the play has no tracking

    def link(self, app_url: str = APP_URL) -> str:
        """The play in the app's explorer, opened at the decisive frame."""
        return (f"{app_url.rstrip('/')}/Play_explorer?game={self.game_id}"
                f"&play={self.play_id}&frame={self.read_frame}")


def reads(plays: pl.DataFrame, preds: pl.DataFrame, defense: str, model: str) -> pl.DataFrame:
    """Per charted play of ``defense``: when ``model``'s read was made and held
    (``read_secs``, ``read_frame``; null if never), its swing before the snap, and
    whether it ``changed`` (was not yet made at the first frame)."""
    mine = plays.filter((pl.col("defensiveTeam") == defense) & pl.col("man").is_not_null())
    p = (preds.filter((pl.col("model") == model) & (pl.col("secs_from_snap") <= 1e-6))
         .join(mine.select("gameId", "playId", "man"), on=["gameId", "playId"])
         .with_columns((((pl.col("p_man") >= 0.5) == pl.col("man"))
                        & ((pl.col("p_man") - 0.5).abs() >= CONFIDENT)).alias("ok")))
    secs = pl.col("secs_from_snap")
    last_bad = secs.filter(~pl.col("ok")).max().fill_null(float("-inf"))
    held = pl.col("ok") & (secs > last_bad)
    return (p.group_by("gameId", "playId")
            .agg(secs.filter(held).min().alias("read_secs"),
                 pl.col("frameId").filter(held).min().alias("read_frame"),
                 (pl.col("p_man").max() - pl.col("p_man").min()).alias("swing"),
                 (~pl.col("ok")).any().alias("changed")))


def pick(reads_: pl.DataFrame) -> list[tuple[int, int, str]]:
    """(gameId, playId, why): the :data:`N_EARLIEST` earliest held reads, then the
    :data:`N_SWING` largest swings among the other held reads. Only reads made on the
    field count: a play the model called from its first frame shows nothing to watch."""
    held = reads_.filter(pl.col("read_secs").is_not_null() & pl.col("changed"))
    early = held.sort(["read_secs", "swing", "gameId", "playId"],
                      descending=[False, True, False, False]).head(N_EARLIEST)
    rest = held.join(early, on=["gameId", "playId"], how="anti")
    swing = rest.sort(["swing", "gameId", "playId"], descending=[True, False, False]
                      ).head(N_SWING)
    return ([(g, p, "earliest read") for g, p in early.select("gameId", "playId").iter_rows()]
            + [(g, p, "largest swing") for g, p in swing.select("gameId", "playId").iter_rows()])


def _still(store: PlayTables, game_id: int, play_id: int, frame: int,
           preds: pl.DataFrame, labels: dict[str, str]) -> str | None:
    """The explorer's PNG of the play at ``frame`` as a data: URI (None: no tracking)."""
    frames_of = getattr(store, "play_frames", None)
    if frames_of is None:
        return None
    try:
        frames = frames_of(game_id, play_id)
        png = render_play_png(frames, preds, store.play_row(game_id, play_id), frame,
                              size=STILL_SIZE, model_labels=labels,
                              applied_to=store.source)
    except (CoverageError, ValueError):  # a label-only play, or a frame the play lacks
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def telling_plays(store: PlayTables, plays: pl.DataFrame, preds: pl.DataFrame,
                  defense: str, model: str, labels: dict[str, str]) -> list[TellingPlay]:
    """The defense's most telling plays under ``model`` (``labels``: model -> legend)."""
    r = reads(plays, preds, defense, model)
    out = []
    for game_id, play_id, why in pick(r):
        row = r.filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id)).row(
            0, named=True)
        play = plays.filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id)
                            ).row(0, named=True)
        mine = preds.filter((pl.col("model") == model) & (pl.col("gameId") == game_id)
                            & (pl.col("playId") == play_id)).sort("frameId")
        curve = [(float(s), float(p)) for s, p in
                 mine.filter(pl.col("secs_from_snap") <= 1e-6)
                 .select("secs_from_snap", "p_man").iter_rows()]
        kind = MAN if play["man"] else ZONE
        out.append(TellingPlay(
            game_id=game_id, play_id=play_id, why=why,
            label=f"{play.get('family') or kind} ({kind})",
            title=_title(play), read_secs=float(row["read_secs"]),
            read_frame=int(row["read_frame"]), swing=float(row["swing"]), curve=curve,
            still=_still(store, game_id, play_id, int(row["read_frame"]), mine, labels)))
    return out


def _title(play: dict) -> str:
    """"wk 3 · KC @ BUF · Q2 · 3rd & 7"."""
    down = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}.get(play.get("down"), "?")
    who = (f"{play.get('possessionTeam', '?')} offense vs {play.get('defensiveTeam', '?')}")
    return (f"wk {play.get('week', '?')} · {who} · Q{play.get('quarter', '?')} · {down} & "
            f"{play.get('yardsToGo', '?')}")
