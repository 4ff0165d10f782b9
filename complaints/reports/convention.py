"""A report's convention (quy ước tính), read from what the user asked for.

The report page, `flask report` and GET /api/v1/reports/<form> all read it here, from the same
parameters (basis, kinds, rounding, rounding_complaint, rounding_denunciation): what is not
given comes from the unit's report settings. The value object is figures.RateSettings."""

from __future__ import annotations

from collections.abc import Mapping

from complaints.core.errors import OperationError
from complaints.core.translate import gettext as _
from complaints.reports import figures as F

PARAMS = ("basis", "kinds", "rounding", "rounding_complaint", "rounding_denunciation")
KIND_ROUNDINGS = {"complaint": "rounding_complaint", "denunciation": "rounding_denunciation"}

# The printed words of a convention (the report shows which one it used), Vietnamese as the
# report itself.
BASIS_TEXT = {"cases": "tỷ lệ theo vụ việc", "petitions": "tỷ lệ theo đơn"}
KINDS_TEXT = {
    "both": "khiếu nại và tố cáo",
    "complaint": "chỉ khiếu nại",
    "denunciation": "chỉ tố cáo",
    "each": "khiếu nại, tố cáo tính riêng từng loại",
}
KIND_NAMES = {"complaint": "khiếu nại", "denunciation": "tố cáo"}


class ConventionError(OperationError):
    """A convention the rules refuse; `field` names the parameter, the message is for the
    user."""


def from_settings(settings) -> F.RateSettings:
    """The convention of a unit's report settings (service.settings_for)."""
    return F.RateSettings(
        basis=settings.rate_basis, rounding=settings.rounding, kinds=settings.rate_kinds
    )


def _choice(raw: Mapping, name: str, allowed, default, what: str, label):
    """A parameter's value among `allowed`; the refusal names each value with its meaning
    (the API and the command take the values, the page shows the meanings)."""
    value = raw.get(name)
    value = value.strip() if isinstance(value, str) else value
    if value in (None, ""):
        return default
    if value not in allowed:
        raise ConventionError(
            _(
                "%(what)s không hợp lệ: %(value)s. Chọn một trong: %(allowed)s.",
                what=what,
                value=str(value)[:40],
                allowed="; ".join(f"{a} ({label(a)})" for a in allowed),
            ),
            field=name,
        )
    return value


def parse(raw: Mapping, default: F.RateSettings) -> F.RateSettings:
    """The convention asked for in `raw` (request arguments, CLI options), each parameter
    missing or blank taken from `default` (the unit's settings); ConventionError otherwise.
    A kind's own rounding is only for kinds "each" (each kind's rate printed apart)."""
    basis = _choice(
        raw, "basis", F.RATE_BASES, default.basis, _("Cơ sở tính tỷ lệ"), BASIS_TEXT.get
    )
    kinds = _choice(
        raw, "kinds", F.RATE_KINDS, default.kinds, _("Loại việc tính tỷ lệ"), KINDS_TEXT.get
    )
    modes = tuple(F.ROUNDING_MODES)
    rounding = _choice(raw, "rounding", modes, default.rounding, _("Làm tròn"), rounding_text)
    own = {}
    for kind, name in KIND_ROUNDINGS.items():
        what = _("Làm tròn tỷ lệ %(kind)s", kind=KIND_NAMES[kind])
        own[name] = _choice(raw, name, modes, None, what, rounding_text)
        if own[name] and kinds != "each":
            raise ConventionError(
                _(
                    "Làm tròn riêng tỷ lệ %(kind)s chỉ dùng khi tính riêng từng loại "
                    "(kinds=each: khiếu nại, tố cáo tính riêng từng loại).",
                    kind=KIND_NAMES[kind],
                ),
                field=name,
            )
        if own[name] == rounding:
            own[name] = None  # the same as the report's: nothing of its own
    return F.RateSettings(basis, rounding, kinds, **own)


def as_args(convention: F.RateSettings) -> dict[str, str]:
    """The convention as address arguments (the page's links carry it)."""
    return dict(convention.as_dict())


def rounding_text(rounding: str) -> str:
    """'làm tròn 2 chữ số thập phân (nửa lên)', 'lấy phần nguyên (bỏ phần thập phân)'..."""
    places, mode = F.ROUNDING_MODES[rounding]
    if mode == "truncate":
        if not places:
            return "lấy phần nguyên (bỏ phần thập phân)"
        return f"lấy {places} chữ số thập phân (bỏ phần sau)"
    if not places:
        return "làm tròn đến số nguyên (nửa lên)"
    return f"làm tròn {places} chữ số thập phân (nửa lên)"


def describe(convention: F.RateSettings, form_kinds: tuple[str, ...] = ()) -> str:
    """'Quy ước: tỷ lệ theo đơn, khiếu nại và tố cáo, làm tròn 2 chữ số thập phân (nửa lên)'.
    `form_kinds`: a form that counts one kind by law (01/KQGQ, 03/KQGQ) says so instead."""
    if form_kinds:
        kinds = "loại việc theo mẫu (" + ", ".join(KIND_NAMES.get(k, k) for k in form_kinds) + ")"
        rounding = rounding_text(convention.rounding_for(form_kinds[0]))
    else:
        kinds = KINDS_TEXT[convention.kinds]
        rounding = rounding_text(convention.rounding)
        apart = [
            f"{KIND_NAMES[k]} {rounding_text(convention.rounding_for(k))}"
            for k, name in KIND_ROUNDINGS.items()
            if getattr(convention, name)
        ]
        if apart:
            rounding += "; riêng " + ", ".join(apart)
    return f"Quy ước: {BASIS_TEXT[convention.basis]}, {kinds}, {rounding}"
