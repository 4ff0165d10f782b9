"""The cases blueprint: what its pages share (how a deadline reads, labels, sums), the filter
forms' choices, and the pages themselves, one module each:

- lists.py: the case lists (open cases, mine, overdue and due soon);
- page.py: the case page;
- actions.py: the workflow steps, assignment, complexity, merge, split, apology letters.

Petition processing lives with the petitions (petitions/processing_views.py), the working
calendar in its own package (complaints/calendar/), the list queries in queries.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint
from flask_login import current_user

from complaints.cases.models import CITIZEN_PERIODS, CaseState, Deadline
from complaints.cases.queries import handlers, next_duty
from complaints.cases.workflow import event_label, step_label
from complaints.core import clock
from complaints.core.forms import pairs_choices
from complaints.core.numbers import fmt_date, fmt_decimal, fmt_int, round_decimal
from complaints.core.translate import L_, N_
from complaints.core.translate import gettext as _
from complaints.web import helpers
from complaints.web.helpers import offer_units

bp = Blueprint("cases", __name__, url_prefix="/cases")

STALE = N_("Vụ việc vừa được người khác cập nhật. Hãy tải lại trang để xem thay đổi rồi làm lại.")
DAY_TYPES = {"working": L_("ngày làm việc"), "calendar": L_("ngày")}


def deadline_status(d: Deadline, day: date) -> tuple[str, str]:
    """(css class, Vietnamese text) for a deadline as of day."""
    if d.met_on is not None:
        late = (d.met_on - d.due).days
        text = _("Đã thực hiện %(day)s", day=fmt_date(d.met_on))
        return (
            ("late", _("%(text)s, trễ %(late)s ngày", text=text, late=late))
            if late > 0
            else ("met", _("%(text)s, đúng hạn", text=text))
        )
    if not d.active:
        return ("retired", _("Không còn áp dụng"))
    left = (d.due - day).days
    if d.step in CITIZEN_PERIODS:
        return (
            "info",
            _("Đã hết") if left < 0 else _("Còn %(left)s ngày (thời hạn của công dân)", left=left),
        )
    if left < 0:
        return ("overdue", _("Quá hạn %(left)s ngày", left=-left))
    if left == 0:
        return ("due", _("Hết hạn hôm nay"))
    return ("due" if left <= 7 else "ok", _("Còn %(left)s ngày", left=left))


def _money(value) -> str:
    return fmt_int(int(value or 0))


def _area(value) -> str:
    return fmt_decimal(round_decimal(Decimal(value or 0), 1), 1)


@bp.context_processor
def _helpers():
    return {
        "today": clock.today(),
        "deadline_status": deadline_status,
        "next_duty": next_duty,
        # a step as who took it, or as the user who may take it, calls it (cases/workflow.py)
        "event_label": event_label,
        "step_label": lambda action: step_label(action, current_user),
        "state_label": lambda value: CaseState(value).label if value else "",
        "day_type_label": lambda value: DAY_TYPES.get(value, value),
        "money": _money,
        "area": _area,
    }


def handler_choices(field, blank: list[tuple], units_field) -> None:
    """The filter's handlers ("Name (UNIT)", after `blank` ones): the user's units' case
    handlers; past UNIT_CHOICES_MAX of them (a country's centre: thousands), those of the units
    the unit filter offers (around the unit chosen) and the one chosen."""
    rows = handlers(current_user)
    if len(rows) > helpers.UNIT_CHOICES_MAX:
        near = {c.value for c in units_field.choices}
        rows = [u for u in rows if u.unit_id in near or u.id == field.data]
    field.choices = pairs_choices(blank + [(u.id, f"{u.full_name} ({u.unit_code})") for u in rows])


def all_units(field) -> None:
    """The unit filter's choices: every unit of the user's, after "all units"."""
    offer_units(field, _("Tất cả đơn vị"))


# The pages register their routes on bp.
from complaints.cases import actions, lists, page  # noqa: E402, F401
