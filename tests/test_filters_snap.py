"""A real play's snap anchor moved back to the ball's first move: every label reads "snap"
at the anchor (0.0 s), never "snap +0.2 s" at the frame the snap was charted in."""

from __future__ import annotations

import json

import polars as pl
import pytest

from coverage.app import play_data
from coverage.app.play_player import build_spec
from coverage.normalize import snap_frames
from coverage.views import key_events
from tests.builders.sample_play import SNAP_FRAME, sample_play

CHARTED = SNAP_FRAME + 2  # ball_snap charted two frames after the ball began to move


@pytest.fixture(scope="module")
def late_charted() -> dict:
    """The sample play (anchored at SNAP_FRAME) with its ball_snap charted two frames late."""
    demo = sample_play()
    frames = demo["frames"].with_columns(
        pl.when(pl.col("event") == "ball_snap").then(None)
        .when(pl.col("frameId") == CHARTED).then(pl.lit("ball_snap"))
        .otherwise(pl.col("event")).alias("event"))
    return {**demo, "frames": frames}


def test_ingest_anchors_such_a_play_two_frames_before_its_charted_snap() -> None:
    """What makes the case: the ball moving at the charted frame moves the anchor back."""
    rows = [{"gameId": 1, "playId": 1, "frameId": f, "club": c, "s": s, "frameType": None,
             "event": "ball_snap" if f == 12 and c == "football" else None}
            for f in range(1, 16) for c, s in (("football", 0.0 if f < 10 else 3.0),
                                               ("KC", 1.0))]
    anchored = snap_frames(pl.LazyFrame(rows)).collect()
    assert anchored["charted_snap_frame"][0] == 12 and anchored["snap_frame"][0] == 10


def test_the_snap_event_sits_on_the_anchor(late_charted) -> None:
    frames = late_charted["frames"]
    snap = [e for e in key_events(frames) if e.label == "snap"]
    assert [(e.frame_id, e.secs) for e in snap] == [(SNAP_FRAME, 0.0)]
    # the explorer's "Key events" line
    assert " · ".join(f"{e.label} {e.secs:+.1f} s" for e in key_events(frames)).endswith(
        "snap +0.0 s")


def test_still_image_picker_reads_snap_at_the_anchor(late_charted) -> None:
    moments = play_data.frame_moments(late_charted["frames"])
    assert moments[SNAP_FRAME] == "snap 0.0 s"
    assert moments[CHARTED] == "+0.2 s"  # no "· snap" and no raw "ball_snap"
    assert play_data.snap_moment(moments) == SNAP_FRAME
    assert not any("_" in label for label in moments.values())  # football words only


def test_player_labels_snap_only_at_the_anchor(late_charted) -> None:
    spec = json.loads(build_spec(late_charted["frames"], late_charted["play"], None,
                                 source="real"))
    k = spec["secs"].index(0)
    assert spec["labels"][k] == "snap 0.0 s"
    assert [lab for lab in spec["labels"] if "snap" in lab] == ["snap 0.0 s"]
    assert spec["labels"][k + 2] == "+0.2 s"
    assert [e["k"] for e in spec["events"] if e["label"] == "snap"] == [k]
