"""The leaders' dashboard: the page a leader opens every morning."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from complaints.core.access import load_scoped, require
from complaints.core.numbers import fmt_decimal
from complaints.dashboard import queries
from complaints.units.models import Unit

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

MAX_ID = 2**31 - 1  # larger ids cannot exist (INTEGER keys); PostgreSQL would reject them


@bp.get("/")
@login_required
@require("dashboard.view")
def index():
    """Tổng quan for the user's unit tree, or for one of its sub-units (?unit_id=)."""
    unit = current_user.unit
    unit_id = request.args.get("unit_id", type=int)
    if "unit_id" in request.args and request.args["unit_id"] and unit_id is None:
        abort(404)
    if unit_id is not None:
        if not 0 < unit_id <= MAX_ID:
            abort(404)
        unit = load_scoped(Unit, unit_id)
    board = queries.build(unit)

    def rate_text(rate) -> str:
        return "–" if rate is None else fmt_decimal(rate, board.rate_places)

    return render_template(
        "dashboard/index.html",
        board=board,
        rate_text=rate_text,
        discipline_days=queries.DISCIPLINE_DAYS,
        due_soon_days=queries.DUE_SOON_DAYS,
        is_root=unit.id == current_user.unit_id,
    )
