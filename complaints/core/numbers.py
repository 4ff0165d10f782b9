"""Vietnamese formatting of numbers, percentages and dates (5.873; 88,24%; 05/01/2026)."""

from __future__ import annotations

import re
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


# --- reading numbers as Vietnamese offices type them -------------------------------------------

MAX_COUNT = 999_999_999  # no report counts a billion of anything: a longer number is a typo
_DIGITS = re.compile(r"\d{1,12}")
_GROUPED = {sep: re.compile(r"\d{1,3}(" + re.escape(sep) + r"\d{3})+") for sep in ". ,"}
_PERCENT = re.compile(r"(\d{1,4})(?:[.,](\d{1,4}))?")


def parse_vn_int(text) -> int:
    """A count as typed: 5873, 5.873 or 5 873 (5,873 too: a count has no decimals);
    ValueError for anything else (decimals, a sign, letters, more than MAX_COUNT)."""
    s = str(text).strip().replace("\u00a0", " ")
    if _DIGITS.fullmatch(s):
        value = int(s)
    elif any(p.fullmatch(s) for p in _GROUPED.values()):
        value = int(re.sub(r"\D", "", s))
    else:
        raise ValueError(text)
    if value > MAX_COUNT:
        raise ValueError(text)
    return value


def parse_vn_percent(text) -> Decimal:
    """A percentage as published: 88,9 or 88.9, with or without %, keeping the decimals it
    was written with (88,90 -> Decimal('88.90')); ValueError for anything else."""
    s = str(text).strip().replace("\u00a0", " ")
    if s.endswith("%"):
        s = s[:-1].rstrip()
    match = _PERCENT.fullmatch(s)
    if match is None:
        raise ValueError(text)
    whole, decimals = match.groups()
    return Decimal(f"{whole}.{decimals}" if decimals else whole)


def fmt_percent_text(value: Decimal) -> str:
    """A parsed percentage written back as published, with its own decimals: 88,90."""
    return str(value).replace(".", ",")


MIB = 1024 * 1024


def fmt_size(size: int) -> str:
    """A file's size as people read it: 512 byte, 300 KB, 10 MB, 10,5 MB. Megabytes carry one
    decimal and every unit is rounded up, so that a file over a limit never reads as the limit
    itself (10.485.761 byte: "10,1 MB", not "10 MB"); a whole number is written without
    decimals (a limit: "10 MB"). static/js/uploads.js writes a chosen file's size the same way."""
    if size >= MIB:
        if size % MIB == 0:
            return f"{fmt_int(size // MIB)} MB"
        tenths = -(-size * 10 // MIB)
        return f"{fmt_decimal(Decimal(tenths) / 10, 1)} MB"
    if size >= 1024:
        return f"{fmt_int(-(-size // 1024))} KB"
    return f"{fmt_int(size)} byte"
