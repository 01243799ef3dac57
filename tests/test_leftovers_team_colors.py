"""Team colours reach every consumer as #RRGGBB, whatever CSS form a palette used: the
browser player's contrast check (player.js ``readable``/``rgbOf``) reads only hex."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from coverage.app.play_player import build_spec
from coverage.views.team_colors import css_hex, matchup_colors, team_color
from tests.builders.sample_play import sample_play

HEX6 = re.compile(r"#[0-9A-F]{6}")
PLAYER_JS = Path(__file__).resolve().parents[1] / "coverage" / "app" / "player_web" / "player.js"
FORMS = {  # a palette's colour -> #RRGGBB
    "rgb(200, 16, 46)": "#C8102E", "rgba(0,0,128,0.5)": "#000080", "navy": "#000080",
    "#039": "#003399", "#00339980": "#003399", "#0039": "#000033", " #abcdef ": "#ABCDEF",
    "rgb(100% 0% 0% / 0.5)": "#FF0000", "White": "#FFFFFF", "#c8102e": "#C8102E",
}


@pytest.mark.parametrize(("text", "hex6"), FORMS.items())
def test_css_hex_reads_every_form(text, hex6) -> None:
    assert css_hex(text) == hex6


def test_team_and_matchup_colours_are_always_hex() -> None:
    palette = {"AAA": ("rgb(200, 16, 46)", "white"), "BBB": ("#039", "rgba(255,255,255,0.5)")}
    assert team_color("AAA", "offense", palette) == ("#C8102E", "#FFFFFF")
    assert team_color("BBB", "defense", palette) == ("#003399", "#FFFFFF")
    assert team_color("KC", "offense") == team_color("KC", "offense", {})  # the table: as is
    for off, de in [("AAA", "BBB"), ("KC", "LV"), ("NE", "SEA"), (None, "ZZZ")]:
        for fill, outline in matchup_colors(off, de, palette).values():
            assert HEX6.fullmatch(fill) and HEX6.fullmatch(outline), (off, de, fill, outline)


def test_the_player_spec_gets_hex_team_colours() -> None:
    demo = sample_play()
    play = demo["play"]
    palette = {play["possessionTeam"]: ("rgb(200, 16, 46)", "navy"),
               play["defensiveTeam"]: ("#039", "rgba(255,255,255,0.5)")}
    spec = json.loads(build_spec(demo["frames"], play, demo["preds"], source="synthetic",
                                 team_colors=palette))
    sides = {i["name"].split()[0]: i for i in spec["legend"]["items"]
             if i["name"].split()[0] in ("offense", "defense")}
    # neither a red fill nor a navy outline reads on the grass: the outline becomes an ink
    assert (sides["offense"]["color"], sides["offense"]["outline"]) == ("#C8102E", "#E6E6E6")
    assert (sides["defense"]["color"], sides["defense"]["outline"]) == ("#003399", "#FFFFFF")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_players_contrast_check_lightens_the_normalised_colours() -> None:
    """player.js's own functions, run in node on what the Python side hands them: a dark
    team colour is lightened to a readable one, not passed through unparsed."""
    src = PLAYER_JS.read_text()
    start = src.index("  function rgbOf(")
    end = src.index("  function darken(")
    consts = re.search(r"const DARK_INKS = new Set\(\[.*?\]\);", src, re.S).group(0)
    script = consts + src[start:end] + (
        "const out = JSON.parse(process.argv[1]).map((c) => readable(c, '#0E1117', '#E6E6E6'));"
        "console.log(JSON.stringify(out));")
    colours = [css_hex(c) for c in ("navy", "rgb(200, 16, 46)", "#039")]
    run = subprocess.run(["node", "-e", script, json.dumps(colours)], capture_output=True,
                         text=True, timeout=30, check=True)
    out = json.loads(run.stdout)
    for before, after in zip(colours, out, strict=True):
        assert re.fullmatch(r"#[0-9a-f]{6}", after) and after.upper() != before, (before, after)
