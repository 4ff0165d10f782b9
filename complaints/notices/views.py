"""Notice pages: each notice of a case, a petition or an apology letter, as a printable HTML
page or (``?format=docx``) as a Word file to edit before signing."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from complaints.cases.models import ApologyLetter, Case
from complaints.core import confidentiality
from complaints.core.access import require
from complaints.core.db import MAX_ID
from complaints.extensions import db
from complaints.notices import docx, registry, render
from complaints.petitions.models import Petition
from complaints.web import error_response
from complaints.web.helpers import load

bp = Blueprint("notices", __name__, url_prefix="/notices")

FORMATS = ("html", "docx")
CASE_KINDS = "any(" + ",".join(registry.CASE) + ")"
PETITION_KINDS = "any(" + ",".join(registry.PETITION) + ")"


def _format() -> str:
    fmt = request.args.get("format", "html")
    if fmt not in FORMATS:
        abort(400)
    return fmt


def _record_identity_view(notice: render.Notice, fmt: str) -> None:
    """Record that the notice shows a protected denouncer (LTC Art 47, 56)."""
    shown = db.session.scalars(
        sa.select(Petition)
        .where(Petition.id.in_(notice.revealed_petition_ids))
        .order_by(Petition.id)
    ).all()
    confidentiality.record_view(
        current_user,
        where=f"notice:{notice.key}",
        petitions=shown,
        on=(notice.entity_type, notice.entity_id, notice.unit_id),
        format=fmt,
    )


def _respond(notice: render.Notice, fmt: str):
    if notice.reveals_identity:
        _record_identity_view(notice, fmt)
    if fmt == "docx":
        return send_file(
            io.BytesIO(docx.to_docx(notice)),
            mimetype=render.DOCX_MIME,
            as_attachment=True,
            download_name=f"{notice.filename}.docx",
        )
    docx_url = url_for(request.endpoint, **request.view_args, **_extra_args(), format="docx")
    return render_template("notices/notice.html", notice=notice, docx_url=docx_url)


def _extra_args() -> dict:
    return {"n": request.args["n"]} if "n" in request.args else {}


def _build(builder, record, *args):
    try:
        return builder(record, current_user, *args), None
    except render.NoticeUnavailable as e:
        return None, error_response(409, str(e))


@bp.get(f"/case/<int:case_id>/<{CASE_KINDS}:kind>")
@login_required
@require("notice.print")
def case_notice(case_id: int, kind: str):
    """A notice of a case: acceptance, to the accused, refusal, extension, result, publication."""
    fmt = _format()
    case = load(Case, case_id)
    args = ()
    if kind == "extension" and "n" in request.args:
        raw = request.args["n"]
        if not raw.isdigit() or not 1 <= int(raw) <= 9:
            abort(400)
        args = (int(raw),)
    notice, refused = _build(registry.CASE[kind].build, case, *args)
    return refused or _respond(notice, fmt)


@bp.get(f"/petition/<int:petition_id>/<{PETITION_KINDS}:kind>")
@login_required
@require("notice.print")
def petition_notice(petition_id: int, kind: str):
    """A slip on a processed petition: transfer to the competent body, or guidance."""
    fmt = _format()
    petition = load(Petition, petition_id)
    notice, refused = _build(registry.PETITION[kind].build, petition)
    return refused or _respond(notice, fmt)


@bp.get("/apology/<int:letter_id>")
@login_required
@require("notice.print")
def apology(letter_id: int):
    """The apology letter (thư xin lỗi) for a deadline missed toward the citizen."""
    fmt = _format()
    letter = db.session.get(ApologyLetter, letter_id) if letter_id <= MAX_ID else None
    if letter is None:
        abort(404)
    # The letter has no unit relationship of its own: its case decides the scope.
    load(Case, letter.case_id)
    notice, refused = _build(registry.APOLOGY.build, letter)
    return refused or _respond(notice, fmt)
