"""The leaders' dashboard: the page a leader opens every morning."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from complaints.core.access import require
from complaints.core.numbers import fmt_decimal
from complaints.dashboard import queries
from complaints.units.models import Unit
from complaints.web.helpers import load

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@login_required
@require("dashboard.view")
def index():
    """Tổng quan for the user's unit tree, or for one of its sub-units (?unit_id=)."""
    unit = current_user.unit
    if request.args.get("unit_id"):
        unit = load(Unit, request.args["unit_id"])  # 404 unless one of the user's units
    board = queries.build(unit, user=current_user)

    def rate_text(rate) -> str:
        return "–" if rate is None else fmt_decimal(rate, board.rate_places)

    return render_template(
        "dashboard/index.html",
        board=board,
        rate_text=rate_text,
        discipline_days=queries.DISCIPLINE_DAYS,
        due_soon_days=queries.DUE_SOON_DAYS,
        is_root=unit.id == current_user.unit_id,
        discipline=next(t.count for t in board.tiles if t.key == "discipline"),
    )
