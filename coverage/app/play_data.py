"""The play list and one play: filters, per-play predictions, formation slots, the CSV
export, the explain mode's per-play tables, and how finely the field animates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from coverage.formations import EFPI
from coverage.players import tag_expr
from coverage.schema import PLAY_KEYS
from coverage.views import key_events, moment_label
from coverage.vocab import DISTANCE_BUCKETS, distance_expr, is_man_or_zone, man_zone_expr

UNLABELLED = "Unlabelled"
OUTCOMES = ("hit", "miss")
# Categorical filters: play-table column -> sidebar label. One place so the
# page, the option lists and the tests cannot disagree on names.
FILTER_COLUMNS = {
    "week": "Week",
    "gameId": "Game",
    "offense": "Offense",
    "defense": "Defense",
    "down": "Down",
    "distance": "Distance",
    "family": "True coverage",
    "coverage": "Coverage type",
    "outcome": "Prediction at snap",
    "passResult": "Pass result",
    "formation": "Offensive formation",
    "detected": "Detected formation",
    "shell": "Defensive shell (detected)",
}


# --------------------------------------------------------------------------- play table
def models_in(preds: pl.DataFrame | None) -> list[str]:
    """Model names present in a predictions table, sorted (empty when none)."""
    if preds is None or preds.height == 0:
        return []
    return sorted(preds["model"].unique().to_list())


def snap_predictions(preds: pl.DataFrame | None) -> pl.DataFrame:
    """P(man) at the snap per (model, play): the last frame at or before the snap, and how
    far P(man) moved before it (``p_man_swing``, max - min: disguises and motion reads
    show up as big swings).

    "At the snap" is the model's final pre-snap call, which is what a defense
    has shown by the time the ball moves; later frames are not predictions.
    """
    schema = {"model": pl.String, "gameId": pl.Int64, "playId": pl.Int64, "p_man": pl.Float64,
              "p_man_swing": pl.Float64}
    if preds is None or preds.height == 0:
        return pl.DataFrame(schema=schema)
    p = pl.col("p_man")
    return (preds.filter(pl.col("secs_from_snap") <= 1e-6)
            .sort("secs_from_snap")
            .group_by("model", "gameId", "playId", maintain_order=True)
            .agg(p.last().cast(pl.Float64), (p.max() - p.min()).cast(pl.Float64)
                 .alias("p_man_swing"))
            .select(pl.col("model").cast(pl.String), pl.col("gameId").cast(pl.Int64),
                    pl.col("playId").cast(pl.Int64), "p_man", "p_man_swing"))


def matchup_expr(plays: pl.DataFrame) -> pl.Expr:
    """A game's one name, "KC @ SEA", in the Game filter and in every play's picker label,
    so what one says the search finds in the other. Visitor @ home where games.csv gave
    them; else the two teams in alphabetical order (never offense first: that flips from
    play to play)."""
    off, de = pl.col("possessionTeam"), pl.col("defensiveTeam")
    pair = pl.when(off <= de).then(pl.format("{} vs {}", off, de)) \
        .otherwise(pl.format("{} vs {}", de, off))
    if {"homeTeamAbbr", "visitorTeamAbbr"} <= set(plays.columns):
        home, away = pl.col("homeTeamAbbr"), pl.col("visitorTeamAbbr")
        pair = pl.when(home.is_not_null() & away.is_not_null()) \
            .then(pl.format("{} @ {}", away, home)).otherwise(pair)
    return pair


def game_titles(table: pl.DataFrame) -> dict[int, str]:
    """gameId -> the Game filter's name of it, "wk 1 · KC @ SEA · 2022091100" (its plays'
    picker labels hold the same "wk 1 · KC @ SEA")."""
    return dict(table.select("gameId", pl.format("wk {} · {} · {}", "week", "matchup",
                                                 "gameId")).unique("gameId").iter_rows())


def play_table(plays: pl.DataFrame, preds: pl.DataFrame | None = None,
               model: str | None = None, formations: pl.DataFrame | None = None
               ) -> pl.DataFrame:
    """One row per play with the filterable columns and the model's call at the snap.

    Columns: gameId, playId, week, offense, defense, quarter, down, yardsToGo,
    down_distance, matchup, distance, family, coverage, formation, passResult, description,
    p_man_snap, predicted, outcome, label. Without predictions the prediction
    columns are null so the same filters and table work either way.
    """
    t = plays.select(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
        pl.col("week").cast(pl.Int32),
        pl.col("possessionTeam").alias("offense"), pl.col("defensiveTeam").alias("defense"),
        pl.col("quarter").cast(pl.Int32), pl.col("down").cast(pl.Int32),
        pl.col("yardsToGo").cast(pl.Int32),
        distance_expr(names=DISTANCE_BUCKETS).alias("distance"),
        pl.col("pff_manZone").fill_null(UNLABELLED).alias("family"),
        pl.col("pff_passCoverage").fill_null("—").alias("coverage"),
        pl.col("offenseFormation").fill_null("—").alias("formation"),
        pl.col("passResult").fill_null("—"),
        pl.col("playDescription").fill_null("").alias("description"),
        *[(pl.col(src).cast(pl.Float64, strict=False) if src in plays.columns
           else pl.lit(None, pl.Float64)).alias(dst)
          for src, dst in (("yardsGained", "yards"), ("expectedPointsAdded", "epa"))],
        matchup_expr(plays).alias("matchup"),
    ).with_columns(
        pl.format("{} & {}", pl.col("down"), pl.col("yardsToGo")).alias("down_distance"),
    )
    if formations is not None and formations.height:
        det = formations.select(
            pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
            pl.concat_str(pl.col("off_formation").fill_null("?"), pl.lit(" "),
                          pl.col("off_alignment").fill_null("?")).alias("detected"),
            pl.col("def_shell").alias("shell"))
        t = t.join(det, on=PLAY_KEYS, how="left")
    snap = snap_predictions(preds)
    if model is not None:
        snap = snap.filter(pl.col("model") == model)
    elif snap.height:
        snap = snap.filter(pl.col("model") == snap["model"].min())
    t = t.join(snap.select(*PLAY_KEYS, pl.col("p_man").alias("p_man_snap"), "p_man_swing"),
               on=PLAY_KEYS, how="left")
    predicted = man_zone_expr(pl.col("p_man_snap") >= 0.5)
    t = t.with_columns(predicted.alias("predicted")).with_columns(
        pl.when(pl.col("predicted").is_null() | ~is_man_or_zone("family"))
        .then(None)
        .when(pl.col("predicted") == pl.col("family")).then(pl.lit("hit"))
        .otherwise(pl.lit("miss")).alias("outcome"),
        pl.format("{}-{} · wk {} · {} · {} {} · {} ball · {}", "gameId", "playId", "week",
                  "matchup", pl.when(pl.col("quarter") <= 4)
                  .then(pl.format("Q{}", "quarter")).otherwise(pl.lit("OT")),
                  "down_distance", "offense", "family").alias("label"),
    )
    return t.sort("week", "gameId", "playId")


# Orders of the play list: name -> (sort keys, descending flags); nulls always last.
SORTS: dict[str, tuple[tuple[Any, ...], tuple[bool, ...]]] = {
    "game order": (("week", "gameId", "playId"), (False, False, False)),
    "biggest P(man) swing": (("p_man_swing",), (True,)),
    "most confident call": (((pl.col("p_man_snap") - 0.5).abs(),), (True,)),
    "least confident call": (((pl.col("p_man_snap") - 0.5).abs(),), (False,)),
    "misses first": ((pl.col("outcome") != "miss", (pl.col("p_man_snap") - 0.5).abs()),
                     (False, True)),
    "EPA (best for the offense)": (("epa",), (True,)),
    "EPA (best for the defense)": (("epa",), (False,)),
}


def sort_plays(table: pl.DataFrame, order: str) -> pl.DataFrame:
    """The play list in one of the :data:`SORTS` orders (ties keep game order)."""
    keys, desc = SORTS.get(order, SORTS["game order"])
    return table.sort([*keys, "week", "gameId", "playId"],
                      descending=[*desc, False, False, False], nulls_last=True)


@dataclass
class PlayFilters:
    """Sidebar selections; an empty list means "no restriction" for that column."""

    selections: dict[str, list[Any]] = field(default_factory=dict)
    search: str = ""

    def active(self) -> dict[str, list[Any]]:
        return {k: v for k, v in self.selections.items() if v}


def _typed(table: pl.DataFrame, col: str, vals: Sequence[Any]) -> pl.Series:
    """Picked values in the column's type (a link's "3" is week 3), nulls dropped."""
    dtype = table.schema[col]
    vals = [v for v in vals if v is not None]
    if dtype.is_integer():
        vals = [int(v) for v in vals]
    return pl.Series(vals, dtype=dtype)


def _is_in(table: pl.DataFrame, col: str, vals: Sequence[Any]) -> pl.Expr:
    return pl.col(col).is_in(_typed(table, col, vals).implode())


def filter_options(table: pl.DataFrame,
                   selections: dict[str, list[Any]] | None = None) -> dict[str, list[Any]]:
    """Values each filter offers, in a sensible order (buckets short→long).

    Each filter offers what the plays left by the *other* filters hold, so picking a
    defense leaves only its games and opponents, and a filter never offers a value that
    would empty the list. A value already picked stays offered even when the others rule
    it out: the analyst sees why the list is empty instead of losing the pick silently.
    """
    order = {"distance": DISTANCE_BUCKETS, "outcome": OUTCOMES}
    cols = [c for c in FILTER_COLUMNS if c in table.columns]
    picked = {c: v for c, v in (selections or {}).items() if v and c in table.columns}

    def others(col: str) -> pl.Expr:
        return pl.all_horizontal(pl.lit(True), *[_is_in(table, c, v)
                                                 for c, v in picked.items() if c != col])

    left = table.select(pl.col(c).filter(others(c)).drop_nulls().unique().implode()
                        for c in cols).row(0, named=True) if cols else {}
    out: dict[str, list[Any]] = {}
    for col in cols:
        vals = set(left[col]) | set(_typed(table, col, picked.get(col, [])))
        out[col] = [v for v in order[col] if v in vals] if col in order else sorted(vals)
    return out


def missing_play_message(table: pl.DataFrame, game_id: int, play_id: int) -> str:
    """Why a linked play is not on screen: not in the data at all (which part of it), or
    only hidden by the link's filters or search."""
    in_game = table.filter(pl.col("gameId") == game_id)
    if in_game.height == 0:
        return f"Game {game_id} is not in this data, so play {play_id} cannot be shown."
    if in_game.filter(pl.col("playId") == play_id).height == 0:
        return f"Play {play_id} of game {game_id} is not in this data."
    return (f"Play {play_id} of game {game_id} is hidden by the filters or the search: clear "
            "them to see it.")


def filter_plays(table: pl.DataFrame, filters: PlayFilters) -> pl.DataFrame:
    """Rows of ``play_table`` matching every active filter and the text search.

    The search is a case-insensitive literal match over the description, ids,
    teams and coverage, so typing "Cover-1" or a playId finds the play.
    """
    expr = pl.all_horizontal(pl.lit(True), *[_is_in(table, col, vals) for col, vals
                                              in filters.active().items()
                                              if col in table.columns])
    q = filters.search.strip().lower()
    if q:
        hay = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in
                             ("label", "description", "coverage", "formation")], separator=" ")
        expr = expr & hay.str.to_lowercase().str.contains(q, literal=True)
    return table.filter(expr)


def play_predictions(preds: pl.DataFrame | None, game_id: int, play_id: int,
                     models: Sequence[str] | None = None) -> pl.DataFrame | None:
    """One play's prediction rows (only ``models`` when given: an empty list keeps none), or
    None when it has none."""
    if preds is None or preds.height == 0:
        return None
    out = preds.filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id))
    if models is not None:
        out = out.filter(pl.col("model").is_in(list(models)))
    return out if out.height else None


def formation_slots(frames: pl.DataFrame, window: str = "1s") -> pl.DataFrame | None:
    """Each player's detected formation slot in every frame (EFPI per ``window``).

    Fed to the field's per-frame ``slots`` hook, so hovering a player shows e.g.
    "SLOT · SHOTGUN 3x1", and the label changes when a motion or shift changes the
    formation. One fit per window (mean positions) keeps a play switch quick; after
    the snap the snap-time slot is kept.
    """
    pre = frames.filter(pl.col("secs_from_snap") <= 0)
    if pre.height == 0:
        return None
    fit = EFPI(pre, on_bad="skip").fit(every=window)
    a = fit.assignments
    if a.height == 0:
        return None
    spans = fit.formations.select(
        "segment", "side",
        pl.int_ranges(pl.col("start_frame"), pl.col("end_frame") + 1).alias("frameId"),
    ).explode("frameId")
    detail = (pl.when(pl.col("side") == "offense")
              .then(pl.concat_str(pl.col("formation"), pl.lit(" "),
                                  pl.col("alignment").fill_null("")))
              .otherwise(pl.col("formation")))
    per_frame = (a.with_columns(pl.concat_str(pl.col("slot"), pl.lit(" · "), detail)
                                .alias("label"))
                 .join(spans, on=["segment", "side"])
                 .select(pl.col("nflId").cast(pl.Int64), pl.col("frameId").cast(pl.Int64),
                         pl.col("label").alias("slot")))
    last = per_frame.filter(pl.col("frameId") == pl.col("frameId").max()).drop("frameId")
    post = frames.filter(pl.col("secs_from_snap") > 0).select(
        pl.col("frameId").cast(pl.Int64)).unique()
    return pl.concat([per_frame, post.join(last, how="cross").select(per_frame.columns)])


EXPORT_COLUMNS = ("gameId", "playId", "week", "offense", "defense", "quarter", "down",
                  "yardsToGo", "distance", "formation", "detected", "shell", "family",
                  "coverage", "passResult", "model", "trained_on", "applied_to", "p_man_snap",
                  "predicted", "outcome", "description")
MISSING_MARKS = ("—", "", UNLABELLED)


def export_table(table: pl.DataFrame, *, model: str | None = None,
                 trained_on: str | None = None, applied_to: str | None = None
                 ) -> pl.DataFrame:
    """The play list (of :func:`play_table`) as analysts want it in a spreadsheet (CSV export).

    Each row says which model made the call, what that model was trained on and what
    data it is applied to, because a CSV travels without the app's banner. Missing
    values are empty cells (the page's "—" / "Unlabelled" placeholders are for eyes,
    not for spreadsheets) and P(man) keeps 3 decimals.
    """
    has_call = pl.col("p_man_snap").is_not_null()
    t = table.with_columns(
        pl.when(has_call).then(pl.lit(model, dtype=pl.String)).alias("model"),
        pl.when(has_call).then(pl.lit(trained_on, dtype=pl.String)).alias("trained_on"),
        pl.lit(applied_to, dtype=pl.String).alias("applied_to"),
        pl.col("p_man_snap").cast(pl.Float64).round(3),
    )
    blanks = [pl.when(pl.col(c).is_in(list(MISSING_MARKS))).then(None).otherwise(pl.col(c))
              .alias(c) for c, dt in t.schema.items() if dt == pl.String and c != "applied_to"]
    return t.with_columns(blanks).select([c for c in EXPORT_COLUMNS if c in t.columns])


def _jerseys(frames: pl.DataFrame) -> pl.DataFrame:
    """nflId -> on-screen tag (``#24``, else the name: see :mod:`coverage.players`)."""
    return (frames.filter(pl.col("nflId").is_not_null())
            .group_by("nflId").agg(pl.col("jerseyNumber").first(),
                                   pl.col("displayName").first())
            .select("nflId", tag_expr().alias("jerseyNumber")))


def responsibility_slots(resp: pl.DataFrame | None, frames: pl.DataFrame) -> pl.DataFrame | None:
    """Per-frame hover text for each defender, e.g. ``MAN 0.83 → #11 (0.77)``.

    Fed to the field's ``slots`` hook, so every animation frame's hover shows the
    predicted responsibility with its probability at no extra trace cost.
    """
    if resp is None or resp.height == 0:
        return None
    jer = _jerseys(frames).rename({"nflId": "target_nflId", "jerseyNumber": "target_jersey"})
    return (resp.join(jer, on="target_nflId", how="left")
            .select("nflId", pl.col("frameId").cast(pl.Int64), pl.concat_str(
                pl.col("assignment"), pl.lit(" "), pl.col("prob").round(2).cast(pl.String),
                pl.when(pl.col("target_nflId").is_not_null()).then(pl.concat_str(
                    pl.lit(" → "), pl.col("target_jersey").fill_null("?"), pl.lit(" ("),
                    pl.col("target_prob").round(2).cast(pl.String), pl.lit(")")))
                .otherwise(pl.lit("")),
            ).alias("slot")))


def responsibility_table(resp: pl.DataFrame, frames: pl.DataFrame) -> pl.DataFrame:
    """Each defender's predicted responsibility at the last pre-snap frame."""
    last = resp.filter(pl.col("frameId") == pl.col("frameId").max())
    jer = _jerseys(frames)
    tgt = jer.rename({"nflId": "target_nflId", "jerseyNumber": "covers"})
    return (last.join(jer, on="nflId", how="left").join(tgt, on="target_nflId", how="left")
            .select(pl.col("jerseyNumber").fill_null("?").alias("defender"), "assignment",
                    pl.col("prob").round(2),
                    pl.col("covers").fill_null("–"),  # zone: no man target
                    # text, so a zone defender's empty cell reads "–", not "None"
                    pl.col("target_prob").round(2).cast(pl.String).fill_null("–")
                    .alias("covers_prob"))
            .sort("assignment", "defender"))


def family_at_snap(fam: pl.DataFrame) -> pl.DataFrame:
    """Family probabilities at the play's last pre-snap frame, most likely first."""
    return (fam.filter(pl.col("frameId") == pl.col("frameId").max())
            .select("family", "prob").sort("prob", descending=True))


def frame_moments(frames: pl.DataFrame) -> dict[int, str]:
    """frameId -> its moment in the player's words ("-3.2 s · motion", "snap 0.0 s"), in
    frame order: the still-image picker names frames as the player's slider does, with
    the key events where the player puts them (the snap on the snap anchor)."""
    secs = (frames.group_by("frameId").agg(pl.col("secs_from_snap").drop_nulls().first())
            .sort("frameId"))
    events: dict[int, str] = {}
    for ev in key_events(frames):
        events.setdefault(ev.frame_id, ev.event)
    return {int(fid): moment_label(float(s or 0.0), events.get(int(fid)))
            for fid, s in secs.iter_rows()}


def snap_moment(moments: dict[int, str]) -> int:
    """The snap frame of :func:`frame_moments` (else its last frame)."""
    snap = [f for f, label in moments.items() if label.startswith(moment_label(0.0))]
    return snap[0] if snap else list(moments)[-1]
