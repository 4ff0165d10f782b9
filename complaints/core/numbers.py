"""Vietnamese formatting of numbers, percentages and dates (5.873; 88,24%; 05/01/2026)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def fmt_int(value: int | None, locale: str = "vi_VN") -> str:
    """An integer with the locale's grouping: 5873 -> "5.873" in Vietnamese."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0", locale=locale)


def round_decimal(value: Decimal, places: int, mode: str = "half_up") -> Decimal:
    """Round half-up (6,25 -> 6,3) or truncate; never the banker's half-to-even."""
    quantum = Decimal(1).scaleb(-places)
    return value.quantize(quantum, rounding=ROUND_HALF_UP if mode == "half_up" else ROUND_DOWN)


def fmt_decimal(value: Decimal, places: int, locale: str = "vi_VN") -> str:
    """An already-rounded decimal written with exactly `places` decimals."""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    # The value is already quantised, so Babel's own rounding has nothing left to round.
    return format_decimal(value, format=pattern, locale=locale, decimal_quantization=True)


def fmt_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy; an aware datetime is shown in Vietnam's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TZ)
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")
