"""Formation detection: recovery of known templates, API modes, bad input, real labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from coverage.errors import DataError
from coverage.formations import (
    EFPI,
    defense_templates,
    defensive_shell,
    offense_templates,
    play_formations,
    receiver_alignment,
)
from tests.builders.formation_frames import template_frames

KEYS = ["gameId", "playId", "side", "nflId"]


@pytest.fixture(scope="module")
def workload() -> tuple[pl.DataFrame, pl.DataFrame]:
    return template_frames(120, 20, seed=7)


def _agreement(asg: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    return (
        asg.join(truth, on=KEYS, suffix="_true")
        .group_by("side")
        .agg(
            (pl.col("template") == pl.col("template_true")).mean().alias("template"),
            (pl.col("slot") == pl.col("slot_true")).mean().alias("slot"),
        )
    )


@pytest.mark.parametrize("every", ["snap", "play", "frame", "lineset", "1s"])
def test_recovers_known_templates(workload, every):
    tracking, truth = workload
    efpi = EFPI(tracking).fit(every=every)
    agree = _agreement(efpi.assignments, truth)
    assert agree["template"].min() >= 0.95, agree
    assert agree["slot"].min() >= 0.95, agree


def test_output_shapes_per_mode(workload):
    tracking, _ = workload
    n_plays = tracking["playId"].n_unique()
    play = EFPI(tracking).fit(every="play")
    assert play.formations.height == 2 * n_plays
    assert play.assignments.height == 22 * n_plays
    assert set(play.formations["segment"]) == {0}
    # every="play" averages from the line_set frame (10) to the snap (20).
    assert play.formations["start_frame"].min() == 10
    assert play.formations["n_frames"].max() == 11

    windows = EFPI(tracking).fit(every="1s").formations
    assert sorted(set(windows["segment"])) == [-1, 0]
    w0 = windows.filter(pl.col("segment") == 0)
    assert (w0["start_frame"] == 11).all() and (w0["end_frame"] == 20).all()

    lineset = EFPI(tracking).fit(every="lineset").formations
    assert (lineset["frameId"] == 10).all() and lineset.height == 2 * n_plays

    frame = EFPI(tracking).fit(every="frame", side="offense")
    assert set(frame.formations["side"]) == {"offense"}
    assert frame.formations.height == 20 * n_plays
    seg = frame.segments
    assert {"gameId", "playId", "side", "formation", "start_frame", "end_frame"} <= set(seg.columns)
    assert seg["n_rows"].sum() == frame.formations.height


def test_columns_and_vocabularies(workload):
    tracking, _ = workload
    forms = EFPI(tracking).fit(every="snap").formations
    off = forms.filter(pl.col("side") == "offense")
    de = forms.filter(pl.col("side") == "defense")
    official = {"SHOTGUN", "SINGLEBACK", "EMPTY", "I_FORM", "PISTOL", "JUMBO", "WILDCAT"}
    assert set(off["formation"]) <= official
    assert off["alignment"].str.contains(r"^\d+x\d+$").all()
    assert off["shell"].is_null().all()
    assert set(de["shell"]) <= {"0-high", "1-high", "2-high"}
    assert de["alignment"].is_null().all()
    assert set(de["front"]) <= {"BASE_43", "BASE_34", "NICKEL", "DIME", "GOAL_LINE"}
    # The rule-based alignment agrees with the matched template's own label here.
    lib = {t.name: t.alignment for t in offense_templates()}
    expected = off["template"].replace_strict(lib)
    assert (expected == off["alignment"]).mean() >= 0.95


def test_change_threshold_stabilises_labels():
    tracking, _ = template_frames(40, 30, seed=3, noise=1.2)
    free = EFPI(tracking).fit(every="frame", side="offense").segments
    sticky = EFPI(tracking).fit(every="frame", side="offense", change_threshold=0.9).segments
    assert sticky.height <= free.height
    # A 90% improvement never happens between plausible templates: one run per play.
    assert sticky.group_by("playId").len()["len"].max() == 1 or sticky.height < free.height


def test_user_templates_only():
    lib = [t for t in offense_templates() if t.formation in ("SHOTGUN", "EMPTY")]
    lib += [t for t in defense_templates() if t.front == "NICKEL"]
    tracking, _ = template_frames(20, 5, seed=2, offense=lib[:4], defense=lib[-6:])
    forms = EFPI(tracking, templates=lib).fit(every="snap").formations
    assert set(forms["template"]) <= {t.name for t in lib}
    with pytest.raises(ValueError, match="no defense templates"):
        EFPI(tracking, templates=lib[:4]).fit(every="snap")


def test_mirrored_defense_keeps_cb1_on_plus_side():
    for t in defense_templates():
        u = dict(zip(t.slots, t.coords[:, 0], strict=True))
        assert u["CB1"] > 0 > u["CB2"], t.name


def _drop_one_defender(tracking: pl.DataFrame, frame: int) -> pl.DataFrame:
    victim = tracking.filter(pl.col("side") == "defense", pl.col("playId") == 3)["nflId"][0]
    return tracking.filter(
        ~((pl.col("playId") == 3) & (pl.col("frameId") == frame)
          & pl.col("nflId").eq_missing(victim))
    )


def test_bad_player_count_raises_naming_play_and_frame(workload):
    tracking, _ = workload
    bad = _drop_one_defender(tracking, 15)
    with pytest.raises(DataError, match=r"frameId=15 defense: 10 defense players") as exc:
        EFPI(bad).fit(every="frame")
    assert "playId=3" in str(exc.value)


def test_bad_frames_skipped_and_recorded(workload):
    tracking, _ = workload
    bad = _drop_one_defender(tracking, 15).with_columns(
        pl.when((pl.col("playId") == 5) & (pl.col("frameId") == 2) & (pl.col("side") == "offense"))
        .then(float("nan")).otherwise(pl.col("x")).alias("x")
    )
    efpi = EFPI(bad, on_bad="skip").fit(every="frame")
    skipped = efpi.skipped.select("playId", "frameId", "side").rows()
    assert skipped == [(3, 15, "defense"), (5, 2, "offense")]
    forms = efpi.formations
    assert forms.filter(pl.col("playId") == 3, pl.col("frameId") == 15)["side"].to_list() == [
        "offense"]
    # Aggregated modes drop the bad frames before averaging instead of failing.
    assert EFPI(bad, on_bad="skip").fit(every="play").formations.height == 2 * 120
    with pytest.raises(DataError, match="NaN"):
        EFPI(bad.filter(pl.col("playId") == 5)).fit(every="frame")


def test_missing_column_and_bad_arguments(workload):
    tracking, _ = workload
    with pytest.raises(DataError, match="secs_from_snap"):
        EFPI(tracking.drop("secs_from_snap")).fit()
    with pytest.raises(ValueError, match="every="):
        EFPI(tracking).fit(every="fortnight")
    with pytest.raises(ValueError, match="on_bad"):
        EFPI(tracking, on_bad="ignore")


def test_lazy_input_and_post_snap_frames_ignored(workload):
    tracking, _ = workload
    later = tracking.filter(pl.col("frameId") == 20).with_columns(
        (pl.col("frameId") + 5).cast(pl.Int32), pl.lit(0.5, pl.Float32).alias("secs_from_snap"))
    forms = EFPI(pl.concat([tracking, later]).lazy()).fit(every="frame").formations
    assert forms["frameId"].max() == 20


def test_receiver_alignment_rule():
    # 5 OL, QB, RB in the backfield, TE inline right, X far left, Z + SLOT right -> "3x1".
    slots = np.array([["LT", "LG", "C", "RG", "RT", "QB", "RB", "TE", "X", "Z", "SLOT"]])
    u = np.array([[2.6, 1.3, 0, -1.3, -2.6, 0, 1.5, -4.0, 19.0, -17.0, -10.0]])
    d = np.array([[1.2, 1.0, 0.9, 1.0, 1.2, 5.0, 5.2, 1.3, 1.0, 1.6, 1.6]])
    assert receiver_alignment(u, d, slots).tolist() == ["3x1"]
    d2 = d.copy()
    d2[0, 6] = 1.5  # RB walked up to the line on the +u side -> receiver
    u2 = u.copy()
    u2[0, 6] = 8.0
    assert receiver_alignment(u2, d2, slots).tolist() == ["3x2"]


def test_defensive_shell_rule():
    base = np.array([4.5, 1.5, -1.5, -4.5, 3, 0, -3, 17, -17, 0, 0], dtype=float)
    depth = np.array([1, 1, 1, 1, 5, 5, 5, 6, 6, 0, 0], dtype=float)
    u = np.tile(base, (3, 1))
    d = np.tile(depth, (3, 1))
    u[0, 9:], d[0, 9:] = [9, -9], [12, 12]  # two deep, split
    u[1, 9:], d[1, 9:] = [0, -5], [14, 7]  # one deep middle
    u[2, 9:], d[2, 9:] = [5, -5], [7, 7]  # none deep
    assert defensive_shell(u, d).tolist() == ["2-high", "1-high", "0-high"]


def test_play_formations_and_cli(workload, tmp_path):
    tracking, _ = workload
    table = play_formations(tracking)
    assert table.columns == ["gameId", "playId", "off_formation", "off_alignment",
                             "def_shell", "def_front"]
    assert table.height == 120 and table.null_count().sum_horizontal().item() == 0

    from coverage.cli import build_parser

    args = build_parser().parse_args(["formations", str(tmp_path), "--every", "1s",
                                      "-o", "x.parquet"])
    assert args.every == "1s" and args.output == "x.parquet" and callable(args.func)


# --- validation against real labels -------------------------------------------------------
def _normalised(tracking_csv: Path, plays_csv: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    from coverage.normalize import normalize_tracking, snap_frames
    from coverage.raw import scan_plays, scan_tracking

    t = scan_tracking(tracking_csv)
    plays = scan_plays(plays_csv)
    info = plays.select("gameId", "playId", "possessionTeam", "defensiveTeam").join(
        snap_frames(t), on=["gameId", "playId"])
    return normalize_tracking(t, info).collect(), plays.collect()


@pytest.fixture(scope="module")
def bdb(shared_bdb: Path) -> Path:
    return shared_bdb


def test_real_2022_play_matches_official_labels(bdb):
    frames, plays = _normalised(bdb / "tracking_2022_real_1play.csv", bdb / "plays.csv")
    label = plays.filter(pl.col("gameId") == 2022103007, pl.col("playId") == 1507).row(0,
                                                                                         named=True)
    assert (label["offenseFormation"], label["receiverAlignment"]) == ("EMPTY", "4x1")
    forms = EFPI(frames).fit(every="snap").formations
    off = forms.filter(pl.col("side") == "offense").row(0, named=True)
    assert (off["formation"], off["alignment"]) == ("EMPTY", "4x1")
    # Cover 6 is a two-high coverage; the pre-snap shell shows it.
    assert forms.filter(pl.col("side") == "defense")["shell"].item() == "2-high"
    # Every pre-snap frame can be labelled (huddle frames included) without errors.
    per_frame = EFPI(frames).fit(every="frame", change_threshold=0.1)
    assert per_frame.formations["frameId"].n_unique() == frames["frameId"].n_unique()


def test_real_2021_plays_formation_agreement(bdb):
    frames, plays = _normalised(bdb / "bdb2023" / "tracking_7plays.csv",
                                bdb / "bdb2023" / "plays_7plays.csv")
    forms = EFPI(frames).fit(every="snap").formations.filter(pl.col("side") == "offense")
    joined = forms.join(plays.select("gameId", "playId", "offenseFormation"),
                        on=["gameId", "playId"])
    assert joined.height == 7
    agreement = (joined["formation"] == joined["offenseFormation"]).mean()
    assert agreement >= 6 / 7, joined.select("playId", "formation", "offenseFormation")


@pytest.mark.slow
def test_simulated_season_agreement(tmp_path):
    """Agreement at the snap with the simulator's truth (formation, receiver alignment, and
    the shell that stands at the snap; thresholds leave margin)."""
    from coverage.ingest import ingest
    from coverage.simulate import params, simulate_season
    from coverage.store import Store

    simulate_season(tmp_path / "raw", seed=3, weeks=1, games_per_week=2, plays_per_game=40)
    ingest(tmp_path / "raw", tmp_path / "store", progress=False)
    store = Store(tmp_path / "store")
    truth = pl.read_csv(tmp_path / "raw" / "truth_plays.csv")
    forms = EFPI(store.tracking(store.weeks[0]), on_bad="skip").fit(every="snap").formations
    off = forms.filter(pl.col("side") == "offense").join(truth, on=["gameId", "playId"])
    de = forms.filter(pl.col("side") == "defense").join(truth, on=["gameId", "playId"])
    assert off.height >= 70
    assert (off["formation"] == off["offenseFormation"]).mean() >= 0.7
    assert (off["alignment"] == off["receiverAlignment"]).mean() >= 0.55
    # the shell at the snap is the one shown, except a disguised man shell, which rotates to
    # the played one seconds before the snap when the simulator's man_rotation_lead is set
    early = (pl.col("disguise") & (pl.col("pff_manZone") == "Man")
             & pl.lit(params.MAN_ROTATION_LEAD is not None))
    at_snap = de.select(pl.when(early).then(pl.col("shell_played"))
                        .otherwise(pl.col("shell_shown")).cast(pl.String) + "-high").to_series()
    assert (de["shell"] == at_snap).mean() >= 0.85
