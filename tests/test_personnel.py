"""Defensive personnel drawn with the coverage call (``package_by_coverage``): the real
table it draws from, the draw itself, a season with the knob on, and the realism tables
that measure package mix and P(man) by package on either world."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

from coverage.simulate import defense, params, personnel, simulate_season
from devtools.realism.labels import package_tables, personnel_by_play
from devtools.realism.positions import position_table

BUCKETS = {"0-1", "2", "3", "4+"}


def test_the_calibrated_table_has_every_bucket_family_and_package() -> None:
    table = params.PACKAGE_COUNTS_BY_WR_COVERAGE
    assert set(table) == BUCKETS
    for cells in table.values():
        assert set(cells) == {"Man", "Zone", "Other"}
        for counts in cells.values():
            assert set(counts) == set(personnel.PACKAGES)
            assert all(isinstance(n, int) and n >= 0 for n in counts.values())
    # the real dependence the knob plants: with three wide receivers man calls see dime
    # more often than zone calls do, on thousands of plays
    three = table["3"]
    share = {f: three[f]["dime"] / sum(three[f].values()) for f in ("Man", "Zone")}
    assert share["Man"] > share["Zone"] + 0.03


def test_calibration_reproduces_the_committed_table(shared_bdb: Path) -> None:
    from devtools.calibrate_simulator import package_counts

    plays = pl.read_csv(shared_bdb / "plays.csv", infer_schema_length=20000)
    got = package_counts(plays, pl.read_parquet(shared_bdb / "player_play.parquet"),
                         pl.read_csv(shared_bdb / "players.csv"))
    assert got == params.PACKAGE_COUNTS_BY_WR_COVERAGE


def test_package_probabilities_shrink_toward_the_bucket_and_keep_goal_line_base() -> None:
    for n_wr in range(6):
        for cov in ("Cover-1", "Cover-3", "Red Zone", None):
            p = personnel.package_probs(n_wr, cov)
            assert p.shape == (3,) and p.min() >= 0 and p.sum() == pytest.approx(1.0)
    # unlabelled calls get the bucket's mix; a man call with 3 WR is dime more often
    assert np.allclose(personnel.package_probs(3, None),
                       personnel.package_probs(3, "Not a call"))
    assert personnel.package_probs(3, "Cover-1")[2] > personnel.package_probs(3, "Cover-3")[2]
    # a thin cell (4+ WR, man: a few dozen real plays) still gives base no weight, as its
    # whole bucket does, and leans toward the bucket's mix
    assert personnel.package_probs(4, "Cover-1")[0] == 0.0
    rng = np.random.default_rng(0)
    off = SimpleNamespace(kind=["WR"] * 3 + ["TE", "RB", "QB"] + ["OL"] * 5)
    assert {personnel.draw_package(rng, off, "Goal Line") for _ in range(50)} == {"base"}
    draws = [personnel.draw_package(rng, off, "Cover-1") for _ in range(4000)]
    expect = personnel.package_probs(3, "Cover-1")
    for k, name in enumerate(personnel.PACKAGES):
        sd = np.sqrt(expect[k] * (1 - expect[k]) / len(draws))
        assert abs(draws.count(name) / len(draws) - expect[k]) < 4 * sd + 1e-9


def _season_tables(out: Path) -> pl.DataFrame:
    plays = pl.read_csv(out / "plays.csv", infer_schema_length=0)
    pp = pl.read_csv(out / "player_play.csv", infer_schema_length=0)
    pos = position_table([pl.read_csv(out / "players.csv", infer_schema_length=0)])
    return personnel_by_play(plays, pp, pos)


def _gap(per: pl.DataFrame) -> tuple[float, float]:
    """P(man | 3 WR, dime) - P(man | 3 WR, nickel) among Man+Zone plays, and its binomial
    sd. Three wide receivers is where real dime and nickel both live (most real plays)."""
    three = per.filter(pl.col("man").is_not_null() & (pl.col("wr") == "3 WR"))
    rate = {}
    for pkg in ("dime", "nickel"):
        m = three.filter(pl.col("package") == pkg)["man"]
        rate[pkg] = (float(m.mean()), m.len())
    (p_d, n_d), (p_n, n_n) = rate["dime"], rate["nickel"]
    return p_d - p_n, float(np.sqrt(p_d * (1 - p_d) / n_d + p_n * (1 - p_n) / n_n))


def _real_gap() -> float:
    """The same gap in the real table the knob draws from."""
    three = params.PACKAGE_COUNTS_BY_WR_COVERAGE["3"]
    man = {p: three["Man"][p] / (three["Man"][p] + three["Zone"][p]) for p in ("dime", "nickel")}
    return man["dime"] - man["nickel"]


@pytest.mark.slow
@pytest.mark.parametrize("on", [False, True])
def test_with_the_knob_on_dime_plays_man_more_as_real_dime_does(tmp_path: Path, monkeypatch,
                                                                 on: bool) -> None:
    """Knob off, the package ignores the call, so with three wide receivers dime and nickel
    play man alike; on, dime plays man more, by the real table's gap (about 13 points).
    2,400 plays give some 200 three-receiver dime plays: the gap's binomial sd is about
    0.035-0.04, and each check allows three of them."""
    size = {"weeks": 1, "games_per_week": 16, "plays_per_game": 150,
            "approach_secs": (0.5, 1.0), "after_set_secs": (2.5, 3.0),
            "post_snap_secs": (0.5, 0.6)}
    monkeypatch.setattr(defense, "PACKAGE_BY_COVERAGE", on)
    simulate_season(tmp_path, seed=5, **size)
    gap, sd = _gap(_season_tables(tmp_path))
    assert sd < 0.05
    if on:
        assert gap > 0 and abs(gap - _real_gap()) < 3 * sd, (gap, sd, _real_gap())
    else:
        assert abs(gap) < 3 * sd, (gap, sd)


def test_package_tables_read_the_players_on_the_field() -> None:
    """Two plays: a dime man play (6 DBs) and a base zone play (4 DBs); the table counts
    defensive backs and wide receivers by roster group, and P(man) from Man/Zone only."""
    plays = pl.DataFrame({"gameId": [1, 1, 1], "playId": [1, 2, 3],
                          "possessionTeam": ["A", "A", "A"], "defensiveTeam": ["B"] * 3,
                          "pff_manZone": ["Man", "Zone", "Other"]})
    rows, pos = [], []
    for play, n_db, n_wr in ((1, 6, 4), (2, 4, 1), (3, 5, 3)):
        for i in range(11):
            nid = play * 100 + i
            rows.append((1, play, nid, "B"))
            pos.append((nid, "CB" if i < n_db - 1 else "SS" if i < n_db else "DE"))
        for i in range(11):
            nid = play * 100 + 50 + i
            rows.append((1, play, nid, "A"))
            pos.append((nid, "WR" if i < n_wr else "T"))
    pp = pl.DataFrame(rows, schema=["gameId", "playId", "nflId", "teamAbbr"], orient="row")
    positions = position_table([pl.DataFrame(pos, schema=["nflId", "position"],
                                             orient="row")])
    t = package_tables(plays, pp, positions)

    def get(table: str, level: str) -> tuple[float, int]:
        row = t.filter((pl.col("table") == table) & (pl.col("level") == level))
        return float(row["value"].item()), int(row["n"].item())

    assert get("package mix", "dime") == (pytest.approx(1 / 3), 3)
    assert get("package mix", "base") == (pytest.approx(1 / 3), 3)
    assert get("package mix by WR", "4+ WR: dime") == (1.0, 1)
    assert get("package mix by WR", "4+ WR: base") == (0.0, 1)
    assert get("P(man) by package", "dime") == (1.0, 1)
    assert get("P(man) by package", "base") == (0.0, 1)
    assert t.filter(pl.col("level").str.contains("nickel")
                    & pl.col("table").str.starts_with("P(man)")).is_empty()
    assert package_tables(plays, None, positions).is_empty()
