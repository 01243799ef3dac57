"""Derive the synthetic simulator's parameters from the real BDB 2025 tables.

The simulator must not need the real files at run time, so this script is run
by hand whenever the shared data changes; it prints the JSON that
``coverage/simulate/params.json`` holds (redirect it there). It exits quietly when the
data is absent.

Usage: ``.venv/bin/python devtools/calibrate_simulator.py [BDB_DIR]`` (default:
``$COVERAGE_SHARED_BDB``, else ``../shared/bdb`` next to the repository; see
``tests/builders/fixtures.py``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.builders

from coverage.schema import PLAY_KEYS  # noqa: E402
from coverage.stats import beta_shrink  # noqa: E402
from coverage.tabular.features import personnel  # noqa: E402
from coverage.vocab import (  # noqa: E402
    DISTANCES,
    FIELD_ZONES,
    MAN,
    OTHER,
    ZONE,
    distance_expr,
    field_zone_expr,
    is_man,
    is_man_or_zone,
    labelled,
)
from tests.builders.fixtures import find_shared_bdb, shared_bdb_dir  # noqa: E402

CANDIDATES = (shared_bdb_dir(),)  # COVERAGE_SHARED_BDB, else ../shared/bdb next to the repo


def _find_dir(argv: list[str]) -> Path | None:
    if len(argv) > 1:
        return Path(argv[1])
    return find_shared_bdb()


def _counts(df: pl.DataFrame, col: str) -> dict[str, int]:
    vc = df.filter(pl.col(col).is_not_null())[col].value_counts().sort("count", descending=True)
    return {str(k): int(v) for k, v in zip(vc[col], vc["count"], strict=True)}


def _man_rate(df: pl.DataFrame, by: str, min_n: int = 30) -> dict[str, float]:
    g = (
        labelled(df)
        .group_by(by)
        .agg(pl.len().alias("n"), is_man().mean().alias("man"))
        .filter(pl.col("n") >= min_n)
        .sort(by)
    )
    return {str(k): round(float(v), 3) for k, v in zip(g[by], g["man"], strict=True)}


SMOOTH_K = 25.0  # pseudo-plays pulling a cell's man rate toward its parent cell


def _smoothed(lab: pl.DataFrame, keys: list[str], parent: dict[tuple, float],
              parent_keys: list[str]) -> dict[tuple, float]:
    """Man rate per ``keys`` cell, shrunk toward the ``parent_keys`` cell's rate."""
    g = lab.group_by(keys).agg(pl.len().alias("n"), pl.col("man").sum().alias("m"))
    out = {}
    for row in g.iter_rows(named=True):
        k = tuple(row[c] for c in keys)
        p0 = parent[tuple(row[c] for c in parent_keys)]
        out[k] = beta_shrink(row["m"], row["n"], p0, SMOOTH_K)
    return out


def situation_man_rates(plays: pl.DataFrame, games: pl.DataFrame) -> dict[str, float]:
    """P(man | down x distance x field zone x game state), smoothed toward the marginals.

    Keys are ``"down|dist|field|state"`` (down 1-4; dist and field as
    :func:`coverage.vocab.distance` and :func:`coverage.vocab.field_zone` cut them;
    state: ``late_lead`` /
    ``late_trail`` / ``late_close`` for the 4th quarter and overtime by the *defense's*
    lead (9+ points decides), ``two_min`` for the end of the first half, else
    ``normal``). Every cell of the grid gets a rate: unseen or thin cells fall back
    through (down, dist, field) and (down, dist) to the season rate.
    """
    clock = pl.col("gameClock").str.split_exact(":", 1)
    secs = (clock.struct.field("field_0").cast(pl.Int64) * 60
            + clock.struct.field("field_1").cast(pl.Int64))
    home_off = pl.col("possessionTeam") == pl.col("homeTeamAbbr")
    lead = pl.when(home_off).then(pl.col("preSnapVisitorScore") - pl.col("preSnapHomeScore")) \
        .otherwise(pl.col("preSnapHomeScore") - pl.col("preSnapVisitorScore"))
    lab = (plays.join(games.select("gameId", "homeTeamAbbr"), on="gameId", how="left")
           .filter(is_man_or_zone())
           .with_columns(is_man().cast(pl.Float64).alias("man"),
                         pl.col("down").cast(pl.String).alias("down_s"),
                         lead.alias("def_lead"), secs.alias("secs"))
           .with_columns(
               pl.when((pl.col("quarter") >= 4) & (pl.col("def_lead") >= 9))
               .then(pl.lit("late_lead"))
               .when((pl.col("quarter") >= 4) & (pl.col("def_lead") <= -9))
               .then(pl.lit("late_trail"))
               .when(pl.col("quarter") >= 4).then(pl.lit("late_close"))
               .when((pl.col("quarter") == 2) & (pl.col("secs") <= 120)).then(pl.lit("two_min"))
               .otherwise(pl.lit("normal")).alias("state")))
    base = float(lab["man"].mean())
    dd = _smoothed(lab, ["down_s", "dist_b"], {(): base}, [])
    ddf = _smoothed(lab, ["down_s", "dist_b", "field"], dd, ["down_s", "dist_b"])
    full = _smoothed(lab, ["down_s", "dist_b", "field", "state"], ddf,
                     ["down_s", "dist_b", "field"])
    out = {}
    for d in ("1", "2", "3", "4"):
        for dist in DISTANCES:
            p_dd = dd.get((d, dist), base)
            for f in FIELD_ZONES:
                p_f = ddf.get((d, dist, f), p_dd)
                for st in ("normal", "two_min", "late_close", "late_lead", "late_trail"):
                    out[f"{d}|{dist}|{f}|{st}"] = round(full.get((d, dist, f, st), p_f), 3)
    return out


PACKAGES = ("base", "nickel", "dime")


def wr_bucket_expr(n_wr: pl.Expr) -> pl.Expr:
    """Wide-receiver count as the simulator's package table keys it: sets with none or
    four-plus wide receivers are too rare to stand alone (a few dozen plays each)."""
    return (pl.when(n_wr <= 1).then(pl.lit("0-1")).when(n_wr >= 4).then(pl.lit("4+"))
            .otherwise(n_wr.cast(pl.String)))


def _on_field(plays: pl.DataFrame, pp: pl.DataFrame, players: pl.DataFrame,
              *columns: str) -> pl.DataFrame:
    """Per play, who was on the field (:func:`coverage.tabular.features.personnel`: the
    offense's backs, tight ends and wide receivers, the defense's package) beside
    ``columns`` of plays.csv."""
    return personnel(plays, pp, players).join(
        plays.select(*PLAY_KEYS, *columns), on=PLAY_KEYS, how="inner")


def package_counts(plays: pl.DataFrame, pp: pl.DataFrame,
                   players: pl.DataFrame) -> dict[str, dict[str, dict[str, int]]]:
    """Plays per wide-receiver bucket -> coverage family (Man / Zone / Other) -> package.

    The package is read from who was on the field: the defense's defensive backs (<= 4
    base, 5 nickel, 6+ dime), the offense's wide receivers by roster position. Raw counts:
    the simulator shrinks thin cells toward their bucket's mix when it draws.
    """
    per = (_on_field(plays, pp, players, "pff_manZone")
           .filter(pl.col("pff_manZone").is_not_null())
           .with_columns(wr_bucket_expr(pl.col("n_WR").cast(pl.Int32)).alias("bucket"),
                         pl.col("def_package").replace("quarter", "dime").alias("package"))
           .group_by("bucket", "pff_manZone", "package").len())
    out: dict[str, dict[str, dict[str, int]]] = {}
    for bucket in ("0-1", "2", "3", "4+"):
        out[bucket] = {}
        for fam in (MAN, ZONE, OTHER):
            cell = per.filter((pl.col("bucket") == bucket) & (pl.col("pff_manZone") == fam))
            got = dict(zip(cell["package"], cell["len"], strict=True))
            out[bucket][fam] = {p: int(got.get(p, 0)) for p in PACKAGES}
    return out


def personnel_counts(plays: pl.DataFrame, pp: pl.DataFrame,
                     players: pl.DataFrame) -> dict[str, dict[str, dict[str, int]]]:
    """formation -> receiver alignment -> offensive personnel ("RT": backs incl. fullbacks,
    tight ends; the rest of the five skill players are wide receivers) -> plays.

    The alignment alone does not say who stands where: a 2x2 is three receivers and a tight
    end in 11 personnel, two and two in 12. Plays whose five skill players are not all
    backs, tight ends and receivers (an extra lineman) are left out."""
    cells = (_on_field(plays, pp, players, "offenseFormation", "receiverAlignment")
             .filter(pl.col("offenseFormation").is_not_null()
                     & pl.col("receiverAlignment").is_not_null()
                     & (pl.col("n_RB") + pl.col("n_TE") + pl.col("n_WR") == 5))
             .group_by("offenseFormation", "receiverAlignment",
                       pl.col("off_personnel").alias("personnel"))
             .len().filter(pl.col("len") >= 5)
             .sort("offenseFormation", "receiverAlignment", "len",
                   descending=[False, False, True]))
    out: dict[str, dict[str, dict[str, int]]] = {}
    for f, a, p, n in cells.iter_rows():
        out.setdefault(f, {}).setdefault(a, {})[p] = int(n)
    return out


def motion_man_rates(pp: pl.DataFrame, players: pl.DataFrame) -> dict[str, float]:
    """Per skill player on the field (RB with fullbacks, TE, WR): P(he motions after the
    line set or is in motion at the snap). Per player, not per play, so the simulator's
    own personnel mix decides how often each position is the motion man."""
    group = {"RB": "RB", "FB": "RB", "HB": "RB", "TE": "TE", "WR": "WR"}
    rows = (pp.join(players.select("nflId", "position"), on="nflId", how="left")
            .with_columns(pl.col("position").replace_strict(group, default=None).alias("g"))
            .filter(pl.col("g").is_not_null())
            .with_columns((pl.col("motionSinceLineset").fill_null(False)
                           | pl.col("inMotionAtBallSnap").fill_null(False)).alias("moved")))
    rates = rows.group_by("g").agg(pl.col("moved").mean()).sort("g")
    return {g: round(float(r), 4) for g, r in rates.iter_rows()}


def calibrate(bdb: Path) -> dict[str, object]:
    """Every number the simulator bakes in, keyed like ``params.py``."""
    plays = pl.read_csv(bdb / "plays.csv", infer_schema_length=20000)
    pp = pl.read_parquet(bdb / "player_play.parquet")
    players = pl.read_csv(bdb / "players.csv")

    plays = plays.with_columns(
        pl.when(pl.col("down") >= 3).then(pl.lit("3")).otherwise(pl.col("down").cast(pl.String))
        .alias("down_b"),
        distance_expr().alias("dist_b"),
        # Yards to the opponent's goal: the red-zone coverages only live there.
        pl.when(pl.col("yardlineSide") == pl.col("possessionTeam"))
        .then(100 - pl.col("yardlineNumber"))
        .otherwise(pl.col("yardlineNumber")).alias("to_goal"),
    ).with_columns(
        (pl.col("down_b") + "_" + pl.col("dist_b")).alias("dd"),
        field_zone_expr("to_goal").alias("field"),
    )
    out: dict[str, object] = {}
    out["COVERAGE_COUNTS"] = _counts(plays, "pff_passCoverage")
    mz = plays.filter(pl.col("pff_passCoverage").is_not_null()).unique("pff_passCoverage")
    out["COVERAGE_MANZONE"] = dict(
        sorted(zip(mz["pff_passCoverage"], mz["pff_manZone"], strict=True))
    )
    out["MANZONE_COUNTS"] = _counts(plays, "pff_manZone")
    out["NULL_COVERAGE_RATE"] = round(plays["pff_passCoverage"].null_count() / len(plays), 4)
    out["MAN_RATE"] = round(float(labelled(plays).select(is_man().mean()).item()), 4)
    out["MAN_RATE_BY_DD"] = _man_rate(plays, "dd")
    out["MAN_RATE_BY_FORMATION"] = _man_rate(plays, "offenseFormation")
    out["MAN_RATE_BY_TEAM"] = _man_rate(plays, "defensiveTeam")
    out["MAN_RATE_BY_SITUATION"] = situation_man_rates(plays, pl.read_csv(bdb / "games.csv"))
    out["SITUATION_DOWN_MIX"] = {str(k): v for k, v in _counts(
        plays.with_columns(pl.col("down").cast(pl.String)), "down").items()}
    cov_field = {}
    for field in ("goal", "red", "open"):
        cov_field[field] = _counts(plays.filter(pl.col("field") == field), "pff_passCoverage")
    out["COVERAGE_COUNTS_BY_FIELD"] = cov_field
    fa = (
        plays.filter(pl.col("offenseFormation").is_not_null())
        .group_by("offenseFormation", "receiverAlignment").len()
        .filter(pl.col("len") >= 5).sort("offenseFormation", "len", descending=[False, True])
    )
    joint: dict[str, dict[str, int]] = {}
    for f, a, n in fa.iter_rows():
        joint.setdefault(f, {})[a] = int(n)
    out["FORMATION_ALIGNMENT_COUNTS"] = joint
    out["PASS_RESULT_COUNTS"] = _counts(plays, "passResult")
    out["DROPBACK_RATE"] = round(float(plays["isDropback"].mean()), 4)
    per_play = pp.group_by("gameId", "playId").agg(
        pl.col("inMotionAtBallSnap").any().alias("at_snap"),
        pl.col("shiftSinceLineset").any().alias("shift"),
        pl.col("motionSinceLineset").any().alias("motion"),
    )
    out["MOTION_RATES"] = {
        k: round(float(per_play[k].mean()), 4) for k in ("at_snap", "shift", "motion")
    }
    out["MOTION_MAN_RATE_BY_POSITION"] = motion_man_rates(pp, players)
    asg = pp.join(plays.select("gameId", "playId", "pff_passCoverage"), on=["gameId", "playId"])
    asg = asg.filter(pl.col("pff_defensiveCoverageAssignment").is_not_null())
    mix = {}
    for cov in out["COVERAGE_COUNTS"]:
        mix[cov] = _counts(asg.filter(pl.col("pff_passCoverage") == cov),
                           "pff_defensiveCoverageAssignment")
    out["ASSIGNMENT_COUNTS_BY_COVERAGE"] = mix
    out["ASSIGNMENT_VOCAB"] = sorted(_counts(asg, "pff_defensiveCoverageAssignment"))
    out["POSITION_COUNTS"] = _counts(players, "position")
    out["PERSONNEL_BY_FORMATION_ALIGNMENT"] = personnel_counts(plays, pp, players)
    out["PACKAGE_COUNTS_BY_WR_COVERAGE"] = package_counts(plays, pp, players)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    bdb = _find_dir(argv)
    if bdb is None:
        print("calibrate_simulator: no real BDB tables found (looked in "
              f"{', '.join(str(c) for c in CANDIDATES)}); nothing to do.")
        return 0
    # the folder's name only: the file is committed, a local path would leak into it
    source = {"_source": "devtools/calibrate_simulator.py on the real BDB 2025 tables "
                         f"('{bdb.resolve().name}': 2022 season, weeks 1-9)"}
    print(json.dumps(source | calibrate(bdb), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
