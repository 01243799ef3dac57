"""The explorer's filters: games named one way everywhere, and lists that narrow each other."""

from __future__ import annotations

import polars as pl

from coverage.app import play_data
from coverage.store import Store
from tests.builders.apptest import assert_clean, picker, run_page

EXPLORER = "app_pages/1_Play_explorer.py"


def _plays(home: bool = True) -> pl.DataFrame:
    """Two games: KC at SEA (both teams have the ball) and BUF at NE."""
    rows = [(1, 1, "KC", "SEA"), (1, 2, "SEA", "KC"), (1, 3, "SEA", "KC"),
            (2, 1, "NE", "BUF"), (2, 2, "BUF", "NE")]
    df = pl.DataFrame({
        "gameId": [r[0] for r in rows], "playId": [r[1] for r in rows], "week": [1] * 5,
        "possessionTeam": [r[2] for r in rows], "defensiveTeam": [r[3] for r in rows],
        "quarter": [1] * 5, "down": [1, 2, 3, 1, 2], "yardsToGo": [10] * 5,
        "pff_manZone": ["Man", "Zone", "Man", "Zone", "Man"],
        "pff_passCoverage": ["Cover-1", "Cover-3", "Cover-0", "Cover-2", "Cover-1"],
        "offenseFormation": ["SHOTGUN"] * 5, "passResult": ["C"] * 5,
        "playDescription": ["a"] * 5})
    if home:
        df = df.with_columns(
            homeTeamAbbr=pl.when(pl.col("gameId") == 1).then(pl.lit("SEA")).otherwise(
                pl.lit("NE")),
            visitorTeamAbbr=pl.when(pl.col("gameId") == 1).then(pl.lit("KC")).otherwise(
                pl.lit("BUF")))
    return df


def test_game_filter_and_picker_name_a_game_alike() -> None:
    for home, name in ((True, "KC @ SEA"), (False, "KC vs SEA")):
        t = play_data.play_table(_plays(home))
        title = play_data.game_titles(t)[1]
        assert title == f"wk 1 · {name} · 1"
        game1 = t.filter(pl.col("gameId") == 1)
        # whoever has the ball, every play's picker label names the game as the filter does
        assert all(label.startswith(f"1-{p} · wk 1 · {name} · ")
                   for p, label in zip(game1["playId"], game1["label"], strict=True))
        assert {lab.split(" · ")[4] for lab in game1["label"]} == {"KC ball", "SEA ball"}
        # ... so searching what the Game filter says finds exactly that game's plays
        for query in (title.rsplit(" · ", 1)[0], name):
            found = play_data.filter_plays(t, play_data.PlayFilters(search=query))
            assert found["gameId"].unique().to_list() == [1], query
            assert found.height == 3


def test_each_filter_offers_what_the_others_leave() -> None:
    t = play_data.play_table(_plays())
    everything = play_data.filter_options(t)
    assert everything["offense"] == ["BUF", "KC", "NE", "SEA"]
    opts = play_data.filter_options(t, {"defense": ["KC"]})
    assert opts["gameId"] == [1] and opts["offense"] == ["SEA"]
    assert opts["defense"] == everything["defense"]  # its own list is not narrowed by itself
    assert opts["down"] == [2, 3] and opts["family"] == ["Man", "Zone"]
    # both sides of the filters count: game 2 and down 1 leave only NE's down-1 play
    opts = play_data.filter_options(t, {"gameId": [2], "down": [1]})
    assert opts["offense"] == ["NE"] and opts["coverage"] == ["Cover-2"]
    assert opts["down"] == [1, 2]  # game 2 holds downs 1 and 2


def test_a_pick_ruled_out_by_the_others_stays_in_view() -> None:
    t = play_data.play_table(_plays())
    opts = play_data.filter_options(t, {"defense": ["KC"], "offense": ["NE"], "week": ["1"]})
    assert opts["offense"] == ["NE", "SEA"]  # NE never met KC's defense, yet stays picked
    assert opts["defense"] == ["BUF", "KC"]  # NE's opponent, and the kept pick
    assert opts["week"] == [1]  # a link's "1" is week 1, not a second value
    shown = play_data.filter_plays(
        t, play_data.PlayFilters({"defense": ["KC"], "offense": ["NE"]}))
    assert shown.height == 0  # the empty list the kept pick explains


def test_picking_a_defense_narrows_games_and_offenses(point_at) -> None:
    store = point_at("preds")
    at = run_page(EXPLORER)
    assert_clean(at)
    table = play_data.play_table(Store(store).plays())
    defense = table["defense"].value_counts(sort=True)["defense"][0]
    at.sidebar.multiselect(key="f_defense").select(defense).run()
    assert_clean(at)
    mine = table.filter(pl.col("defense") == defense)
    titles = play_data.game_titles(table)
    games = at.sidebar.multiselect(key="f_gameId").options
    assert sorted(games) == sorted(titles[g] for g in mine["gameId"].unique())
    assert len(games) < table["gameId"].n_unique()
    offenses = at.sidebar.multiselect(key="f_offense").options
    assert sorted(offenses) == sorted(mine["offense"].unique())
    assert defense not in offenses
    # a game the defense played keeps the list to that game, and the picker names it alike
    game = int(mine["gameId"][0])
    at.sidebar.multiselect(key="f_gameId").select(game).run()
    assert_clean(at)
    week_and_teams = titles[game].rsplit(" · ", 1)[0]
    box = picker(at)
    assert box.options and all(f" · {week_and_teams} · " in o for o in box.options)
