"""The monthly removal report: removals against target as SVG charts and a table; CSV and
.xlsx downloads with Indonesian headers (`web.exports`).

Supervisors also set the year's twelve monthly targets there, with the version of the targets they
saw: a stale one re-renders the report with the targets as they are now and the input kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.domain.account import Account, Role
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.errors import ConflictError, DomainError
from bratasena.domain.regions import region_book
from bratasena.web import chart, exports, labels
from bratasena.web.exports import Sheet
from bratasena.web.render import (
    CheckedForm,
    PageError,
    PageRoute,
    need,
    redirect,
    render,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READERS = (Role.SUPERVISOR, Role.AUDITOR)
TARGET_SETTERS = (Role.SUPERVISOR,)
MAX_DIGITS = 6
"""A monthly target has at most six digits (the regency has some 150,000 households)."""


def _year(value: int | None, current: int) -> int:
    year = current if value is None else value
    if not 2000 <= year <= 2100:
        raise PageError(422, "Tahun tidak sah", "Pilih tahun antara 2000 dan 2100.")
    return year


def _report_page(
    request: Request,
    who: Account,
    year: int,
    *,
    status: int = 200,
    message: str | None = None,
    failed: dict[str, Any] | None = None,
) -> Response:
    app, views = access.app_of(request), access.views_of(request)
    views.refresh()
    today = jakarta_date(app.clock())
    data = views.removal_report(year)
    # The cumulative line stops at next month: this month's upholds take effect then, and
    # later months have nothing yet.
    through = 12 if year < today.year else (min(12, today.month + 1) if year == today.year else 0)
    running = 12 if year < today.year else (today.month if year == today.year else 0)
    form = None
    if who.role in TARGET_SETTERS:
        # Prefilled from the event store (not the view), with the version the change is checked
        # against; a refused form shows the person's input instead.
        current = app.monthly_targets(year)
        form = {
            "version": app.targets_version(year),
            "values": {f"target.{m}": str(n) for m, n in enumerate(current, start=1)},
            "errors": {},
            "stale": False,
            "failed": failed is not None,
            **(failed or {}),
        }
    data["not_applied"] = with_district_names(data["not_applied"], app.settings.regency)
    return render(
        request,
        "report.html",
        status=status,
        year=year,
        data=data,
        monthly_chart=chart.monthly(data["months"], running),
        cumulative_chart=chart.cumulative(data["months"], data["annual_target"], through),
        through=through,
        after_months=app.settings.reconcile_after_months,
        running=running,
        message=message,
        targets_form=form,
    )


@router.get("/laporan")
def report(request: Request, tahun: int | None = None, ok: str = "") -> Response:
    """The year's removals by month against target, by district and by reason."""
    who = need(request, *READERS)
    today = jakarta_date(access.app_of(request).clock())
    year = _year(tahun, today.year)
    message = f"Target bulanan {year} sudah disimpan." if ok == "target" else None
    return _report_page(request, who, year, message=message)


def _monthly(values: dict[str, str]) -> tuple[list[int], dict[str, str]]:
    """The twelve numbers of the form, or an Indonesian error per field that is not one."""
    monthly: list[int] = []
    errors: dict[str, str] = {}
    for month in range(1, 13):
        name = f"target.{month}"
        value = values.get(name, "")
        if not value:
            errors[name] = "Isi target bulan ini (0 bila tidak ada)."
        elif not (value.isascii() and value.isdigit()):
            errors[name] = "Tulis bilangan bulat 0 atau lebih, tanpa titik, koma atau tanda."
        elif len(value) > MAX_DIGITS:
            errors[name] = "Angka terlalu besar untuk target sebulan."
        else:
            monthly.append(int(value))
    return monthly, errors


@router.post("/laporan/{year}/target")
def set_targets(request: Request, year: int, form: CheckedForm) -> Response:
    """Set the year's monthly targets; refused input comes back with each error at its month."""
    who = need(request, *TARGET_SETTERS)
    year = _year(year, year)
    app, views = access.app_of(request), access.views_of(request)
    values = {f"target.{m}": text(form, f"target.{m}") for m in range(1, 13)}
    try:
        seen = int(text(form, "version"))
    except ValueError:
        raise PageError(400, "Formulir tidak lengkap", "Muat ulang halaman laporan.") from None
    monthly, errors = _monthly(values)
    if errors:
        return _report_page(
            request, who, year, status=422, failed={"values": values, "errors": errors}
        )
    try:
        outcome = app.set_targets(year, monthly, actor=who.username, expected_version=seen)
    except DomainError as error:
        stale = isinstance(error, ConflictError)
        return _report_page(
            request,
            who,
            year,
            status=409 if stale else 422,
            failed={
                "values": values,
                "errors": {} if stale else {"form": labels.error_text(error)},
                "stale": stale,
            },
        )
    views.caught_up(outcome.position)
    return redirect(f"/laporan?tahun={year}&ok=target#target")


MONTH_HEADER = (
    ("month", "Bulan"),
    ("target", "Target"),
    ("deactivations", "Dinonaktifkan"),
    ("reactivations", "Diaktifkan kembali"),
    ("net_removals", "Penonaktifan bersih"),
    ("cumulative_net", "Kumulatif bersih"),
    ("cumulative_target", "Kumulatif target"),
    ("complaints_filed", "Aduan diterima"),
    ("corroborated", "Aduan tambahan"),
    ("upheld", "Dikabulkan"),
    ("rejected", "Ditolak"),
    ("share_upheld", "Porsi dikabulkan"),
    ("appeals_granted", "Keberatan dikabulkan"),
    ("appeals_denied", "Keberatan ditolak"),
    ("median_days_to_decision", "Median hari sampai keputusan"),
    ("confirmed_removals", "Berlaku di DTSEN"),
)
"""The report's monthly columns (the projection's keys) with their Indonesian headers."""


def report_sheets(data: dict[str, Any]) -> list[Sheet]:
    """The year's report as four tables: months with a total line, districts, reasons, and the
    removals not applied (with `Projections.removal_report`'s confirmed removals beside)."""
    keys = [key for key, _ in MONTH_HEADER]
    months = [[labels.month_label(m["month"]), *(m[k] for k in keys[1:])] for m in data["months"]]
    totals = {**data["totals"], "target": data["annual_target"]}
    months.append(["Jumlah", *(totals.get(k) for k in keys[1:])])
    net = ("Dinonaktifkan", "Diaktifkan kembali", "Penonaktifan bersih")
    district_keys = ("deactivations", "reactivations", "net_removals", "confirmed_removals")
    return [
        Sheet(f"Bulanan {data['year']}", [h for _, h in MONTH_HEADER], months),
        Sheet(
            "Kecamatan",
            ["Kode kecamatan", "Kecamatan", *net, "Berlaku di DTSEN"],
            [
                [d["district_code"], d["district_name"], *(d.get(k) for k in district_keys)]
                for d in data["by_district"]
            ],
        ),
        Sheet(
            "Alasan",
            ["Alasan", *net],
            [
                [labels.REASON.get(r["reason"], r["reason"]), *list(r.values())[1:]]
                for r in data["by_reason"]
            ],
        ),
        Sheet(
            "Belum berlaku",
            [
                "ID registri",
                "Kode kecamatan",
                "Keputusan",
                "Berlaku",
                "Data registri",
                "Bulan sejak berlaku",
                "Referensi DTJateng",
                "Referensi DTSEN",
            ],
            [
                [
                    r["registry_id"],
                    r["district_code"],
                    labels.RECONCILIATION.get(r["kind"], r["kind"]),
                    r["effective_month"],
                    r["period"],
                    r["months"],
                    r["dtjateng_reference"],
                    r["dtsen_reference"],
                ]
                for r in data.get("not_applied", [])
            ],
        ),
    ]


@router.get("/laporan/{year}.csv")
def report_csv(request: Request, year: int) -> Response:
    """The same report as CSV for Indonesian Excel (months with a total line, then districts,
    then reasons; ``;``-separated with a byte-order mark)."""
    return _download(request, year, "csv")


@router.get("/laporan/{year}.xlsx")
def report_xlsx(request: Request, year: int) -> Response:
    """The same report as an .xlsx workbook: months, districts and reasons on their own sheets."""
    return _download(request, year, "xlsx")


def _download(request: Request, year: int, fmt: str) -> Response:
    need(request, *READERS)
    views = access.views_of(request)
    views.refresh()
    year = _year(year, year)
    return exports.download(report_sheets(views.removal_report(year)), f"penonaktifan-{year}", fmt)


def with_district_names(rows: list[dict[str, Any]], regency: str) -> list[dict[str, Any]]:
    """Not-applied rows with their district's name, for the pages."""
    names = {d.code: d.name for d in region_book(regency).districts()}
    return [{**row, "district_name": names.get(row["district_code"], "")} for row in rows]
