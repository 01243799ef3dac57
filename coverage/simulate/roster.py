"""Fake rosters for the 32 real clubs.

Names are stitched from syllables so they read like names yet are clearly not
real people; ids start at 100001 so they never collide with real nflIds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# position -> (count per team, jersey ranges, (height in, weight lb) means)
ROSTER_SPEC: dict[str, tuple[int, tuple[tuple[int, int], ...], tuple[int, int]]] = {
    "QB": (2, ((1, 19),), (75, 222)),
    "RB": (3, ((20, 39),), (70, 212)),
    "FB": (1, ((40, 49),), (72, 245)),
    "WR": (6, ((10, 19), (80, 89)), (72, 200)),
    "TE": (3, ((80, 89), (40, 49)), (77, 252)),
    "T": (3, ((60, 79),), (78, 315)),
    "G": (3, ((60, 79),), (76, 318)),
    "C": (2, ((50, 69),), (75, 305)),
    "DE": (4, ((90, 99),), (76, 270)),
    "DT": (3, ((90, 99),), (75, 305)),
    "NT": (1, ((90, 99),), (74, 325)),
    "OLB": (3, ((40, 59),), (75, 250)),
    "ILB": (2, ((40, 59),), (73, 235)),
    "MLB": (1, ((40, 59),), (73, 240)),
    "CB": (5, ((20, 39), (1, 9)), (71, 192)),
    "FS": (2, ((20, 39),), (72, 202)),
    "SS": (2, ((20, 39),), (72, 208)),
}

_FIRST_A = ("Ka", "Dar", "Jo", "Tre", "Mal", "Bran", "Ky", "Ja", "Lu", "Ro", "De", "Qua", "Ty",
            "Ma", "Co", "Da", "Zay", "Te", "Sha", "Cal")
_FIRST_B = ("ron", "vin", "del", "rek", "lan", "mir", "son", "von", "tez", "quan", "ric", "len",
            "ris", "den", "ly", "ton")
_LAST_A = ("Vel", "Mor", "Thrag", "Quil", "Bren", "Hask", "Ostr", "Pell", "Gorv", "Lind", "Tamb",
           "Wex", "Crand", "Fenn", "Jarr", "Stov", "Nold", "Rusk", "Yarb", "Dov")
_LAST_B = ("mar", "ing", "ell", "ow", "and", "er", "ist", "ham", "ley", "ott", "ud", "ane")
_LAST_C = ("son", "ton", "ford", "wick", "by", "", "man", "field", "more", "er")
_COLLEGES = ("Lakeshore State", "Pine Valley", "North Ridge", "Coastal Plains", "Red Mesa Tech",
             "Granite Falls", "Eastfield A&M", "Silver Lake", "Harbor City", "Westbrook",
             "Prairie State", "Blue Hollow", "Summit Valley", "Iron Creek", "Crescent Bay")


@dataclass(frozen=True)
class Player:
    """One fake player; ``jersey`` is unique within his club."""

    nflId: int
    name: str
    position: str
    jersey: int
    club: str


def _name(rng: np.random.Generator) -> str:
    first = _FIRST_A[rng.integers(len(_FIRST_A))] + _FIRST_B[rng.integers(len(_FIRST_B))]
    last = (_LAST_A[rng.integers(len(_LAST_A))] + _LAST_B[rng.integers(len(_LAST_B))]
            + _LAST_C[rng.integers(len(_LAST_C))])
    return f"{first} {last}"


def build_rosters(
    rng: np.random.Generator, teams: tuple[str, ...]
) -> tuple[dict[str, dict[str, list[Player]]], list[dict[str, object]]]:
    """Rosters by club and position (depth order) plus the players.csv rows."""
    rosters: dict[str, dict[str, list[Player]]] = {}
    rows: list[dict[str, object]] = []
    next_id = 100001
    for club in teams:
        used: set[int] = set()
        by_pos: dict[str, list[Player]] = {}
        for pos, (count, ranges, (h_mu, w_mu)) in ROSTER_SPEC.items():
            lst = []
            for _ in range(count):
                for _try in range(200):
                    lo, hi = ranges[rng.integers(len(ranges))]
                    jersey = int(rng.integers(lo, hi + 1))
                    if jersey not in used:
                        break
                else:  # pragma: no cover - ranges are wide enough
                    jersey = next(j for j in range(1, 100) if j not in used)
                used.add(jersey)
                p = Player(next_id, _name(rng), pos, jersey, club)
                next_id += 1
                lst.append(p)
                h = int(round(h_mu + rng.normal(0, 1.5)))
                rows.append({
                    "nflId": p.nflId,
                    "height": f"{h // 12}-{h % 12}",
                    "weight": int(round(w_mu + rng.normal(0, 8))),
                    "birthDate": f"{int(rng.integers(1990, 2001))}-"
                                 f"{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}",
                    "collegeName": _COLLEGES[rng.integers(len(_COLLEGES))],
                    "position": pos,
                    "displayName": p.name,
                })
            by_pos[pos] = lst
        rosters[club] = by_pos
    return rosters, rows
