"""Time as the office counts it: Asia/Jakarta (WIB) dates, months and Indonesian working days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

WIB = ZoneInfo("Asia/Jakarta")

OBJECTION_WINDOW_WORKING_DAYS = 21
"""Days a household has to object (keberatan) to an upheld complaint, counted in working days
from the day the decision letter was delivered (UU 30/2014, Pasal 77)."""


def jakarta_date(moment: datetime) -> date:
    """The calendar date in Asia/Jakarta of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(WIB).date()


def month_of(moment: datetime) -> str:
    """The month ("YYYY-MM") in Asia/Jakarta that contains the moment."""
    return jakarta_date(moment).strftime("%Y-%m")


def next_month(moment: datetime) -> str:
    """The month ("YYYY-MM") after the moment's Jakarta month: when a deactivation takes effect."""
    day = jakarta_date(moment)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return f"{year:04d}-{month:02d}"


def now_utc() -> datetime:
    """The current moment, timezone-aware."""
    return datetime.now(tz=UTC)


@cache
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an Indonesian public holiday."""
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def objection_deadline(delivered_on: date) -> date:
    """The last day on which a household may object to a decision letter delivered on
    ``delivered_on``."""
    return add_working_days(delivered_on, OBJECTION_WINDOW_WORKING_DAYS)
