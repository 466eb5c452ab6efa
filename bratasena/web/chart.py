"""Server-rendered SVG charts of the removal report: no script, readable on a phone, printable."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from markupsafe import Markup

from bratasena.web.labels import MONTH

WIDTH, HEIGHT = 360, 230
LEFT, RIGHT, TOP, BOTTOM = 40, 6, 16, 28
FONT = 13
"""Text size in viewBox units: the viewBox is about as wide as a phone's content box (390 px less
the page's padding), so labels stay at 12 px or more there instead of shrinking with the SVG."""
FUTURE = "#b9dcc6"
BAR = "#2e7d4f"
TARGET = "#c0392b"
CUMULATIVE = "#1f5fa8"


def nice_step(span: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that cuts ``span`` in at most 6.

    Computed, not picked from a list, so any value a store holds (a target of 10¹² included)
    still gets an axis.
    """
    span = max(float(span), 1.0)
    power = 10.0 ** max(0, math.floor(math.log10(span / 6)))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if span / (m * power) <= 6)


def _scale(low: float, high: float) -> tuple[float, Any]:
    """A nice axis maximum and a function from a value to its y pixel."""
    step = nice_step(high - low)
    top = step * -(-high // step) if high > 0 else 0
    bottom = step * (low // step) if low < 0 else 0
    height = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + height * (top - value) / max(top - bottom, 1)

    return step, (y, top, bottom)


def _frame(title: str, step: float, axis: Any, running: int = 12) -> list[str]:
    y, top, bottom = axis
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
        f'font-size="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    value = bottom
    while value <= top:
        py = y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py:.1f}" y2="{py:.1f}" '
            f'stroke="{"#777" if value == 0 else "#ddd"}" stroke-width="1"/>'
            f'<text x="{LEFT - 4}" y="{py + 4:.1f}" text-anchor="end" fill="#444">{value:g}</text>'
        )
        value += step
    slot = (WIDTH - LEFT - RIGHT) / 12
    for index, name in enumerate(MONTH):
        x = LEFT + slot * (index + 0.5)
        colour = "#444" if index < running else "#888"
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle" fill="{colour}">'
            f"{name[:3]}</text>"
        )
    return parts


def monthly(months: list[dict[str, Any]], running: int = 12) -> Markup:
    """Net removals of each month as bars, the month's target as a line over them.

    Months after the ``running``-th have not begun: their bars (decisions already taken that
    take effect then) are drawn pale and titled "belum berjalan", never as a finished month.
    """
    values = [int(m["net_removals"]) for m in months]
    targets = [int(m["target"]) for m in months]
    step, axis = _scale(min(0, *values), max(1, *values, *targets))
    y = axis[0]
    parts = _frame("Penonaktifan bersih per bulan dibanding target bulanan", step, axis, running)
    slot = (WIDTH - LEFT - RIGHT) / 12
    for index, (value, month) in enumerate(zip(values, months, strict=True)):
        x = LEFT + slot * index + slot * 0.18
        top, base = sorted((y(value), y(0)))
        future = index >= running
        label = f"{MONTH[index]}: {value} dinonaktifkan, target {month['target']}"
        if future:
            label += " (belum berjalan)"
        parts.append(
            f'<rect class="bar{" future" if future else ""}" x="{x:.1f}" y="{top:.1f}" '
            f'width="{slot * 0.64:.1f}" height="{max(base - top, 0.5):.1f}" '
            f'fill="{FUTURE if future else BAR}"><title>{escape(label)}</title></rect>'
        )
        if value:
            parts.append(
                f'<text x="{x + slot * 0.32:.1f}" y="{top - 3:.1f}" text-anchor="middle" '
                f'fill="{BAR}" font-weight="bold">{value}</text>'
            )
    points = " ".join(
        f"{LEFT + slot * i:.1f},{y(t):.1f} {LEFT + slot * (i + 1):.1f},{y(t):.1f}"
        for i, t in enumerate(targets)
    )
    parts.append(
        f'<polyline class="target" points="{points}" fill="none" stroke="{TARGET}" '
        'stroke-width="2" stroke-dasharray="5 3"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def cumulative(months: list[dict[str, Any]], annual_target: int, through: int) -> Markup:
    """Cumulative net removals (up to month ``through``) against the cumulative target line."""
    reached = [int(m["cumulative_net"]) for m in months[:through]]
    targets = [int(m["cumulative_target"]) for m in months]
    step, axis = _scale(min(0, *reached, 0), max(1, annual_target, *targets, *reached))
    y = axis[0]
    parts = _frame("Kumulatif penonaktifan dibanding target tahunan", step, axis)
    slot = (WIDTH - LEFT - RIGHT) / 12
    target_points = " ".join(
        f"{LEFT + slot * (i + 0.5):.1f},{y(t):.1f}" for i, t in enumerate(targets)
    )
    parts.append(
        f'<polyline class="target" points="{target_points}" fill="none" stroke="{TARGET}" '
        'stroke-width="2" stroke-dasharray="5 3"/>'
    )
    if reached:
        line = " ".join(f"{LEFT + slot * (i + 0.5):.1f},{y(v):.1f}" for i, v in enumerate(reached))
        parts.append(
            f'<polyline class="cumulative" points="{line}" fill="none" stroke="{CUMULATIVE}" '
            'stroke-width="3"/>'
        )
        last = len(reached) - 1
        parts.append(
            f'<circle cx="{LEFT + slot * (last + 0.5):.1f}" cy="{y(reached[-1]):.1f}" r="4" '
            f'fill="{CUMULATIVE}"><title>{escape(str(reached[-1]))}</title></circle>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
