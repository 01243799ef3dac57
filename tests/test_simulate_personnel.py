"""The offense's personnel and the man matchups it draws, with the knobs that shape them.

The embedded season keeps its knobs (pinned by digest in test_simulate.py); these tests
switch a knob on for one module and check what it is for: personnel in the real mix of
the formation and alignment, and tight ends covered (or freed) as the real charting has it.
"""

from __future__ import annotations

import numpy as np
import pytest

from coverage.simulate import defense, offense
from coverage.simulate.params import PERSONNEL_BY_FORMATION_ALIGNMENT
from coverage.simulate.roster import build_rosters

LOS, BY = 40.0, 26.65


@pytest.fixture(scope="module")
def roster():
    rosters, _ = build_rosters(np.random.default_rng(0), ("KC",))
    return rosters["KC"]


def _personnel(off: offense.Offense) -> str:
    return f"{sum(k == 'RB' for k in off.kind)}{sum(k == 'TE' for k in off.kind)}"


@pytest.mark.parametrize(("formation", "alignment"),
                         [("SHOTGUN", "2x2"), ("SINGLEBACK", "3x1"), ("I_FORM", "2x1")])
def test_offense_personnel_follows_the_real_mix(monkeypatch, roster, formation, alignment):
    monkeypatch.setattr(offense, "OFFENSE_PERSONNEL", True)
    rng = np.random.default_rng(1)
    n = 1200
    got: dict[str, int] = {}
    for _ in range(n):
        off = offense.build_offense(rng, roster, formation, alignment, LOS, BY)
        assert len(off.players) == 11 and off.kind.count("OL") == 5
        # each player stands in his own spot and plays the kind his position is
        assert all(p.position == k or (k, p.position) in {("RB", "FB")}
                   for p, k in zip(off.players, off.kind, strict=True) if k in ("WR", "TE"))
        te = off.pos[[i for i, k in enumerate(off.kind) if k == "TE"]]
        d = np.linalg.norm(te[:, None] - te[None], axis=-1)
        assert d[np.triu_indices(len(te), 1)].min(initial=9.0) > 0.6  # two TEs side by side
        key = _personnel(off)
        got[key] = got.get(key, 0) + 1
    mix = offense.personnel_mix(formation, alignment)
    total = sum(mix.values())
    for key, count in mix.items():
        p = count / total
        sd = (p * (1 - p) / n) ** 0.5
        assert abs(got.get(key, 0) / n - p) <= max(3 * sd, 0.01), (key, got, mix)


def test_personnel_mix_pools_thin_cells():
    """A thin cell borrows its formation's whole mix, an unknown formation the league's."""
    assert offense.personnel_mix("SHOTGUN", "2x2") == PERSONNEL_BY_FORMATION_ALIGNMENT[
        "SHOTGUN"]["2x2"]
    jumbo = offense.personnel_mix("JUMBO", "2x1")
    assert sum(jumbo.values()) >= 30 and set(jumbo) >= {"13", "12"}
    league = offense.personnel_mix("NOT_A_FORMATION", "2x2")
    assert league["11"] > league["12"] > league["13"]


def _man_on_te(monkeypatch, roster, match) -> tuple[int, int, int]:
    """Over heavy sets in Cover-1: tight ends, those with a MAN defender, and of those
    the defenders who are safeties."""
    monkeypatch.setattr(offense, "OFFENSE_PERSONNEL", True)
    monkeypatch.setattr(defense, "MAN_MATCH", match)
    monkeypatch.setattr(defense, "MAN_SPARES", None)
    rng = np.random.default_rng(2)
    tes = covered = by_safety = 0
    for _ in range(300):
        off = offense.build_offense(rng, roster, "SINGLEBACK", "2x2", LOS, BY)
        de = defense.build_defense(rng, roster, off, "Cover-1", LOS, BY)
        te = {i for i, k in enumerate(off.kind) if k == "TE"}
        tes += len(te)
        for d, (code, r) in enumerate(zip(de.codes, de.partner, strict=True)):
            if code == "MAN" and r in te:
                covered += 1
                by_safety += de.kind[d] == "S"
    return tes, covered, by_safety


def test_tight_ends_stay_in_and_free_their_man(monkeypatch, roster):
    base = {"s_te": -0.8, "s_rb": -0.5, "lb_te": 3.5}
    tes, covered, _ = _man_on_te(monkeypatch, roster, base | {"te_stays_in": 0.0})
    assert tes > 300 and covered / tes > 0.9
    tes, covered, _ = _man_on_te(monkeypatch, roster, base | {"te_stays_in": 1.0})
    assert covered == 0
    _, covered, by_safety = _man_on_te(monkeypatch, roster, base | {"te_stays_in": 0.0,
                                                                    "s_te": 5.0})
    _, covered2, by_safety2 = _man_on_te(monkeypatch, roster, base | {"te_stays_in": 0.0,
                                                                      "s_te": -3.0})
    assert by_safety / covered < by_safety2 / covered2


def _spares(monkeypatch, roster, spares, plays: int = 300, cov: str = "Cover-1"
            ) -> dict[str, int]:
    """Over ``cov`` calls against the real personnel mix, with ``man_spares`` = ``spares``
    and no tight end staying in: robbers (HOL) per defender kind, plays with a spare
    linebacker or safety, plays, and MAN per play."""
    monkeypatch.setattr(offense, "OFFENSE_PERSONNEL", True)
    monkeypatch.setattr(defense, "MAN_MATCH", {"s_te": -0.8, "s_rb": -0.5, "lb_te": 3.5,
                                               "te_stays_in": 0.0})
    monkeypatch.setattr(defense, "GREEN_DOG", 0.0)
    monkeypatch.setattr(defense, "MAN_SPARES", spares)
    rng = np.random.default_rng(3)
    out = {"CB": 0, "NCB": 0, "LB": 0, "S": 0, "robbed": 0, "man": 0}
    for _ in range(plays):
        off = offense.build_offense(rng, roster, "SHOTGUN", "3x1", LOS, BY)
        de = defense.build_defense(rng, roster, off, cov, LOS, BY)
        hol = [d for d, c in enumerate(de.codes) if c == "HOL"]
        assert len(hol) <= 1  # at most one robber
        for d in hol:
            out[de.kind[d]] += 1
        out["robbed"] += bool(hol)
        out["man"] += sum(c == "MAN" for c in de.codes)
    return out


def test_man_spares_rob_at_the_knobs_rate_and_never_with_a_corner(monkeypatch, roster):
    """A spare linebacker or safety robs the hole at the knob's rate (the rest blitz), a
    corner is never the robber (he blitzes), and where several are spare (Cover-0: no deep safety),
    ``s_weight`` decides between a safety and a linebacker."""
    knob = {"rob": 0.0, "s_weight": 1.0}
    none = _spares(monkeypatch, roster, knob)
    assert none["robbed"] == 0 and none["man"] >= 4 * 300
    always = _spares(monkeypatch, roster, knob | {"rob": 1.0})
    half = _spares(monkeypatch, roster, knob | {"rob": 0.5})
    assert always["robbed"] > 150 and 0.35 < half["robbed"] / always["robbed"] < 0.65
    assert always["CB"] == always["NCB"] == half["CB"] == half["NCB"] == 0
    lb_only = _spares(monkeypatch, roster, knob | {"rob": 1.0, "s_weight": 0.0}, cov="Cover-0")
    even = _spares(monkeypatch, roster, knob | {"rob": 1.0}, cov="Cover-0")
    s_first = _spares(monkeypatch, roster, knob | {"rob": 1.0, "s_weight": 50.0}, cov="Cover-0")
    assert lb_only["S"] == 0 and s_first["S"] > even["S"] > 0


def test_old_spare_rule_lets_a_corner_rob(monkeypatch, roster):
    """Without ``man_spares`` the first spare robs whoever he is: corners too (the gap the
    knob closes; real corners in man are almost never charted in the hole)."""
    old = _spares(monkeypatch, roster, None)
    new = _spares(monkeypatch, roster, {"rob": 1.0, "s_weight": 1.0})
    assert old["CB"] + old["NCB"] > 0 and new["CB"] + new["NCB"] == 0


@pytest.mark.parametrize(("knob", "bad"), [
    ("man_spares", {"rob": 0.5}),
    ("man_spares", {"rob": 1.5, "s_weight": 1.0}),
    ("man_spares", {"rob": 0.5, "s_weight": -1}),
])
def test_a_bad_man_spares_knob_is_refused_by_name(tmp_path, knob, bad):
    import json
    import os
    import subprocess
    import sys

    kf = tmp_path / "k.json"
    kf.write_text(json.dumps({knob: bad}))
    out = subprocess.run([sys.executable, "-c", "import coverage.simulate.params"],
                         env={**os.environ, "COVERAGE_SIM_KNOBS": str(kf)},
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert knob in out.stderr and str(kf) in out.stderr and "s_weight" in out.stderr


@pytest.mark.parametrize("bad", [{"s_te": 0.0, "s_rb": 1.0},
                                 {"s_te": 0, "s_rb": 0, "lb_te": 3, "te_stays_in": 1.5},
                                 {"s_te": "x", "s_rb": 0, "lb_te": 3, "te_stays_in": 0.1}])
def test_a_bad_man_match_knob_is_refused_by_name(tmp_path, bad):
    """A knob file whose man_match lacks a cost or holds a non-probability fails at start
    with the knob, the file and what it expects, not as a KeyError mid-season."""
    import json
    import os
    import subprocess
    import sys

    kf = tmp_path / "k.json"
    kf.write_text(json.dumps({"man_match": bad}))
    out = subprocess.run([sys.executable, "-c", "import coverage.simulate.params"],
                         env={**os.environ, "COVERAGE_SIM_KNOBS": str(kf)},
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "man_match" in out.stderr and str(kf) in out.stderr and "te_stays_in" in out.stderr
