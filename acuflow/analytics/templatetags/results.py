"""Formatting of rates for "Our results": whole per cents, the interval beside them."""

from __future__ import annotations

from typing import Any

from django import template

from acuflow.analytics.stats import MIN_N

register = template.Library()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)} %"


@register.filter
def pct(value: float | None) -> str:
    return _pct(value)


@register.filter
def ci(value: dict[str, Any] | None) -> str:
    """'60 % (50–69 %)' for a {rate, low, high} dict; '—' without a denominator."""
    if not value or value.get("rate") is None:
        return "—"
    return f"{_pct(value['rate'])} ({round(value['low'] * 100)}–{_pct(value['high'])})"


@register.filter
def few(n: int | None) -> bool:
    """Below the size at which a cell is read (greyed, never called pass or fail)."""
    return (n or 0) < MIN_N
