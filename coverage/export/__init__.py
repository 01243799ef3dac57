"""Exports of a play for sharing outside the app (GIF, PNG stills)."""

from coverage.export.gif import render_play_gif, render_play_png

__all__ = ["render_play_gif", "render_play_png"]
