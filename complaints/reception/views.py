from flask import Blueprint
from flask_login import login_required

bp = Blueprint("reception", __name__, url_prefix="/reception")


@bp.get("/sessions")
@login_required
def sessions():
    return "TODO"


@bp.get("/log")
@login_required
def log():
    return "TODO"
