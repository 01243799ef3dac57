import numpy as np
import polars as pl
import pytest
import torch

from coverage.features import FEATURES, N_PLAYERS, build_frames, concat_frames, mirror
from coverage.schema import FRAME_RATE_HZ
from tests.builders.toy import toy_tracking


@pytest.fixture(scope="module")
def toy():
    return toy_tracking(n_plays=6, n_frames=15, seed=1)


def test_shapes_order_and_labels(toy):
    tracking, plays = toy
    ft = build_frames(tracking, plays)
    assert ft.x.shape == (6 * 15, N_PLAYERS, len(FEATURES))
    assert ft.x.dtype == np.float32
    off = FEATURES.index("is_offense")
    assert (ft.x[:, :11, off] == 1).all() and (ft.x[:, 11:, off] == 0).all()
    yi = FEATURES.index("y_rel")
    assert (np.diff(ft.x[:, :11, yi], axis=1) >= 0).all()  # each side sorted by y
    assert (np.diff(ft.x[:, 11:, yi], axis=1) >= 0).all()
    assert (ft.secs <= 0).all() and (ft.secs[ft.play_start == np.arange(len(ft))] < 0).all()
    labels = dict(zip(plays["playId"], plays["pff_manZone"], strict=True))
    expect = np.array([labels[p] == "Man" for p in ft.play_id], dtype=np.float32)
    np.testing.assert_array_equal(ft.y, expect)
    # relative coordinates are taken from the play index
    row = plays.row(0, named=True)
    one = tracking.filter((pl.col("playId") == row["playId"]) & (pl.col("frameId") == 1)).collect()
    xs = np.sort((one["x"] - row["los_x"]).to_numpy())
    np.testing.assert_allclose(np.sort(ft.x[0, :, 0]), xs, atol=1e-4)


def test_displacement_looks_back_one_second(toy):
    tracking, plays = toy
    ft = build_frames(tracking, plays)
    rate = int(FRAME_RATE_HZ)
    df = tracking.filter(pl.col("playId") == plays["playId"][0]).collect()
    p = df.filter(pl.col("nflId") == 1015).sort("frameId")
    i = rate + 3
    want = p["y"][i] - p["y"][i - rate]
    dyi = FEATURES.index("dy_1s")
    yi = FEATURES.index("y_rel")
    y_rel = p["y"][i] - plays["ball_y"][0]
    slot = np.argmin(np.abs(ft.x[i, 11:, yi] - y_rel)) + 11
    assert ft.x[i, slot, dyi] == pytest.approx(want, abs=1e-4)
    assert (ft.x[ft.play_start == np.arange(len(ft)), :, dyi] == 0).all()


def test_incomplete_frames_are_dropped(toy):
    tracking, plays = toy
    short = tracking.filter(~((pl.col("frameId") == 3) & (pl.col("nflId") == 1000)))
    ft = build_frames(short, plays)
    assert len(ft) == 6 * 15 - 6 and ft.dropped_frames == 6


def test_unlabelled_plays_kept_as_nan(toy):
    tracking, plays = toy
    plays = plays.with_columns(pl.when(pl.col("playId") == 10).then(pl.lit("Other"))
                               .otherwise(pl.col("pff_manZone")).alias("pff_manZone"))
    ft = build_frames(tracking, plays)
    assert np.isnan(ft.y[ft.play_id == 10]).all()
    assert not np.isnan(ft.y[ft.play_id != 10]).any()


def test_history_index_stays_in_play(toy):
    tracking, plays = toy
    ft = build_frames(tracking, plays)
    h = ft.history_index(k=5, stride=2)
    assert h.shape == (len(ft), 5)
    assert (h[:, -1] == np.arange(len(ft))).all()
    assert (ft.play_id[h] == ft.play_id[:, None]).all()
    assert (np.diff(h, axis=1) >= 0).all()
    both = concat_frames([ft, ft])
    assert (both.play_start[len(ft):] == ft.play_start + len(ft)).all()


def test_mirror_twice_is_identity_and_flips_y_things(toy):
    tracking, plays = toy
    x = build_frames(tracking, plays).x
    m = mirror(x)
    np.testing.assert_array_equal(mirror(m), x)
    t = torch.from_numpy(x)
    torch.testing.assert_close(mirror(t), torch.from_numpy(m))
    yi = FEATURES.index("y_rel")
    np.testing.assert_allclose(np.sort(m[:, :11, yi], axis=1), np.sort(-x[:, :11, yi], axis=1))
    assert (np.diff(m[:, :11, yi], axis=1) >= 0).all()  # still sorted by y
    for name in ("x_rel", "vx", "sin_dir", "sin_o", "dx_1s", "a"):
        i = FEATURES.index(name)
        np.testing.assert_allclose(np.sort(m[..., i], axis=1), np.sort(x[..., i], axis=1))


def test_mirrored_velocity_matches_mirrored_positions():
    """Velocity of the mirrored track == mirrored velocity (the reference got this wrong)."""
    rng = np.random.default_rng(0)
    t = np.arange(20) / FRAME_RATE_HZ
    px = 30 + np.cumsum(rng.normal(0, 0.2, 20))
    py = 5 + np.cumsum(rng.normal(0.3, 0.2, 20))
    vx, vy = np.gradient(px, t), np.gradient(py, t)
    s = np.hypot(vx, vy)
    d = np.arctan2(vx, vy)  # NGS: clockwise from +y
    feats = np.zeros((20, N_PLAYERS, len(FEATURES)), dtype=np.float64)
    col = {n: i for i, n in enumerate(FEATURES)}
    feats[:, :, col["is_offense"]] = np.r_[np.ones(11), np.zeros(11)]
    feats[:, 0, col["x_rel"]], feats[:, 0, col["y_rel"]] = px, py
    feats[:, 0, col["vx"]], feats[:, 0, col["vy"]] = vx, vy
    feats[:, 0, col["sin_dir"]], feats[:, 0, col["cos_dir"]] = np.sin(d), np.cos(d)
    feats[:, 1:11, col["y_rel"]] = 1e3  # keep the tracked player first after sorting
    m = mirror(feats)
    slot = 10  # side reversed: first becomes last
    my = m[:, slot, col["y_rel"]]
    np.testing.assert_allclose(m[:, slot, col["vy"]], np.gradient(my, t), atol=1e-9)
    np.testing.assert_allclose(m[:, slot, col["vx"]], np.gradient(m[:, slot, col["x_rel"]], t))
    # the angle still describes the velocity: vy = s cos(dir), vx = s sin(dir)
    np.testing.assert_allclose(s * m[:, slot, col["cos_dir"]], m[:, slot, col["vy"]], atol=1e-9)
    np.testing.assert_allclose(s * m[:, slot, col["sin_dir"]], m[:, slot, col["vx"]], atol=1e-9)


def _window_reference(tracking: pl.LazyFrame, plays: pl.DataFrame, max_secs=None):
    """The features as polars window expressions (partition by player, order by frame;
    sort each frame by side, y, nflId): what build_frames' index arithmetic must equal."""
    from coverage.features import FEATURES
    from coverage.vocab import label_expr

    rate, keys, frame = int(FRAME_RATE_HZ), ["gameId", "playId"], ["gameId", "playId", "frameId"]
    idx = plays.lazy().select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                              pl.col("los_x").cast(pl.Float32),
                              pl.col("ball_y").cast(pl.Float32), label_expr())
    lf = tracking.filter((pl.col("side") != "ball") & (pl.col("secs_from_snap") <= 0))
    if max_secs is not None:
        lf = lf.filter(pl.col("secs_from_snap") >= -(max_secs + 1.0))
    over = dict(partition_by=[*keys, "nflId"], order_by="frameId")
    o, d = pl.col("o").radians().fill_nan(None), pl.col("dir").radians().fill_nan(None)
    lf = lf.join(idx, on=keys).with_columns(
        (pl.col("x") - pl.col("los_x")).alias("x_rel"),
        (pl.col("y") - pl.col("ball_y")).alias("y_rel"),
        o.sin().fill_null(0.0).alias("sin_o"), o.cos().fill_null(0.0).alias("cos_o"),
        d.sin().fill_null(0.0).alias("sin_dir"), d.cos().fill_null(0.0).alias("cos_dir"),
        (pl.col("side") == "offense").cast(pl.Float32).alias("is_offense"),
        *[(pl.col(c) - pl.col(c).shift(rate).over(**over)
           .fill_null(pl.col(c).first().over(**over))).alias(f"d{c}_1s") for c in "xy"])
    if max_secs is not None:
        lf = lf.filter(pl.col("secs_from_snap") >= -max_secs)
    long = lf.with_columns(
        (pl.col("side") == "offense").sum().over(frame).alias("_n_off"),
        (pl.col("side") == "defense").sum().over(frame).alias("_n_def"),
    ).select(*frame, pl.col("secs_from_snap").cast(pl.Float32), "label", "_n_off", "_n_def",
             "nflId", *[pl.col(f).cast(pl.Float32).fill_nan(0.0).fill_null(0.0)
                        for f in FEATURES]).sort(
        [*frame, "is_offense", "y_rel", "nflId"], descending=[False] * 3 + [True, False, False]
    ).collect()
    full = long.filter((pl.col("_n_off") == 11) & (pl.col("_n_def") == 11))
    heads = full.gather_every(N_PLAYERS)
    return (full.select(FEATURES).to_numpy().reshape(-1, N_PLAYERS, len(FEATURES)),
            heads["frameId"].to_numpy(), long.height - full.height)


@pytest.mark.parametrize("case", ["store order", "shuffled", "missing player", "max_secs"])
def test_index_arithmetic_equals_polars_windows(toy, case):
    tracking, plays = toy
    max_secs = 0.6 if case == "max_secs" else None
    if case == "shuffled":  # a caller's table in no order: sorted first
        tracking = pl.LazyFrame(tracking.collect().sample(fraction=1.0, seed=3))
    if case == "missing player":  # a frame and a player's history with a gap
        tracking = tracking.filter(~((pl.col("frameId") == 4) & (pl.col("nflId") == 1015)))
    x, frame_id, dropped_rows = _window_reference(tracking, plays, max_secs)
    ft = build_frames(tracking, plays, max_secs)
    np.testing.assert_array_equal(ft.x, x)
    np.testing.assert_array_equal(ft.frame_id, frame_id)
    assert ft.dropped_frames * (N_PLAYERS - 1) == dropped_rows
