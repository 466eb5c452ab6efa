"""The complaint's own words: what the complaint form asks to describe for each reason, what it
says when it cannot take the complaint as sent, and which reason a case step is missing (beside
`labels`, which names every code)."""

from __future__ import annotations

from bratasena.domain.errors import DomainError
from bratasena.domain.filing import Reason
from bratasena.web.labels import FIELD_ERROR, error_text

DESCRIPTION_ASK: dict[str, str] = {
    Reason.MAMPU: "apa yang menunjukkan keluarga ini mampu (rumah, kendaraan, usaha)",
    Reason.DECEASED: "siapa yang meninggal dunia dan kapan",
    Reason.MOVED_AWAY: "ke mana keluarga ini pindah dan sejak kapan",
    Reason.NOT_FOUND: "alamat yang didatangi dan apa yang ditemukan di sana",
    Reason.DUPLICATE_REGISTRATION: "di mana lagi keluarga ini terdaftar",
    Reason.RECEIVES_OTHER_AID: "bantuan lain apa yang diterima keluarga ini",
    Reason.REFUSES_AID: "kapan dan bagaimana keluarga ini menolak bantuan",
    Reason.OTHER: "alasan lain itu",
}
"""What the complaint form asks a complainant to describe, for a complaint with one reason."""

ANONYMOUS_PHONE = (
    "Anda memilih melapor tanpa nama, jadi nomor HP tidak dicatat. Hapus nomornya, atau pilih "
    "“Cantumkan nama saya” bila ingin dihubungi."
)
"""A phone number typed while "anonymous" is chosen: said, never silently dropped."""

THROTTLED = (
    "Terlalu banyak aduan dari alamat Anda dalam satu menit. Isian Anda tetap di bawah; kirim "
    "lagi dalam {seconds} detik."
)
"""The complaint form's words when the public rate limit refuses it."""


def description_error(reasons: list[str]) -> str:
    """The empty-description message, in the words of the one reason chosen (never "mampu" for
    a death or a move)."""
    if len(reasons) == 1 and reasons[0] in DESCRIPTION_ASK:
        return f"Jelaskan singkat {DESCRIPTION_ASK[reasons[0]]}."
    return FIELD_ERROR["description"]


MISSING_REASON: dict[str, str] = {
    "reassign": "Tulis alasan pengalihan tugas.",
    "rematch": "Tulis alasan mencocokkan ulang.",
    "withdraw": "Tulis alasan pencabutan aduan.",
    "appeal_decision": "Tulis alasan keputusan atas keberatan.",
}
"""An empty ``reason`` on a case step's form, named as that step's reason (the decision's is
`FIELD_ERROR`'s)."""


def step_error(action: str, error: DomainError) -> str:
    """The message of a case step's refusal, the missing reason named as that step's reason."""
    if error.rule == "reason_required" and error.field == "reason" and action in MISSING_REASON:
        return MISSING_REASON[action]
    return error_text(error)
