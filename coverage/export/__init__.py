"""Exports of a play for sharing outside the app (GIF, PNG thumbnails)."""

from coverage.export.gif import field_png, render_play_gif, render_play_png

__all__ = ["field_png", "render_play_gif", "render_play_png"]
