"""What a filed complaint must say: reasons, the household named, the complainant, the channel."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bratasena.domain.account import Role
from bratasena.domain.errors import InvalidInputError, NotAllowedError
from bratasena.domain.identity import validate_kk, validate_nik, validate_registry_id
from bratasena.domain.regions import RegionBook, normalise_code


class Reason(StrEnum):
    """Reason codes (alasan) for removal, from Kemensos practice; OTHER needs a description."""

    MAMPU = "mampu"
    ASN_TNI_POLRI = "asn_tni_polri"
    PENSIONER = "pensioner"
    VILLAGE_OFFICIAL = "village_official"
    CERTIFIED_TEACHER = "certified_teacher"
    COMPANY_OWNER_OR_OFFICER = "company_owner_or_officer"
    WAGE_ABOVE_UMK = "wage_above_umk"
    OWNS_CAR = "owns_car"
    PERMANENT_HOUSE = "permanent_house"
    DECEASED = "deceased"
    MOVED_AWAY = "moved_away"
    NOT_FOUND = "not_found"
    DUPLICATE_REGISTRATION = "duplicate_registration"
    RECEIVES_OTHER_AID = "receives_other_aid"
    REFUSES_AID = "refuses_aid"
    OTHER = "other"


REASONS: tuple[Reason, ...] = tuple(Reason)


class Channel(StrEnum):
    """How a complaint reached the office."""

    WEB = "web"
    FACILITATOR = "facilitator"
    WALK_IN = "walk-in"
    HOTLINE = "hotline"


CHANNELS: tuple[Channel, ...] = tuple(Channel)

SUBJECT_FIELDS = ("registry_id", "kk_number", "nik", "name", "village_code", "address")
"""What a complainant may say of the household complained about."""

PUBLIC = "public"
"""The actor recorded for what citizens do without an account."""


def channel_for(role: Role | None, asked: str | None = None) -> Channel:
    """The channel a filing is recorded under, for the filer's role (None: a citizen).

    Citizens file through the web; facilitators are a trusted channel by role; other staff record
    how the complaint came in (the web form by default), but never as a facilitator.
    """
    if asked is not None and asked not in CHANNELS:
        raise InvalidInputError(
            f"channel: unknown channel {asked!r}; use one of {', '.join(CHANNELS)}",
            field="channel",
        )
    if role is None:
        if asked not in (None, Channel.WEB):
            raise NotAllowedError(
                f"channel: {asked!r} is for staff; citizens file through the 'web' channel",
                field="channel",
                rule="channel_not_allowed",
            )
        return Channel.WEB
    if role == Role.FACILITATOR:
        return Channel.FACILITATOR
    if asked == Channel.FACILITATOR:
        raise NotAllowedError(
            "channel: only facilitator accounts file through the 'facilitator' channel",
            field="channel",
            rule="channel_not_allowed",
        )
    return Channel(asked) if asked is not None else Channel.WEB


def validate_reasons(reasons: list[str], description: str, field: str = "reasons") -> list[str]:
    """The reason codes, checked: at least one, all known, no repeats, "other" explained."""
    if not reasons:
        raise InvalidInputError(
            f"{field}: give at least one reason code", field=field, rule="reasons_required"
        )
    unknown = [code for code in reasons if code not in REASONS]
    if unknown:
        raise InvalidInputError(
            f"{field}: unknown reason code {', '.join(map(repr, unknown))}; "
            f"known codes are {', '.join(REASONS)}",
            field=field,
            rule="unknown_reason",
        )
    if Reason.OTHER in reasons and not description.strip():
        raise InvalidInputError(
            "description: the reason 'other' needs a description of what the reason is",
            field="description",
        )
    return [str(code) for code in dict.fromkeys(reasons)]


def validate_description(description: str) -> str:
    """The complainant's own words, required for every complaint, new or joining a case."""
    text = description.strip()
    if not text:
        raise InvalidInputError(
            "description: say briefly why the household is not poor", field="description"
        )
    return text


def clean_subject(subject: dict[str, Any], regions: RegionBook) -> dict[str, Any]:
    """The household a complaint names, checked: numbers valid, the village of this regency.

    It must name the household by registry id, KK or NIK, or else by its head's name and village.
    """
    unknown_fields = sorted(set(subject) - set(SUBJECT_FIELDS))
    if unknown_fields:
        raise InvalidInputError(
            f"subject: unknown field(s) {', '.join(unknown_fields)}", field="subject"
        )
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in subject.items() if v}
    clean = {k: v for k, v in clean.items() if v}
    if clean.get("registry_id"):
        clean["registry_id"] = validate_registry_id(
            str(clean["registry_id"]), field="subject.registry_id"
        )
    if clean.get("nik"):
        clean["nik"] = validate_nik(clean["nik"], field="subject.nik")
    if clean.get("kk_number"):
        clean["kk_number"] = validate_kk(clean["kk_number"], field="subject.kk_number")
    if clean.get("village_code"):
        code = normalise_code(clean["village_code"], field="subject.village_code")
        clean["village_code"] = regions.village(code, field="subject.village_code").code
    if not names_household(clean) and not describes_household(clean):
        raise InvalidInputError(
            "subject: give the household's registry id, KK or NIK, or else the name of the "
            "head of household and the village code",
            field="subject",
        )
    return clean


def names_household(subject: dict[str, Any]) -> bool:
    """Whether the subject carries an identifier a registered household can be found by."""
    return any(subject.get(k) for k in ("registry_id", "kk_number", "nik"))


def describes_household(subject: dict[str, Any]) -> bool:
    """Whether the subject says enough (a name and a village) to be matched by an officer."""
    return bool(subject.get("name") and subject.get("village_code"))


def clean_reporter(reporter: dict[str, Any] | None, regions: RegionBook) -> dict[str, Any] | None:
    """The complainant's identity, checked (None: anonymous, which is allowed)."""
    if reporter is None:
        return None
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in reporter.items() if v}
    clean = {k: v for k, v in clean.items() if v}
    if not clean.get("name"):
        raise InvalidInputError(
            "reporter.name: give your name, or file anonymously", field="reporter.name"
        )
    if clean.get("nik"):
        clean["nik"] = validate_nik(clean["nik"], field="reporter.nik")
    if clean.get("village_code"):
        code = normalise_code(clean["village_code"], field="reporter.village_code")
        clean["village_code"] = regions.village(code, field="reporter.village_code").code
    return clean
