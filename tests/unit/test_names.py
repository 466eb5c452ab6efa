"""Names compare as the office reads them: one spelling, no titles, any order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bratasena.domain.names import name_tokens, names_match, normalise_name, similarity


@pytest.mark.parametrize(
    ("written", "compared"),
    [
        ("SUGENG  RIYADI", "sugeng riyadi"),
        ("H. Sugeng Riyadi", "sugeng riyadi"),
        ("Hj. Siti Chotimah, S.Pd.I", "siti khotimah"),
        ("Drs. Darmo, M.M.", "darmo"),
        ("Bapak Darmo", "darmo"),
        ("Bu Sri", "sri"),
        ("Soekarno", "sukarno"),
        ("Djoko Tjahjono", "joko cahyono"),
        ("Pandjaitan", "panyaitan"),
        ("Panjaitan", "panyaitan"),
        ("Soenjoto", "sunyoto"),
        ("Sjamsul", "syamsul"),
        ("Ir. Sudharmo", "sudarmo"),
        ("Muhammad", "muhamad"),
        ("M. Yusuf bin Darmo", "yusuf darmo"),
        ("Sugeng Riyadi, S.Pd.", "sugeng riyadi"),
        ("Sugeng, Riyadi", "sugeng riyadi"),  # a comma before a word that is no title
        ("Ñoño Pérez", "nono perez"),
        ("", ""),
    ],
)
def test_names_are_written_one_way(written: str, compared: str) -> None:
    assert normalise_name(written) == compared


def test_similar_names_match_in_any_order_and_different_ones_do_not() -> None:
    assert similarity("Riyadi Sugeng", "Sugeng Riyadi") == 1.0
    assert names_match("Soegeng Rijadi", "Sugeng Riyadi")
    assert names_match("Mochammad Jusuf", "Muhammad Yusuf")
    assert not names_match("Sugeng Riyadi", "Darmo")
    assert not names_match("Sugeng Riyadi", "Sugeng Wibowo")
    assert similarity("Sutrisno", "H. Sutrisno Wibowo") == 0.9  # one of a head's two names
    assert similarity("", "Darmo") == 0.0


@given(st.text(alphabet="abcdeghijklmnoprstuwy .,-'", max_size=40))
def test_a_normalised_name_normalises_to_itself(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once
    assert name_tokens(once) == name_tokens(text)
