"""The office's letters: worded in Indonesian (tata naskah dinas) and printed to PDF by WeasyPrint.

`Press.compose` turns a case's facts (`bratasena.letter_facts`) into a letter's content: every
word it shows, the letterhead included, as plain JSON the `LetterIssued` event keeps. `Press.render`
prints content to PDF through a layout version (``templates/letters/v1``): the same content and
version give the same bytes on any server, because the layout only places the content's words,
the fonts are the package's own (``web/fonts``), nothing is fetched from elsewhere, and the PDF
carries no creation date or random identifier. So a letter downloaded later is byte for byte the
one issued, and its SHA-256 matches the one on record.

A later layout is a new version beside this one (``v2``), never an edit of it: old letters still
print with the version they were issued with.

The complainant never appears: the facts carry neither their identity nor their words.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from bratasena.domain.complaint import Decision
from bratasena.domain.letters import LetterKind
from bratasena.letter_facts import LetterFacts, Letterhead
from bratasena.web import labels
from bratasena.web.render import tanggal

HERE = Path(__file__).parent
FONTS = HERE / "fonts"
LAYOUT = "v1"
"""The layout new letters are printed with."""

LAYOUTS = ("v1",)
"""Every layout a stored letter may name; each stays as it was issued."""

LAW = "Undang-Undang Nomor 30 Tahun 2014 tentang Administrasi Pemerintahan"

Block = dict[str, Any]


class Press:
    """Words and prints the office's letters (the application's `Typesetter`)."""

    @property
    def template(self) -> str:
        return LAYOUT

    def compose(self, facts: LetterFacts) -> dict[str, Any]:
        """Everything the letter shows, worded as printed (JSON types only)."""
        words = _WORDING[facts.kind](facts)
        head = facts.letterhead
        return {
            "kind": str(facts.kind),
            "letterhead": {
                "government": head.government,
                "office": head.office.upper(),
                "address": head.address,
                "contact": head.contact,
            },
            "number": facts.number,
            "tracking_code": facts.tracking_code,
            "place_date": f"{head.city}, {tanggal(facts.issued_on)}",
            **words,
            "footer": (
                f"Nomor aduan {facts.tracking_code} · Surat nomor {facts.number} · "
                "dicetak dari Bratasena"
            ),
        }

    def render(self, content: dict[str, Any], template: str) -> bytes:
        """The PDF of a letter's content in a layout version: the same bytes every time."""
        if template not in LAYOUTS:
            raise ValueError(f"unknown letter layout {template!r}")
        html = _environment().get_template(f"letters/{template}/letter.html").render(c=content)
        return print_pdf(html)


def print_pdf(html: str) -> bytes:
    """A page of this package (its fonts as ``fonts/…``) printed to PDF, the same bytes every
    time: no pdf_identifier and no dates in the document, nothing fetched from elsewhere."""
    # Imported here, not with the module: loading WeasyPrint (Pango, fonts) takes about a
    # second, which only printing should pay.
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=str(HERE), url_fetcher=_own_files()).write_pdf(
        pdf_identifier=None
    )
    return pdf


class _OwnFiles:
    """Fetches the package's fonts only: a letter never depends on the network or on the fonts
    a machine happens to have. A missing font fails the letter rather than printing other
    bytes."""

    _fail_on_errors = True  # read by WeasyPrint: a fetch that fails stops the rendering

    def __init__(self) -> None:
        from weasyprint.urls import URLFetcher

        self._files = URLFetcher(allowed_protocols=["file"], fail_on_errors=True)

    def __call__(self, url: str) -> Any:
        if not url.startswith(FONTS.as_uri() + "/"):
            raise ValueError(f"letters load only their own fonts, not {url}")
        return self._files(url)


@cache
def _own_files() -> _OwnFiles:
    return _OwnFiles()


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["unbroken"] = _unbroken
    return env


def _unbroken(text: str, *words: str) -> Markup:
    """The text, escaped, with each of ``words`` kept on one line (a tracking code or a letter
    number is never split at its hyphens or slashes)."""
    pieces = [escape(text)]
    for word in filter(None, words):
        kept = Markup('<span class="unbroken">{}</span>').format(word)
        pieces = [kept.join(piece.split(escape(word))) for piece in pieces]
    return Markup("").join(pieces)


# --- wording --------------------------------------------------------------------------------


def _p(text: str) -> Block:
    return {"type": "p", "text": text}


def _facts(*rows: tuple[str, str]) -> Block:
    return {"type": "facts", "rows": [list(row) for row in rows]}


def _list(items: list[str]) -> Block:
    return {"type": "list", "items": items}


def _table(head: list[str], rows: list[list[str]]) -> Block:
    return {"type": "table", "head": head, "rows": rows}


def _reason(code: str) -> str:
    return labels.REASON.get(code, code)


def _month_start(month: str) -> str:
    year, number = month.split("-")
    return tanggal(date(int(year), int(number), 1))


def _household_rows(facts: LetterFacts) -> list[tuple[str, str]]:
    h = facts.household
    return [
        ("Nama kepala keluarga", h.head_name),
        ("Nomor registrasi DTKS/DTSEN", h.registry_id),
        ("Alamat", h.address),
        ("Desa/Kelurahan", h.village),
        ("Kecamatan", h.district),
    ]


def _addressee(facts: LetterFacts) -> list[str]:
    h = facts.household
    return [
        f"Yth. Sdr. {h.head_name}",
        f"Kepala Keluarga, No. Reg. {h.registry_id}",
        h.address,
        f"Desa/Kel. {h.village}, Kec. {h.district}",
        "di tempat",
    ]


def _head_signature(head: Letterhead, place_date: str | None = None) -> Block:
    return {
        "place_date": place_date or "",
        "role": head.head_title,
        "name": head.head_name,
        "nip": f"NIP. {head.head_nip}",
    }


def _copies(facts: LetterFacts) -> list[str]:
    return [f"Kepala Desa/Lurah {facts.household.village}", "Arsip"]


def _letter(facts: LetterFacts, subject: str, blocks: list[Block]) -> dict[str, Any]:
    """A surat dinas: number, nature and subject lines, addressee, body, the head's signature."""
    return {
        "layout": "surat",
        "title": "",
        "header": [
            ["Nomor", facts.number],
            ["Sifat", "Penting"],
            ["Lampiran", "-"],
            ["Hal", subject],
        ],
        "addressee": _addressee(facts),
        "blocks": blocks,
        "signatures": [_head_signature(facts.letterhead)],
        "copies": _copies(facts),
    }


def _notice(facts: LetterFacts) -> dict[str, Any]:
    head = facts.letterhead
    assert facts.response_due is not None
    return _letter(
        facts,
        f"Pemberitahuan Aduan dan Undangan Klarifikasi (nomor aduan {facts.tracking_code})",
        [
            _p("Dengan hormat,"),
            _p(
                f"Bersama ini kami beritahukan bahwa {head.office} menerima aduan "
                f"masyarakat dengan nomor aduan {facts.tracking_code} mengenai keluarga Saudara, "
                f"yang terdaftar dalam Data Tunggal Sosial Ekonomi Nasional (DTSEN) dengan "
                f"nomor registrasi {facts.household.registry_id}. Aduan tersebut menyatakan "
                "bahwa keluarga Saudara tidak lagi memenuhi kriteria penerima bantuan sosial, "
                "dengan alasan:"
            ),
            _list([_reason(code) for code in facts.reasons]),
            _p(
                f"Sesuai {LAW}, Saudara berhak didengar sebelum keputusan diambil. Untuk itu "
                "kami mengundang Saudara menyampaikan tanggapan, secara lisan atau tertulis, "
                "beserta bukti pendukung bila ada, dengan ketentuan sebagai berikut:"
            ),
            _facts(
                ("Batas waktu", tanggal(facts.response_due)),
                ("Tempat", f"{head.office}, {head.address}"),
                ("Waktu layanan", head.office_hours),
                (
                    "Cara",
                    "datang langsung, atau menyerahkan tanggapan tertulis ke alamat di atas "
                    "atau melalui kantor desa/kelurahan, dengan menyebut nomor aduan "
                    f"{facts.tracking_code}",
                ),
            ),
            _p(
                "Apabila sampai batas waktu tersebut Saudara tidak menyampaikan tanggapan, aduan "
                "akan diputuskan berdasarkan hasil verifikasi lapangan. Identitas pelapor "
                "dirahasiakan sesuai ketentuan peraturan perundang-undangan. Atas perhatian "
                "Saudara kami ucapkan terima kasih."
            ),
        ],
    )


def _field_report(facts: LetterFacts) -> dict[str, Any]:
    check = facts.field_check
    assert check is not None
    head = facts.letterhead
    day = labels.DAY[check.visited_on.weekday()]
    recommendation = labels.RECOMMENDATION.get(check.recommendation, check.recommendation)
    blocks: list[Block] = [
        _p(
            f"Pada hari ini, {day} tanggal {tanggal(check.visited_on)}, yang bertanda tangan di "
            f"bawah ini, {check.officer_name}, petugas verifikasi {head.office}, telah "
            f"melakukan verifikasi lapangan atas aduan nomor {facts.tracking_code} terhadap "
            "keluarga:"
        ),
        _facts(*_household_rows(facts)),
        _p("dengan hasil sebagai berikut:"),
        _table(
            ["No.", "Alasan aduan", "Temuan di lapangan"],
            [
                [str(n), _reason(code), check.findings.get(code, "Tidak diperiksa.")]
                for n, code in enumerate(facts.reasons, start=1)
            ],
        ),
    ]
    rows = [("Rekomendasi", f"aduan {recommendation}")]
    if check.notes:
        rows.append(("Catatan", check.notes))
    if not check.attachments:
        rows.append(("Lampiran", "tidak ada lampiran"))
    blocks.append(_facts(*rows))
    if check.attachments:
        exhibits = [
            f"{labels.EVIDENCE_KIND.get(a.kind, a.kind)}, {tanggal(a.day)}, SHA-256 {a.sha256[:12]}"
            for a in check.attachments
        ]
        blocks.extend([_p("Lampiran:"), _list(exhibits)])
    blocks.append(
        _p(
            "Demikian berita acara ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana "
            "mestinya."
        )
    )
    return {
        "layout": "berita_acara",
        "title": "BERITA ACARA VERIFIKASI LAPANGAN",
        "header": [],
        "addressee": [],
        "blocks": blocks,
        "signatures": [
            {
                "place_date": "",
                "role": "Petugas Verifikasi",
                "name": check.officer_name,
                "nip": "",
            },
            {**_head_signature(head), "role": f"Mengetahui,\n{head.head_title}"},
        ],
        "copies": [],
    }


def _decision(facts: LetterFacts) -> dict[str, Any]:
    decision = facts.decision
    assert decision is not None
    head = facts.letterhead
    upheld = decision.outcome == Decision.UPHOLD
    blocks: list[Block] = [
        _p("Dengan hormat,"),
        _p(
            f"Menindaklanjuti aduan masyarakat nomor {facts.tracking_code} mengenai keluarga "
            f"Saudara, yang terdaftar dengan nomor registrasi {facts.household.registry_id}, "
            "setelah dilakukan verifikasi lapangan dan Saudara diberi kesempatan menyampaikan "
            "tanggapan, dengan ini kami beritahukan keputusan sebagai berikut:"
        ),
    ]
    if upheld:
        assert decision.effective_month is not None
        blocks.append(
            _facts(
                (
                    "Keputusan",
                    "Aduan dikabulkan. Keluarga Saudara dinonaktifkan dari Data Tunggal Sosial "
                    "Ekonomi Nasional (DTSEN) sebagai penerima bantuan sosial.",
                ),
                ("Berlaku mulai", _month_start(decision.effective_month)),
                ("Tanggal keputusan", tanggal(decision.decided_on)),
            )
        )
        blocks.append(_p(f"Alasan keputusan: {decision.reason}"))
        blocks.append(_p("Alasan aduan yang terbukti dalam verifikasi lapangan:"))
        blocks.append(
            _table(
                ["No.", "Alasan", "Temuan di lapangan"],
                [
                    [str(n), _reason(code), decision.findings.get(code, "")]
                    for n, code in enumerate(decision.reason_codes, start=1)
                ],
            )
        )
        assert facts.delivery_on is not None
        assert facts.objection_deadline is not None
        blocks.append(
            _p(
                "Apabila Saudara tidak sependapat dengan keputusan ini, Saudara dapat mengajukan "
                f"keberatan secara tertulis kepada {head.head_title}, {head.address}, paling "
                f"lambat tanggal {tanggal(facts.objection_deadline)}, yaitu 21 (dua puluh satu) "
                f"hari kerja sejak surat ini diterima pada tanggal {tanggal(facts.delivery_on)} "
                f"({LAW}, Pasal 77). Apabila surat ini diterima setelah tanggal tersebut, batas "
                "keberatan dihitung 21 hari kerja sejak tanggal diterima. Keberatan menyebut "
                f"nomor aduan {facts.tracking_code} dan alasannya, beserta bukti bila ada."
            )
        )
        blocks.append(_facts(("Batas waktu keberatan", tanggal(facts.objection_deadline))))
    else:
        blocks.append(
            _facts(
                (
                    "Keputusan",
                    "Aduan ditolak. Keluarga Saudara tetap terdaftar sebagai penerima bantuan "
                    "sosial.",
                ),
                ("Tanggal keputusan", tanggal(decision.decided_on)),
            )
        )
        blocks.append(_p(f"Alasan keputusan: {decision.reason}"))
        blocks.append(
            _p(
                "Demikian pemberitahuan ini kami sampaikan untuk dapat dipergunakan sebagaimana "
                "mestinya."
            )
        )
    return _letter(
        facts, f"Pemberitahuan Keputusan atas Aduan (nomor aduan {facts.tracking_code})", blocks
    )


def _appeal_decision(facts: LetterFacts) -> dict[str, Any]:
    appeal = facts.appeal
    assert appeal is not None
    granted = appeal.outcome == "grant"
    regency = facts.letterhead.government.removeprefix("PEMERINTAH ").title()
    blocks: list[Block] = [
        _p("Dengan hormat,"),
        _p(
            f"Menanggapi keberatan Saudara yang kami terima pada tanggal "
            f"{tanggal(appeal.filed_on)} atas keputusan mengenai aduan nomor "
            f"{facts.tracking_code} (nomor registrasi {facts.household.registry_id}), dengan "
            "ini kami sampaikan keputusan atas keberatan tersebut:"
        ),
    ]
    if granted:
        assert appeal.effective_month is not None
        blocks.append(
            _facts(
                (
                    "Keputusan",
                    "Keberatan dikabulkan. Keputusan penonaktifan dibatalkan dan keluarga "
                    "Saudara diaktifkan kembali sebagai penerima bantuan sosial.",
                ),
                ("Berlaku mulai", _month_start(appeal.effective_month)),
                ("Tanggal keputusan", tanggal(appeal.decided_on)),
            )
        )
        blocks.append(_p(f"Alasan: {appeal.reason}"))
    else:
        blocks.append(
            _facts(
                ("Keputusan", "Keberatan ditolak. Keputusan penonaktifan tetap berlaku."),
                ("Tanggal keputusan", tanggal(appeal.decided_on)),
            )
        )
        blocks.append(_p(f"Alasan: {appeal.reason}"))
        blocks.append(
            _p(
                "Apabila Saudara tidak menerima keputusan ini, Saudara dapat mengajukan banding "
                f"administratif kepada Bupati {regency.removeprefix('Kabupaten ')} paling lambat "
                "10 (sepuluh) hari kerja sejak keputusan ini diterima "
                f"({LAW}, Pasal 78)."
            )
        )
    blocks.append(
        _p("Demikian keputusan ini kami sampaikan untuk dapat dipergunakan sebagaimana mestinya.")
    )
    return _letter(facts, f"Keputusan atas Keberatan (nomor aduan {facts.tracking_code})", blocks)


_WORDING = {
    LetterKind.NOTICE: _notice,
    LetterKind.FIELD_REPORT: _field_report,
    LetterKind.DECISION: _decision,
    LetterKind.APPEAL_DECISION: _appeal_decision,
}
