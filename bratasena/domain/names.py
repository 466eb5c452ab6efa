"""Indonesian personal names as the office compares them: one spelling, no titles, no punctuation.

A head of household is written "H. Soegeng Riyadi", "Bpk SUGENG RIYADI" or "Sugeng Riyadi, S.Pd."
in different papers. `name_tokens` reduces each to the same tokens (``sugeng riyadi``): lower
case, accents and punctuation gone, titles and degrees dropped, and the spellings before the 1972
reform (Ejaan Soewandi: oe, dj, tj, nj, sj, ch, and j for y in such words) written as today
(u, j, c, ny, sy, kh, y). Javanese
dh and th are written d and t, and doubled letters single, since both vary between documents of
one person. `similarity` then compares two names token by token, in any order.

The tokens are what the household view indexes (hashed with a key, never in clear) so that a
search by name finds households without any name stored readable in a view.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

TITLES = frozenset(
    {
        # forms of address
        "bapak",
        "bpk",
        "bp",
        "pak",
        "ibu",
        "bu",
        "sdr",
        "sdri",
        "saudara",
        "saudari",
        "tn",
        "ny",
        "nn",
        "mbah",
        "alm",
        "almh",
        "almarhum",
        "almarhumah",
        # pilgrimage and religious titles
        "h",
        "hj",
        "haji",
        "hajjah",
        "kh",
        "ust",
        "ustadz",
        "ustadzah",
        # academic and professional degrees, before or after the name
        "ir",
        "dr",
        "drs",
        "dra",
        "prof",
        "spd",
        "spdi",
        "sag",
        "se",
        "sh",
        "st",
        "skom",
        "ssos",
        "sip",
        "ssi",
        "skm",
        "skep",
        "sked",
        "sp",
        "sst",
        "ak",
        "amd",
        "ama",
        "mm",
        "mpd",
        "msi",
        "mh",
        "mt",
        "mkes",
        "mag",
        "msc",
        "phd",
        # patronymic links (bin/binti): not part of either name
        "bin",
        "binti",
    }
)
"""Words dropped from names (compared without their dots: ``S.Pd.`` is ``spd``)."""

_OLD_SPELLINGS = re.compile(r"oe|dj|tj|sj|ch|dh|th")
# A word with a digraph of the old spelling is old throughout: its lone j is today's y
# ("Tjahjono" is "Cahyono"); in other words j stays j ("Joko").
_OLD_WORD = re.compile(r"oe|dj|tj|sj|nj|ch")
_OLD_Y = re.compile(r"(?<![dtsn])j")
_OLD_TO_NEW = {"oe": "u", "dj": "j", "tj": "c", "sj": "sy", "ch": "kh", "dh": "d", "th": "t"}
# Old nj (now ny) is rewritten after dj: "Pandjaitan" (old) and "Panjaitan" (new) must meet.
_OLD_NJ = re.compile(r"nj")
_DOUBLED = re.compile(r"(.)\1+")
_WORD = re.compile(r"[^\W\d_]+(?:\.[^\W\d_]+)*\.?")

NAME_MATCH = 0.8
"""The similarity from which two names are taken for the same person's (see `names_match`)."""


def _plain_letters(text: str) -> str:
    # NFKD splits "é" into "e" and a combining accent, which is then dropped.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=65536)
def _modern(word: str) -> str:
    # Cached: a registry's names share their words, and a rebuild normalises every head's name.
    if _OLD_WORD.search(word):
        word = _OLD_Y.sub("y", word)
    # Repeated until nothing changes, so that a rewrite that forms another old spelling ("ddj"
    # becomes "dj") is rewritten too and a normalised name normalises to itself.
    while True:
        new = _OLD_SPELLINGS.sub(lambda m: _OLD_TO_NEW[m.group(0)], word)
        new = _DOUBLED.sub(r"\1", _OLD_NJ.sub("ny", new))
        if new == word:
            return new
        word = new


@lru_cache(maxsize=65536)
def name_tokens(text: str) -> tuple[str, ...]:
    """The words of a name as compared: modern spelling, no titles, in their written order.

    Everything after the first comma is taken for degrees ("Sugeng Riyadi, S.Pd., M.M.") when
    each of its words is a known title; single letters (initials) are kept out, since one letter
    says too little to search by.
    """
    parts = _plain_letters(text or "").split(",")
    kept = [parts[0]]
    for part in parts[1:]:
        words = [w.replace(".", "") for w in _WORD.findall(part)]
        if not all(w in TITLES for w in words):
            kept.append(part)
    tokens: list[str] = []
    for word in _WORD.findall(" ".join(kept)):
        compact = word.replace(".", "")
        if compact in TITLES:
            continue
        # Initials written together with dots ("M.Yusuf") are separate words.
        for piece in word.split("."):
            modern = _modern(piece)
            if len(modern) >= 2 and modern not in TITLES:
                tokens.append(modern)
    return tuple(tokens)


def normalise_name(text: str) -> str:
    """A name as compared: its tokens joined by single spaces (``"sugeng riyadi"``)."""
    return " ".join(name_tokens(text))


def similarity(a: str, b: str) -> float:
    """How alike two names are, from 0 (nothing shared) to 1 (the same tokens), in any order.

    Each token of the shorter name is paired with its closest token of the other (by edit
    similarity) and the pairs' scores are averaged, so a complainant who knows one name of a
    head called by two ("Sutrisno" for "Sutrisno Wibowo") still matches; a name with words the
    other lacks scores a tenth less than the same words alone.
    """
    left, right = name_tokens(a), name_tokens(b)
    if not left or not right:
        return 0.0
    short, long = (left, right) if len(left) <= len(right) else (right, left)
    remaining = list(long)
    total = 0.0
    for token in short:
        scores = [SequenceMatcher(None, token, other).ratio() for other in remaining]
        best = max(range(len(scores)), key=scores.__getitem__)
        total += scores[best]
        remaining.pop(best)
    partial = 0.9 if len(short) < len(long) else 1.0
    return round(partial * total / len(short), 3)


def names_match(a: str, b: str) -> bool:
    """Whether two names are taken for the same person's (similarity at least `NAME_MATCH`)."""
    return similarity(a, b) >= NAME_MATCH
