"""Households by the head's name, through the blind index of name words alone.

``views_household_names`` (written by `HouseholdStatus`) holds one entry per word of a head's
name, the word only as a keyed hash (`Privacy.name_hashes`), beside what a search filters and
sorts by: the village and district, the registry id, and whether the household was ever
complained about. So a one-word search, its count and any page of it are answered by one index
in registry id order, without reading the households table; several words are grouped per
household, which leaves few matches to sort. Nothing readable of a name is stored here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bratasena.domain.errors import InvalidInputError
from bratasena.domain.regions import normalise_code, region_book
from bratasena.persistence import Reader
from bratasena.projections.privacy import Privacy
from bratasena.projections.records import placeholders
from bratasena.settings import Settings

MAX_BY_NAME = 50
"""The most households a ranked name search (`NameIndex.ranked`) answers with."""


def all_words(hashes: Sequence[str]) -> str:
    """SQL true for the households whose name index holds every one of these word hashes."""
    # The key (household_id, token) makes COUNT(*) the number of distinct words found.
    return (
        "household_id IN (SELECT household_id FROM views_household_names "
        f"WHERE token IN ({placeholders(len(hashes))}) GROUP BY household_id "
        f"HAVING COUNT(*) = {len(hashes)})"
    )


class NameIndex:
    """Queries of the name index: a page of households with every word, or a ranked list."""

    def __init__(self, db: Reader, settings: Settings, privacy: Privacy) -> None:
        self.db = db
        self.settings = settings
        self.privacy = privacy

    def words(self, name: str) -> list[str]:
        """The distinct word hashes of a searched name; refused when it has no word to search."""
        hashes = list(dict.fromkeys(self.privacy.name_hashes(name)))
        if not hashes:
            raise InvalidInputError(
                "name: give at least one word of two or more letters (titles do not count)",
                field="name",
            )
        return hashes

    def page(
        self,
        name: str,
        *,
        village: str | None,
        district: str | None,
        districts: Sequence[str] | None,
        page: int,
        per_page: int,
    ) -> tuple[list[str], int]:
        """The ids of one page of the households with every word of ``name`` in the area, in
        registry id order, and how many there are in all."""
        hashes = self.words(name)
        book = region_book(self.settings.regency)
        area: list[str] = []
        params: list[Any] = []
        if village:
            area.append("village_code = %s")
            params.append(book.village(village, field="village").code)
        if district:
            area.append("district_code = %s")
            params.append(book.district(normalise_code(district), field="district").code)
        if districts is not None:
            scope = [book.district(d, field="districts").code for d in districts]
            if not scope:
                return [], 0
            area.append(f"district_code IN ({placeholders(len(scope))})")
            params.extend(scope)
        within = "".join(f" AND {clause}" for clause in area)
        start = (page - 1) * per_page
        if len(hashes) == 1:
            where = f"FROM views_household_names WHERE token = %s{within}"
            total = int(self.db.query(f"SELECT COUNT(*) {where}", [*hashes, *params])[0][0])
            found = self.db.query(
                f"SELECT household_id {where} ORDER BY registry_id, household_id "
                "LIMIT %s OFFSET %s",
                [*hashes, *params, per_page, start],
            )
            return [row[0] for row in found], total
        matches = sorted(
            (registry_id, household_id)
            for household_id, registry_id in self.db.query(
                f"SELECT household_id, MIN(registry_id) FROM views_household_names "
                f"WHERE token IN ({placeholders(len(hashes))}){within} GROUP BY household_id "
                f"HAVING COUNT(*) = {len(hashes)}",
                [*hashes, *params],
            )
        )
        return [household_id for _, household_id in matches[start : start + per_page]], len(matches)

    def ranked(
        self, name: str, *, district: str | None, village: str | None, limit: int
    ) -> list[str]:
        """The ids of the households sharing most words with ``name`` (ties in registry id
        order), in the village or else the district when given."""
        hashes = list(dict.fromkeys(self.privacy.name_hashes(name)))
        if not hashes:
            return []
        book = region_book(self.settings.regency)
        clauses = [f"token IN ({placeholders(len(hashes))})"]
        params: list[Any] = list(hashes)
        if village:
            clauses.append("village_code = %s")
            params.append(book.village(village, field="village").code)
        elif district:
            clauses.append("district_code = %s")
            params.append(book.district(normalise_code(district), field="district").code)
        found = self.db.query(
            "SELECT household_id, COUNT(*) AS shared, MIN(registry_id) AS registry_id "
            f"FROM views_household_names WHERE {' AND '.join(clauses)} "
            "GROUP BY household_id ORDER BY shared DESC, registry_id LIMIT %s",
            [*params, max(1, min(limit, MAX_BY_NAME))],
        )
        return [row[0] for row in found]
