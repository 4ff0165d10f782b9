"""The citizen's page (/tra-cuu, public) and the staff's side of it: the printed slip with the
receipt code, the codes on the visit receipt, and the leaders' list of ratings."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import selectinload

from complaints.citizen import codes
from complaints.citizen import operations as ops
from complaints.citizen import status as citizen_status
from complaints.citizen.forms import SCORE_LABELS, LookupForm, RatingForm
from complaints.citizen.models import COMMENT_MAX, CitizenRating
from complaints.core import clock, confidentiality
from complaints.core.access import in_scope, load_scoped, require
from complaints.core.db import MAX_ID
from complaints.core.numbers import LOCAL_TZ, fmt_date, fmt_decimal, round_decimal
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.petitions.models import Petition
from complaints.web.helpers import page_number
from complaints.web.transaction import attempt

bp = Blueprint("citizen", __name__, url_prefix="/tra-cuu")
staff = Blueprint("citizen_staff", __name__, url_prefix="/citizen")

TOKEN_SALT = "citizen-rating"  # noqa: S105  a namespace for signatures, not a secret
TOKEN_MAX_AGE = 30 * 60  # a looked-up page may be rated for half an hour
RATINGS_PAGE_SIZE = 50


def public_url() -> str:
    """Where citizens open the page: CITIZEN_PUBLIC_URL when the public address differs from
    the one staff use (an intranet host), else this application's own address."""
    return current_app.config.get("CITIZEN_PUBLIC_URL") or url_for("citizen.lookup", _external=True)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=TOKEN_SALT)


def _token_for(petition: Petition) -> str:
    return _serializer().dumps({"p": petition.id, "c": petition.receipt_code})


def _petition_from_token(token: str) -> Petition | None:
    try:
        data = _serializer().loads(token or "", max_age=TOKEN_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    petition = db.session.get(Petition, int(data.get("p", 0))) if isinstance(data, dict) else None
    if petition is None or petition.receipt_code != data.get("c"):
        return None
    return petition


def _retry_message(until: datetime, at: datetime) -> str:
    minutes = max(1, math.ceil((until - at).total_seconds() / 60))
    local = until.astimezone(LOCAL_TZ)
    return _(
        "Ông/bà đã nhập sai mã tra cứu hoặc các số cuối quá nhiều lần, nên việc tra cứu tạm "
        "dừng để bảo vệ thông tin. Vui lòng thử lại sau %(time)s ngày %(day)s "
        "(khoảng %(minutes)s phút nữa).",
        time=f"{local:%H:%M}",
        day=f"{local:%d/%m/%Y}",
        minutes=minutes,
    )


def _not_found_message(remaining: int | None) -> str:
    text = _(
        "Không tìm thấy đơn với mã tra cứu và các số cuối đã nhập. Vui lòng kiểm tra lại mã in "
        "trên giấy biên nhận và số điện thoại hoặc số CCCD đã ghi trong đơn."
    )
    if remaining is not None:
        text += (
            _(" Còn %(remaining)s lần thử trước khi việc tra cứu tạm dừng.", remaining=remaining)
            if remaining
            else _(" Việc tra cứu tạm dừng; vui lòng thử lại sau ít phút.")
        )
    return text


def _rating_view(rating: CitizenRating | None) -> dict | None:
    if rating is None:
        return None
    return {
        "score": rating.score,
        "label": SCORE_LABELS.get(rating.score, ""),
        "comment": rating.comment,
        "on": fmt_date(rating.rated_on),
    }


def _result_page(petition: Petition, rating_form: RatingForm | None = None, **extra):
    """The petition's status, and the rating form when it is finished and not yet rated."""
    result = citizen_status.build(petition, clock.today())
    rating = _rating_view(ops.rating_of(petition))
    if result.finished and rating is None and rating_form is None:
        rating_form = RatingForm(formdata=None)
    if rating_form is not None:
        rating_form.token.data = _token_for(petition)
    return render_template(
        "citizen/lookup.html",
        form=None,
        result=result,
        rating=rating,
        rating_form=rating_form if result.finished and rating is None else None,
        comment_max=COMMENT_MAX,
        **extra,
    )


@bp.route("", methods=["GET", "POST"])
def lookup():
    """Tra cứu: the receipt code and the last digits give the petition's state, or one answer
    for everything else (unknown code, wrong digits), under the rate limit."""
    form = LookupForm()
    if not form.validate_on_submit():
        return render_template("citizen/lookup.html", form=form, result=None)
    at = clock.now()
    found = ops.lookup(
        form.code.data,
        form.digits.data,
        request.remote_addr or "",
        at,
        ops.Limits.from_config(current_app.config),
    )  # its failures are committed by the look-up: kept whatever the answer
    if found.retry_at is not None:
        form.digits.data = ""
        message = _retry_message(found.retry_at, at)
        return render_template("citizen/lookup.html", form=form, result=None, error=message), 429
    if not found.found:
        form.digits.data = ""
        message = _not_found_message(found.remaining)
        return render_template("citizen/lookup.html", form=form, result=None, error=message)
    return _result_page(found.petition)


@bp.get("/")
def lookup_slash():
    """/tra-cuu/ as typed from paper: the same page."""
    return redirect(url_for("citizen.lookup"))


@bp.post("/danh-gia")
def rate():
    """The rating of a finished petition, sent from the page a look-up showed."""
    form = RatingForm()
    petition = _petition_from_token(form.token.data) if form.is_submitted() else None
    if petition is None or not form.validate_on_submit():
        if petition is None:
            lookup_form = LookupForm(formdata=None)
            return (
                render_template(
                    "citizen/lookup.html",
                    form=lookup_form,
                    result=None,
                    error=_("Phiên tra cứu đã hết hạn. Vui lòng tra cứu lại rồi đánh giá."),
                ),
                400,
            )
        return _result_page(petition, rating_form=form), 400
    with attempt() as saved:
        ops.rate(petition, form.score.data, form.comment.data, today=clock.today())
    if not saved.ok:
        e = saved.error
        petition = db.session.get(Petition, petition.id)
        if e.field:
            getattr(form, e.field).errors = [str(e)]
            return _result_page(petition, rating_form=form), 400
        return _result_page(petition, error=str(e)), 400
    return _result_page(petition, thanks=True)


# --- staff: the slip, the codes on the visit receipt, the ratings --------------------------


def code_shown(petition: Petition) -> bool:
    """The code is handed to the sender: shown to the staff who may see who sent it."""
    return confidentiality.may_see_identity(current_user, petition)


@bp.app_template_global("receipt_code")
def receipt_code_global(petition: Petition) -> str:
    """The printed code of a petition for the current user, or "" when it is not theirs to see."""
    return codes.display(petition.receipt_code) if code_shown(petition) else ""


@bp.app_template_global("visit_receipt_codes")
def visit_receipt_codes(visit) -> list[tuple[str, str]]:
    """(register number, code) of the petitions registered from a visit, for its receipt."""
    petitions = db.session.scalars(
        sa.select(Petition)
        .where(Petition.visit_id == visit.id, in_scope(current_user, Petition.unit_id))
        .order_by(Petition.id)
    ).all()
    return [(p.register_no, codes.display(p.receipt_code)) for p in petitions if code_shown(p)]


@bp.app_template_global("citizen_public_url")
def citizen_public_url() -> str:
    return public_url()


@staff.get("/slip/<int:petition_id>")
@login_required
@require("petition.view")
def slip(petition_id: int):
    """Phiếu tra cứu: the code and how to use it, printed and handed to the citizen."""
    if petition_id > MAX_ID:
        return render_template("errors.html", code=404, message=_("Không tìm thấy đơn.")), 404
    petition = load_scoped(Petition, petition_id)
    if not code_shown(petition):
        return render_template(
            "errors.html", code=403, message=_("Bạn không có quyền xem mã tra cứu của đơn này.")
        ), 403
    return render_template(
        "citizen/slip.html",
        p=petition,
        code=codes.display(petition.receipt_code),
        url=public_url(),
        usable=ops.can_be_looked_up(petition),
        digits=ops.DIGITS,
    )


@staff.get("/ratings")
@login_required
@require("dashboard.view")
def ratings():
    """The citizens' ratings of the user's units, newest first, with their comments."""
    page_no = page_number()
    scope = in_scope(current_user, CitizenRating.unit_id)
    count, average = db.session.execute(
        sa.select(sa.func.count(), sa.func.avg(CitizenRating.score)).where(scope)
    ).one()
    rows = db.session.execute(
        sa.select(CitizenRating, Petition.id, Petition.register_no)
        .join(Petition, Petition.id == CitizenRating.petition_id)
        .where(scope)
        .options(selectinload(CitizenRating.unit))
        .order_by(CitizenRating.rated_on.desc(), CitizenRating.id.desc())
        .limit(RATINGS_PAGE_SIZE)
        .offset((page_no - 1) * RATINGS_PAGE_SIZE)
    ).all()
    average_text = ""
    if count:
        average_text = fmt_decimal(round_decimal(Decimal(str(average)), 1), 1)
    return render_template(
        "citizen/ratings.html",
        rows=rows,
        count=int(count),
        average_text=average_text,
        page_no=page_no,
        pages=max(1, math.ceil(count / RATINGS_PAGE_SIZE)),
        labels=SCORE_LABELS,
    )
