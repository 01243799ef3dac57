"""Labels never print over each other and events read in plain football words."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from coverage.export import gif
from coverage.views import combined_animation
from coverage.views._common import play_arrays, readouts
from coverage.views.field import frame_labels
from coverage.views.labels import overlaps, stagger
from coverage.vocab import event_words, metric_words
from tests.builders.sample_play import sample_play


def test_stagger_stacks_labels_whose_x_are_close() -> None:
    rows = stagger([0.0, 0.1, 5.0, 0.2], [1.0, 1.0, 1.0, 1.0])
    assert rows == [0, 1, 0, 2]
    boxes = [(x, r, x + 1.0, r + 0.9) for x, r in zip([0.0, 0.1, 5.0, 0.2], rows, strict=True)]
    assert overlaps(boxes) == []
    assert stagger([0.0, 3.0], [1.0, 1.0]) == [0, 0]


def test_plain_event_and_metric_words() -> None:
    assert event_words("ball_snap") == "snap" and event_words("autoevent_ballsnap") == "snap"
    assert event_words("line_set") == "line set" and event_words("new_event") == "new event"
    assert metric_words("n_given_away") == "plays given away"
    demo = sample_play()
    pa = play_arrays(demo["frames"], demo["play"])
    text = " ".join(frame_labels(pa) + readouts(pa))
    assert "ball_snap" not in text and "_" not in text
    assert not any(lab.startswith("snap 0.0 s · snap") for lab in frame_labels(pa))


def _close_events(demo: dict) -> list[tuple[float, str]]:
    return [(-1.0, "line_set"), (-0.95, "shift"), (-0.9, "man_in_motion")]


def test_curve_tags_do_not_overlap_and_truth_sits_off_the_curves(monkeypatch) -> None:
    demo = sample_play()
    from coverage.views import curves

    shapes, anns = curves._curve_decor(demo["play"], _close_events(demo), "x2", "y2", 0.02)
    tags = [a for a in anns if a["text"] in ("line set", "shift", "motion", "snap")]
    boxes = [(a["x"], a["y"] - curves.TAG_ROW, a["x"] + len(a["text"]) * 6.5 * 0.02, a["y"])
             for a in tags]
    assert len(tags) == 4 and overlaps([(b[0], b[1] + 1e-6, b[2], b[3]) for b in boxes]) == []
    truth = next(a for a in anns if a["text"].startswith("<b>true:"))
    assert truth["y"] >= 1.0 and truth["yanchor"] == "bottom"  # above the plot box
    layout = combined_animation(demo["frames"], demo["preds"], demo["play"]).figure.layout
    assert any("true:" in (a.text or "") and a.y >= 1.0 for a in layout.annotations)


def test_gif_event_names_never_overlap(monkeypatch) -> None:
    demo = sample_play()
    pa = play_arrays(demo["frames"], demo["play"])
    lay = gif._layout((960, 540))
    cv = gif._curve_data(demo["preds"], pa)
    drawn: list[tuple[float, float, float, float]] = []
    real_text = ImageDraw.ImageDraw.text

    def spy(self, xy, text, *args, **kwargs):
        if text in ("line set", "shift", "motion"):
            w = self.textlength(text, font=kwargs.get("font"))
            drawn.append((xy[0], xy[1], xy[0] + w, xy[1] + 10))
        return real_text(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", spy)
    im = Image.new("RGB", (960, 540), gif.WHITE)
    gif._draw_curve_panel(ImageDraw.Draw(im), lay, cv, demo["play"], _close_events(demo))
    assert len(drawn) == 3 and overlaps(drawn) == []
    assert np.asarray(im).std() > 0
