"""Checking a report a unit sent: its figures beside the registers', every identity the
reported figures break, and each published rate against the quotient it claims, with the
rounding that reproduces it named ("79,63 = 176/221 làm tròn xuống (cắt bỏ) 2 chữ số thập
phân") or the rate flagged ("88,9% không phải là 238/316 (= 75,32%) theo cách làm tròn nào").

Pure: no database, no request. The comparison text is the content of the printed "Bảng đối
chiếu số liệu báo cáo", an administrative document: Vietnamese in every interface language,
like the report forms themselves. Only the messages for a form field go through gettext.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from complaints.core.numbers import (
    MAX_COUNT,
    fmt_decimal,
    fmt_int,
    fmt_percent_text,
    parse_vn_int,
    parse_vn_percent,
    round_decimal,
)
from complaints.core.text import shorten
from complaints.core.translate import gettext as _
from complaints.reports import figures as F
from complaints.reports.layouts import Layout

RATE = "competent.resolution_rate"
# The quotient each published rate claims, in the order tried: the form's own basis first
# (cases), then the petitions basis a unit may have chosen (ReportSettings.rate_basis).
RATE_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {
    RATE: (
        ("competent.resolved", "competent.cases"),
        ("competent.resolved_petitions", "competent.petitions"),
    ),
}
MODES = ("half_up", "truncate")
MAX_PLACES = 4  # a published rate with more decimals is not a rate anyone prints
MAX_LISTED = 4  # more candidate numerators than this are given as a range
# How the rate's parts are named in a sentence ("281 vụ việc đã giải quyết").
NOUNS = {
    "competent.resolved": "vụ việc đã giải quyết",
    "competent.cases": "vụ việc thuộc thẩm quyền",
    "competent.resolved_petitions": "đơn của vụ việc đã giải quyết",
    "competent.petitions": "đơn thuộc thẩm quyền",
}


# --- reading what was typed or found in a file ---------------------------------------------


def _shown(value) -> str:
    return shorten(str(value), 31)


def read_count(value) -> int:
    """A count as reported (typed text, or an .xlsx cell); ValueError with the message."""
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” không phải là số.", value=_shown(value)))
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(
                _("“%(value)s” không phải số nguyên (số vụ việc, số đơn...).", value=value)
            )
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(_("Số liệu không được âm."))
        if value > MAX_COUNT:
            raise ValueError(_("Số quá lớn: tối đa %(max)s.", max=fmt_int(MAX_COUNT)))
        return value
    text = str(value).strip()
    if text.startswith("-") and text[1:].strip()[:1].isdigit():
        raise ValueError(_("Số liệu không được âm."))
    try:
        return parse_vn_int(text)
    except ValueError:
        pass
    digits = text.replace(".", "").replace(" ", "").replace(",", "")
    if digits.isdigit() and len(digits) > 9:
        raise ValueError(_("Số quá lớn: tối đa %(max)s.", max=fmt_int(MAX_COUNT)))
    raise ValueError(
        _("“%(value)s” không phải số nguyên không âm (ví dụ 5.873).", value=_shown(value))
    )


def read_rate(value, places: int | None = None) -> Decimal:
    """A published rate (88,9 / 88.9 / 88,9%, or an .xlsx number shown with `places`
    decimals); ValueError with the message."""
    bad = _(
        "“%(value)s” không phải tỷ lệ phần trăm (ví dụ 88,24 hoặc 88,24%%).", value=_shown(value)
    )
    if isinstance(value, bool):
        raise ValueError(bad)
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise ValueError(bad)
        rate = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if places is not None:  # as the cell shows it: its number format's decimals
            rate = round_decimal(rate, min(places, MAX_PLACES))
        elif rate == rate.to_integral_value():
            rate = rate.to_integral_value()  # 100.0 is shown 100
        text = format(rate, "f")
    else:
        text = str(value)
    try:
        rate = parse_vn_percent(text)
    except ValueError:
        raise ValueError(bad) from None
    if rate > 1000:
        raise ValueError(bad)
    return rate


def read_entered(layout: Layout, raw: Mapping[str, object]) -> tuple[dict, dict[str, str]]:
    """The figures of a form as reported: {figure id: int, rate: "88,9"} and the errors by
    figure id. A blank cell is a figure not reported (not zero)."""
    figures: dict = {}
    errors: dict[str, str] = {}
    for column in layout.columns:
        value = raw.get(column.figure)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            if column.figure == RATE:
                places = raw.get(f"{RATE}#places")
                figures[RATE] = fmt_percent_text(read_rate(value, places))  # type: ignore[arg-type]
            else:
                figures[column.figure] = read_count(value)
        except ValueError as e:
            errors[column.figure] = str(e)
    return figures, errors


# --- the comparison -----------------------------------------------------------------------


@dataclass
class Line:
    """One figure of the form: reported, from the registers, and the difference."""

    figure: str
    group: str
    header: str
    reported: int | Decimal | None
    registers: int | Decimal | None
    difference: int | Decimal | None

    @property
    def differs(self) -> bool:
        return self.difference is not None and self.difference != 0

    @property
    def is_rate(self) -> bool:
        return self.figure == RATE


@dataclass
class Broken:
    """An identity the reported figures break: each side's parts and sum."""

    label: str
    left: list[tuple[str, int]]  # (header, value)
    right: list[tuple[str, int]]
    left_sum: int
    right_sum: int

    @property
    def text(self) -> str:
        left = " + ".join(fmt_int(v) for _, v in self.left)
        right = " + ".join(fmt_int(v) for _, v in self.right)
        if len(self.left) > 1:
            left += f" = {fmt_int(self.left_sum)}"
        if len(self.right) > 1:
            right += f" = {fmt_int(self.right_sum)}"
        return f"{left} ≠ {right}"


@dataclass
class RateCheck:
    """A published rate against the quotient it claims."""

    figure: str
    published: Decimal
    ok: bool | None  # None: not checkable (figures missing)
    message: str
    numerator: int | None = None
    denominator: int | None = None
    quotient: Decimal | None = None
    rounding: str | None = None  # "half_up_2", "truncate_1"..., "exact"
    hints: list[str] = field(default_factory=list)

    @property
    def published_text(self) -> str:
        return fmt_percent_text(self.published)

    @property
    def quotient_text(self) -> str:
        """The true quotient to 4 decimals, "…" when it goes on: 75,3165…"""
        if self.quotient is None:
            return ""
        shown = round_decimal(self.quotient, 4)
        return fmt_decimal(shown, 4) + ("" if shown == self.quotient else "…")


@dataclass
class Comparison:
    lines: list[Line]
    broken: list[Broken]
    identities_checked: int
    identities_unchecked: list[str]
    rates: list[RateCheck]

    @property
    def differences(self) -> list[Line]:
        return [line for line in self.lines if line.differs]

    @property
    def flagged_rates(self) -> list[RateCheck]:
        return [r for r in self.rates if r.ok is False]

    @property
    def consistent(self) -> bool:
        """Nothing to report: no difference, no broken identity, no wrong rate."""
        return not (self.differences or self.broken or self.flagged_rates)


def _headers(layout: Layout) -> dict[str, str]:
    return {c.figure: c.header for c in layout.columns}


def _rate_value(entered: Mapping) -> Decimal | None:
    text = entered.get(RATE)
    if text is None:
        return None
    try:
        return parse_vn_percent(text)
    except ValueError:
        return None


def compare(
    layout: Layout,
    entered: Mapping,
    registers: Mapping[str, int],
    registers_rate: Decimal | None = None,
    basis: str = "cases",
) -> Comparison:
    """The reported figures of a form beside the registers' (a report's total row). The
    registers' rate (on `basis`) is stated the way the unit printed its own: at its decimals,
    cut or rounded half-up, whichever gives the printed value (half-up when neither does), so
    that a rate the unit computed right never shows as a difference of rounding."""
    published = _rate_value(entered)
    if published is not None and registers_rate is not None:
        registers_rate = _as_published(published, *F.rate_terms(dict(registers), basis))
    lines = []
    for column in layout.columns:
        if column.figure == RATE:
            reported = published
            from_registers = registers_rate
        else:
            reported = entered.get(column.figure)
            from_registers = registers.get(column.figure)
        difference = (
            reported - from_registers
            if reported is not None and from_registers is not None
            else None
        )
        lines.append(
            Line(column.figure, column.group, column.header, reported, from_registers, difference)
        )
    broken, checked, unchecked = check_identities(layout, entered)
    return Comparison(lines, broken, checked, unchecked, check_rates(layout, entered))


def check_identities(layout: Layout, entered: Mapping) -> tuple[list[Broken], int, list[str]]:
    """The identities of figures.IDENTITIES whose figures are all columns of the form: those
    the reported figures break, how many were checked, and those lacking a reported figure."""
    headers = _headers(layout)
    broken, checked, unchecked = [], 0, []
    for ident in F.IDENTITIES:
        ids = (*ident.left, *ident.right)
        if not all(f in headers for f in ids):
            continue
        if not all(isinstance(entered.get(f), int) for f in ids):
            unchecked.append(ident.label)
            continue
        checked += 1
        left = [(headers[f], entered[f]) for f in ident.left]
        right = [(headers[f], entered[f]) for f in ident.right]
        left_sum, right_sum = sum(v for _, v in left), sum(v for _, v in right)
        if left_sum != right_sum:
            broken.append(Broken(ident.label, left, right, left_sum, right_sum))
    return broken, checked, unchecked


# --- rates --------------------------------------------------------------------------------


def places_of(value: Decimal) -> int:
    """The decimals a rate was published with: 88,9 -> 1; 88,90 -> 2; 100 -> 0."""
    return max(-int(value.as_tuple().exponent), 0)


def _pct(value: Decimal | Fraction, places: int = 2) -> str:
    """A quotient as shown in a message: 75,32 (half-up, `places` decimals)."""
    d = (
        value
        if isinstance(value, Decimal)
        else Decimal(value.numerator) / Decimal(value.denominator)
    )
    return fmt_decimal(round_decimal(d, places), places)


def _places_words(places: int) -> str:
    return "đến số nguyên" if places == 0 else f"{places} chữ số thập phân"


def rounding_name(mode: str, places: int) -> str:
    """'làm tròn 2 chữ số thập phân', 'làm tròn xuống (cắt bỏ) 1 chữ số thập phân'."""
    if mode == "truncate":
        if places == 0:
            return "làm tròn xuống (cắt bỏ phần thập phân) đến số nguyên"
        return f"làm tròn xuống (cắt bỏ) {_places_words(places)}"
    return f"làm tròn {_places_words(places)}"


@dataclass(frozen=True)
class Guess:
    quotient: Fraction  # in %
    places: int
    exact: bool  # the quotient is the published value itself, nothing rounded
    modes: tuple[str, ...]  # the roundings at the published decimals that give it

    @property
    def matches(self) -> bool:
        return self.exact or bool(self.modes)


def guess_rounding(published: Decimal, numerator: int, denominator: int) -> Guess | None:
    """How `published` (in %) comes from numerator/denominator: the roundings, half-up or
    truncated to the decimals it was published with, that reproduce it. None for a zero
    denominator (no rate exists)."""
    if denominator <= 0:
        return None
    q = Fraction(numerator * 100, denominator)
    places = places_of(published)
    exact = q == Fraction(published)
    modes = tuple(m for m in MODES if _rounded(q, places, m) == published)
    return Guess(q, places, exact, modes)


def _as_published(published: Decimal, numerator: int, denominator: int) -> Decimal | None:
    """numerator/denominator in % at the decimals of `published`, rounded the way that gives
    `published` if one does (guess_rounding), else half-up."""
    guess = guess_rounding(published, numerator, denominator)
    if guess is None:
        return None
    mode = guess.modes[0] if guess.modes else "half_up"
    return _rounded(guess.quotient, guess.places, mode)


def _rounded(q: Fraction, places: int, mode: str) -> Decimal:
    scaled = q * 10**places
    n = math.floor(scaled + Fraction(1, 2)) if mode == "half_up" else math.floor(scaled)
    return Decimal(n).scaleb(-places)


def numerators_for(published: Decimal, denominator: int, mode: str) -> range:
    """The numerators that give `published` over `denominator` under the rounding `mode` at
    the published decimals (never more than the denominator)."""
    places = places_of(published)
    step = Fraction(1, 10**places)
    value = Fraction(published)
    low, high = (value - step / 2, value + step / 2) if mode == "half_up" else (value, value + step)
    first = max(math.ceil(low * denominator / 100), 0)
    last = min(math.ceil(high * denominator / 100) - 1, denominator)
    return range(first, last + 1)


def denominators_for(published: Decimal, numerator: int, mode: str) -> range:
    """The denominators over which `numerator` gives `published` (never less than it)."""
    places = places_of(published)
    step = Fraction(1, 10**places)
    value = Fraction(published)
    low, high = (value - step / 2, value + step / 2) if mode == "half_up" else (value, value + step)
    if numerator <= 0 or low <= 0:
        return range(0)  # zero resolved gives 0% over any denominator: nothing to tell
    first = max(math.floor(Fraction(numerator * 100) / high) + 1, numerator, 1)
    last = math.floor(Fraction(numerator * 100) / low)
    return range(first, last + 1)


def _listed(values: range) -> str:
    if len(values) <= MAX_LISTED:
        return " hoặc ".join(fmt_int(v) for v in values)
    return f"từ {fmt_int(values[0])} đến {fmt_int(values[-1])}"


def _modes_words(modes: list[str], places: int) -> str:
    if len(modes) > 1:
        return f"làm tròn hoặc cắt bỏ, {_places_words(places)}"
    return rounding_name(modes[0], places)


def _candidates(published: Decimal, known: int, find, noun: str) -> str:
    """'281 vụ việc đã giải quyết (làm tròn 1 chữ số thập phân)', for each rounding that has
    a candidate; '' when none has."""
    places = places_of(published)
    found: dict[str, list[str]] = {}
    for mode in MODES:
        values = find(published, known, mode)
        if len(values):
            found.setdefault(_listed(values), []).append(mode)
    return "; ".join(
        f"{values} {noun} ({_modes_words(modes, places)})" for values, modes in found.items()
    )


def check_rates(layout: Layout, entered: Mapping) -> list[RateCheck]:
    """Each rate the report published, against the numerator and denominator it claims."""
    if RATE not in _headers(layout):
        return []
    published = _rate_value(entered)
    if published is None:
        return []
    return [check_rate(RATE, published, entered, _headers(layout))]


def check_rate(figure: str, published: Decimal, entered: Mapping, headers: Mapping) -> RateCheck:
    """One published rate: the pair it claims and the rounding that gives it, or the flag."""
    pairs = RATE_PAIRS[figure]
    shown = f"{fmt_percent_text(published)}%"
    if published > 100:  # resolved out of a total: never more than all of it
        return RateCheck(
            figure,
            published,
            False,
            f"Tỷ lệ {shown} vượt quá 100%: số đã giải quyết không thể nhiều hơn tổng số.",
        )

    def name(fid: str) -> str:
        return NOUNS.get(fid) or (headers.get(fid) or F.LABELS.get(fid, fid)).lower()

    complete = [
        (n, d)
        for n, d in pairs
        if isinstance(entered.get(n), int) and isinstance(entered.get(d), int)
    ]
    for n_id, d_id in complete:
        num, den = entered[n_id], entered[d_id]
        guess = guess_rounding(published, num, den)
        if guess is not None and guess.matches:
            return _matched(figure, published, num, den, guess, n_id != pairs[0][0])
    if complete:
        n_id, d_id = complete[0]
        return _flagged(figure, published, entered[n_id], entered[d_id], entered, headers, name)
    # The quotient cannot be checked: tell what the missing part would have to be.
    n_id, d_id = pairs[0]
    num, den = entered.get(n_id), entered.get(d_id)
    if isinstance(den, int) and den > 0:
        found = _candidates(published, den, numerators_for, name(n_id))
        if found:
            message = (
                f"Báo cáo không ghi số {name(n_id)}: với {fmt_int(den)} {name(d_id)}, tỷ lệ "
                f"{shown} ứng với {found}."
            )
            return RateCheck(figure, published, None, message, None, den)
        message = (
            f"Không có số {name(n_id)} nào cho tỷ lệ {shown} trên {fmt_int(den)} {name(d_id)}, "
            "theo bất kỳ cách làm tròn nào."
        )
        return RateCheck(figure, published, False, message, None, den)
    if isinstance(den, int) and den == 0:
        return _zero(figure, published, num, name(d_id))
    if isinstance(num, int):
        found = _candidates(published, num, denominators_for, name(d_id))
        tail = f": {fmt_int(num)} {name(n_id)} đạt {shown} khi có {found}." if found else "."
        return RateCheck(figure, published, None, f"Báo cáo không ghi số {name(d_id)}{tail}", num)
    message = (
        f"Không kiểm tra được tỷ lệ {shown}: báo cáo không ghi số {name(n_id)} và số {name(d_id)}."
    )
    return RateCheck(figure, published, None, message)


def _zero(figure: str, published: Decimal, num, what: str) -> RateCheck:
    message = (
        f"Tỷ lệ {fmt_percent_text(published)}% nhưng số {what} là 0: không có vụ việc thì không "
        "có tỷ lệ giải quyết (để trống hoặc ghi “–”)."
    )
    return RateCheck(figure, published, False, message, num, 0)


def _matched(
    figure: str, published: Decimal, num: int, den: int, guess: Guess, other_basis: bool
) -> RateCheck:
    text = fmt_percent_text(published)
    basis = " (tính theo số đơn)" if other_basis else ""
    if guess.exact:
        message = (
            f"{text} = {fmt_int(num)}/{fmt_int(den)}{basis}, đúng bằng thương "
            "(không phải làm tròn)."
        )
        rounding = "exact"
    else:
        mode = "half_up" if "half_up" in guess.modes else guess.modes[0]
        message = (
            f"{text} = {fmt_int(num)}/{fmt_int(den)}{basis} {rounding_name(mode, guess.places)}"
        )
        if len(guess.modes) > 1:
            message += " (cắt bỏ phần sau cũng cho cùng kết quả)"
        message += "."
        rounding = f"{mode}_{guess.places}"
    return RateCheck(figure, published, True, message, num, den, _decimal(guess.quotient), rounding)


def _decimal(q: Fraction) -> Decimal:
    return Decimal(q.numerator) / Decimal(q.denominator)


def _flagged(
    figure: str, published: Decimal, num: int, den: int, entered: Mapping, headers, name
) -> RateCheck:
    shown = f"{fmt_percent_text(published)}%"
    if den == 0:
        return _zero(figure, published, num, name(RATE_PAIRS[figure][0][1]))
    q = Fraction(num * 100, den)
    places = places_of(published)
    message = (
        f"{shown} không phải là {fmt_int(num)}/{fmt_int(den)} (= {_pct(q, max(places, 2))}%) "
        "theo cách làm tròn nào."
    )
    hints = [
        f"Tỷ lệ đúng: {fmt_decimal(_rounded(q, places, 'half_up'), places)}% "
        f"({rounding_name('half_up', places)}, như số liệu báo cáo đã ghi)."
    ]
    n_id, d_id = RATE_PAIRS[figure][0]
    found = _candidates(published, den, numerators_for, name(n_id))
    if found:
        hints.append(f"Với {fmt_int(den)} {name(d_id)}, tỷ lệ {shown} ứng với {found}.")
    hints += _other_quotients(published, entered, headers, n_id, d_id)
    return RateCheck(figure, published, False, message, num, den, _decimal(q), None, hints)


def _other_quotients(
    published: Decimal, entered: Mapping, headers: Mapping, n_id: str, d_id: str
) -> list[str]:
    """Another quotient of the report's own figures that gives the rate (the resolved over
    the new cases only...): a likely way it was computed. Not at 0 decimals, where too many
    quotients round alike to tell anything."""
    places = places_of(published)
    if places == 0:
        return []
    counts = {f: v for f, v in entered.items() if isinstance(v, int) and f in headers}
    pairs = [(n_id, d) for d in counts if d not in (n_id, d_id)]
    pairs += [(n, d_id) for n in counts if n not in (n_id, d_id)]
    hints = []
    for n, d in pairs:
        if n not in counts or d not in counts or not 0 < counts[n] <= counts[d]:
            continue
        guess = guess_rounding(published, counts[n], counts[d])
        if guess is not None and guess.matches and not guess.exact:
            mode = "half_up" if "half_up" in guess.modes else guess.modes[0]
            hints.append(
                f"Có thể tỷ lệ đã tính là {headers[n].lower()} / {headers[d].lower()}: "
                f"{fmt_int(counts[n])}/{fmt_int(counts[d])} {rounding_name(mode, places)} "
                f"= {fmt_percent_text(published)}%."
            )
    return hints
