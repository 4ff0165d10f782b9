from flask import Blueprint
from flask_login import login_required

bp = Blueprint("petitions", __name__, url_prefix="/petitions")


@bp.get("/")
@login_required
def register():
    return "TODO"


@bp.get("/new")
@login_required
def new():
    return "TODO"


@bp.get("/search")
@login_required
def search():
    return "TODO"
