"""`bratasena serve --demo`: a synthetic Blora, demo accounts, cases at every stage, stand-ins.

Everything here is invented and says so: registry ids start with ``SYN-``, and the two sync targets
are the stand-in of `bratasena.integration.simulator`, not the real DTJateng/DTSEN. Seeding is
idempotent: it runs once per data directory (the demo supervisor's account marks it done), and
prints the demo accounts' generated passwords that one time only.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from bratasena.access import hash_password
from bratasena.application import Bratasena, iter_batches
from bratasena.domain import ids
from bratasena.domain.account import Role
from bratasena.domain.calendar import jakarta_date, month_of
from bratasena.domain.errors import NotFoundError
from bratasena.domain.evidence import EvidenceKind
from bratasena.domain.reconciliation import months_between
from bratasena.integration.registry_import import import_registry_file
from bratasena.integration.simulator import StandInTarget, TargetState
from bratasena.integration.synthetic import generate_rows, write_extract
from bratasena.media import Upload
from bratasena.settings import Settings
from bratasena.web.letters import Press

HOUSEHOLDS = 3000
SEED = 16
OFFICER_DISTRICTS = 3
"""The demo officer works in the three districts with the most households."""
EXTRACT_MONTHS = 3
"""A DTSEN extract is seeded for each of the last three months (this one included)."""


@dataclass
class _Clock:
    """The seeding clock: earlier months' cases get earlier dates, so the report has history."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


def accounts(districts: list[str]) -> dict[str, tuple[str, list[str], str]]:
    """The demo accounts: username → (role, districts, full name)."""
    return {
        "admin": ("admin", [], "Admin Sistem"),
        "kabid": ("supervisor", [], "Kepala Bidang Linjamsos"),
        "kabid2": ("supervisor", [], "Wakil Kepala Bidang"),
        "petugas": ("officer", districts, "Petugas Verifikasi"),
        "inspektur": ("auditor", [], "Inspektorat Daerah"),
        "pendamping": ("facilitator", districts[:1], "Pendamping PKH"),
    }


def start_targets(settings: Settings) -> tuple[Settings, list[StandInTarget]]:
    """Two stand-in targets on free loopback ports, with the sync settings pointed at them."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    started = []
    for name in ("dtjateng", "dtsen"):
        state = TargetState(name, Path(settings.data_dir) / f"stand-in-{name}.json")
        started.append(StandInTarget(name=name, state=state).start())
    pointed = settings.model_copy(
        update={"sync_dtjateng_url": started[0].url, "sync_dtsen_url": started[1].url}
    )
    return pointed, started


def seed(settings: Settings, households: int = HOUSEHOLDS) -> dict[str, str] | None:
    """Seed the demo once; the new accounts' passwords, or None when it was seeded before."""
    clock = _Clock()
    app = Bratasena(settings, clock=clock, typesetter=Press())
    try:
        try:
            app.get_account("kabid")
            return None
        except NotFoundError:
            pass
        rows = list(generate_rows(households, seed=SEED, regency=settings.regency))
        for batch in iter_batches(rows, 500):
            app.import_registry(batch, source="dtks", period="2026-01", actor="demo")
        by_district: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_district.setdefault(row["village_code"][:6], []).append(row)
        busiest = sorted(by_district, key=lambda d: -len(by_district[d]))[:OFFICER_DISTRICTS]
        passwords = {}
        for username, (role, districts, name) in accounts(busiest).items():
            passwords[username] = secrets.token_urlsafe(9)
            app.open_account(
                username=username,
                role=role,
                districts=districts,
                password_hash=hash_password(passwords[username]),
                full_name=name,
                actor="demo",
            )
        pool = [row for d in busiest for row in by_district[d]]
        upheld = _cases(app, clock, pool, field_district=busiest[0])
        _extracts(app, rows, upheld, Path(settings.data_dir) / "extracts")
        return passwords
    finally:
        app.close()


def _cases(
    app: Bratasena, clock: _Clock, pool: list[dict[str, Any]], *, field_district: str
) -> list[str]:
    """Cases at every stage: upheld ones in the last three months, the rest open today; and one
    waiting for the facilitator's field check in their district. The upheld households' ids."""
    today = clock.now
    stages = [
        *[("upheld", 90 - 9 * i) for i in range(4)],
        *[("upheld", 50 - 9 * i) for i in range(3)],
        *[("upheld", 25 - 8 * i) for i in range(3)],
        ("rejected", 20),
        ("response_recorded", 12),
        ("notice_issued", 9),
        ("investigated", 6),
        ("assigned", 3),
        ("assigned", 2),
        ("filed", 1),
        ("filed", 0),
    ]
    # Spread the cases over the officer's villages rather than the first few rows.
    households = iter(pool[:: max(1, min(7, len(pool) // len(stages)))])
    used: set[str] = set()
    upheld: list[str] = []
    for number, (stage, days_ago) in enumerate(stages):
        household = next(households)
        used.add(household["registry_id"])
        if stage == "upheld":
            upheld.append(household["registry_id"])
        clock.now = today - timedelta(days=days_ago, hours=2)
        reporter = None if number % 2 else {"name": "Warga (demo)", "phone": "081200000000"}
        filing = app.file_complaint(
            subject={"registry_id": household["registry_id"]},
            reasons=["mampu", "owns_car"] if number % 3 else ["asn_tni_polri"],
            description="Contoh aduan demo: rumah permanen dan kendaraan pribadi.",
            reporter=reporter,
        )
        _advance(app, clock, filing.id, stage, today)
    spare = next(
        row
        for row in pool
        if row["village_code"].startswith(field_district) and row["registry_id"] not in used
    )
    clock.now = today - timedelta(days=1)
    filing = app.file_complaint(
        subject={"registry_id": spare["registry_id"]},
        reasons=["permanent_house"],
        description="Contoh aduan demo: rumah permanen bertingkat.",
        reporter=None,
    )
    clock.now = today
    app.assign(filing.id, None, officer="pendamping", actor="kabid")
    return upheld


def _extracts(app: Bratasena, rows: list[dict[str, Any]], upheld: list[str], folder: Path) -> None:
    """One DTSEN extract a month for the last three months, written to ``folder`` and imported in
    order, so the report has removals confirmed and removals not applied: of the households
    deactivated here, once in effect, one in three stays in its programmes (the removal is stuck),
    the others are gone from the extract or listed without a programme. A few households with no
    decision here leave the latest extract (counted as leaving elsewhere)."""
    folder.mkdir(parents=True, exist_ok=True)
    now = month_of(app.clock())
    effective = {
        rid: app.get_household(ids.household_id(rid)).effective_month or now for rid in upheld
    }
    for back in range(EXTRACT_MONTHS - 1, -1, -1):
        period = _month_before(now, back)
        extract = []
        for index, row in enumerate(rows):
            rid = row["registry_id"]
            if rid in effective and months_between(effective[rid], period) >= 0:
                turn = upheld.index(rid) % 3
                if turn == 1:
                    continue
                if turn == 2:
                    row = {**row, "programs": []}
            elif back == 0 and index % 400 == 399:
                continue
            extract.append(row)
        path = folder / f"dtsen-{period}.csv"
        write_extract(extract, path)
        import_registry_file(app, path, source="dtsen", period=period, actor="demo")


def _month_before(month: str, back: int) -> str:
    """The month ``back`` months before ``month`` (both "YYYY-MM")."""
    count = int(month[:4]) * 12 + int(month[5:7]) - 1 - back
    return f"{count // 12:04d}-{count % 12 + 1:02d}"


@cache
def demo_photo() -> bytes:
    """A drawn house with a time and a place in Blora in its EXIF: the field checks' photo."""
    image = Image.new("RGB", (1200, 900), (170, 205, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 640, 1200, 900), fill=(110, 150, 80))
    draw.rectangle((300, 380, 900, 700), fill=(235, 225, 200), outline=(90, 60, 40), width=6)
    draw.polygon([(250, 390), (600, 160), (950, 390)], fill=(160, 70, 50))
    draw.rectangle((540, 520, 660, 700), fill=(110, 70, 40))
    draw.text((40, 40), "DEMO", fill=(200, 0, 0))
    exif = Image.Exif()
    exif[0x0110] = "Demo"
    exif[306] = "2026:03:10 09:15:00"
    exif[0x8825] = {1: "S", 2: (6.0, 58.0, 12.5), 3: "E", 4: (111.0, 25.0, 1.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def _advance(app: Bratasena, clock: _Clock, cid: Any, stage: str, today: datetime) -> None:
    steps = ["assigned", "investigated", "notice_issued", "response_recorded", "decided"]
    wanted = {
        "filed": 0,
        "assigned": 1,
        "investigated": 2,
        "notice_issued": 3,
        "response_recorded": 4,
        "upheld": 5,
        "rejected": 5,
    }[stage]
    for step in steps[:wanted]:
        clock.now = min(clock.now + timedelta(hours=20), today)
        day = jakarta_date(clock.now)
        if step == "assigned":
            app.assign(cid, None, officer="petugas", actor="kabid")
        elif step == "investigated":
            app.attach_evidence(
                cid,
                None,
                upload=Upload(
                    demo_photo(),
                    name="demo-rumah.jpg",
                    kind=EvidenceKind.HOUSE_FRONT,
                    caption="Foto contoh (demo), bukan rumah sebenarnya",
                ),
                role=Role.OFFICER,
                actor="petugas",
            )
            codes = app.get_complaint(cid).reasons
            app.record_investigation(
                cid,
                None,
                visited_on=day,
                findings=dict.fromkeys(codes, "Diperiksa di lapangan (demo)."),
                recommendation="reject" if stage == "rejected" else "uphold",
                actor="petugas",
            )
        elif step == "notice_issued":
            app.issue_notice(cid, None, response_due=day + timedelta(days=14), actor="petugas")
            app.issue_letter(cid, None, kind="notice", actor="petugas")
        elif step == "response_recorded":
            app.record_response(
                cid, None, statement="Keluarga membantah (demo).", received_on=day, actor="petugas"
            )
        elif stage == "rejected":
            app.reject(cid, None, reason="Keputusan demo: tidak terbukti mampu.", actor="kabid")
        else:
            case = app.get_complaint(cid)
            app.uphold(
                cid,
                None,
                reason="Keputusan demo: terbukti mampu menurut verifikasi lapangan.",
                reason_codes=list(case.confirmable_reasons),
                actor="kabid",
            )
            # The decision letter is handed over the same day: the objection window runs.
            issued = app.issue_letter(cid, None, kind="decision", actor="kabid")
            assert issued.letter is not None
            app.record_delivery(
                cid,
                None,
                number=issued.letter.number,
                delivered_on=jakarta_date(clock.now),
                method="via_village",
                actor="petugas",
            )


def prepare(
    settings: Settings, *, base_url: str, households: int = HOUSEHOLDS
) -> tuple[Settings, list[StandInTarget]]:
    """Start the stand-ins, seed once, and print how to log in; the settings to serve with."""
    pointed, targets = start_targets(settings)
    print(f"Demo: seeding {settings.data_dir} (once; a few thousand synthetic households)…")
    passwords = seed(pointed, households)
    print(
        "Demo: STAND-IN targets (not the real DTJateng/DTSEN) at "
        + ", ".join(t.url for t in targets)
    )
    if passwords is None:
        print(
            "Demo: already seeded; the accounts' passwords were printed the first time "
            f"(delete {settings.data_dir} to start over)."
        )
    else:
        print("Demo accounts (printed this once):")
        roles = accounts([])
        for username, password in passwords.items():
            print(f"  {username:<11} {roles[username][0]:<12} {password}")
    print(f"Open {base_url}/ (citizens) and {base_url}/masuk (staff).", flush=True)
    return pointed, targets
