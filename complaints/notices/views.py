"""Notice pages: each notice of a case, a petition or an apology letter, as a printable HTML
page or (``?format=docx``) as a Word file to edit before signing."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from complaints.cases.models import ApologyLetter, Case
from complaints.core import confidentiality
from complaints.core.access import require
from complaints.core.db import MAX_ID
from complaints.core.forms import Select, pairs_choices
from complaints.core.translate import L_
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.notices import docx, issuing, registry, render
from complaints.petitions.models import Petition
from complaints.units.models import Unit, UnitLeader
from complaints.web import error_response
from complaints.web.helpers import load
from complaints.web.transaction import attempt

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


class IssueForm(FlaskForm):
    """Cấp số và ký ban hành: the leader who signs (head: in the authority's name; deputy: on
    the head's behalf). Any value reaches the operation, which says what is wrong with it."""

    signer_id = Select(L_("Người ký"), validate_choice=False)


def _issuing(record, notice: render.Notice, form: IssueForm | None = None) -> dict | None:
    """What the page shows of the notice's issue: its number and signer once issued, else the
    form for those who may issue it."""
    if notice.key not in render.DOC_KIND or notice.entity_id is None:
        return None
    if notice.issued is not None:
        return {"issued": notice.issued, "form": form}
    if not issuing.may_issue(current_user, record):
        # Only the refusal of a request the page does not offer (a unit that follows the case).
        return {"issued": None, "form": form} if form is not None else None
    form = form or IssueForm()
    leaders = issuing.signers(db.session.get(Unit, notice.unit_id))
    form.signer_id.choices = pairs_choices(
        [("", _("— Chọn người ký —"))] + [(str(x.id), issuing.signer_label(x)) for x in leaders]
    )
    action = url_for(f"{request.blueprint}.issue_{notice.entity_type.split('_')[0]}_notice",
                     **request.view_args, **_extra_args())  # fmt: skip
    return {"form": form, "action": action, "leaders": leaders}


def _respond(notice: render.Notice, fmt: str, record=None, form=None, status: int = 200):
    if notice.reveals_identity:
        _record_identity_view(notice, fmt)
    if fmt == "docx":
        return send_file(
            io.BytesIO(docx.to_docx(notice)),
            mimetype=render.DOCX_MIME,
            as_attachment=True,
            download_name=f"{notice.filename}.docx",
        )
    page = request.endpoint.replace(".issue_", ".")  # the notice's own page
    docx_url = url_for(page, **request.view_args, **_extra_args(), format="docx")
    issue = _issuing(record, notice, form) if record is not None else None
    html = render_template("notices/notice.html", notice=notice, docx_url=docx_url, issue=issue)
    return html, status


def _extra_args() -> dict:
    return {"n": request.args["n"]} if "n" in request.args else {}


def _extension_n(kind: str) -> tuple:
    """The extension asked for (?n=), as the builder's extra argument."""
    if kind != "extension" or "n" not in request.args:
        return ()
    raw = request.args["n"]
    if not raw.isdigit() or not 1 <= int(raw) <= 9:
        abort(400)
    return (int(raw),)


def _leader(raw) -> UnitLeader | None:
    try:
        leader_id = int(raw or 0)
    except (TypeError, ValueError):
        return None
    return db.session.get(UnitLeader, leader_id) if 0 < leader_id <= MAX_ID else None


def _issue(record, kind: str, builder, *args):
    """Cấp số và ký ban hành, then back to the notice; a refusal is shown in the form."""
    form = IssueForm()
    with attempt(form) as saved:
        if not form.validate_on_submit():
            raise issuing.IssuingError(_("Phiên làm việc đã hết hạn; tải lại trang."), None)
        doc = issuing.issue(
            current_user,
            record,
            kind,
            signer=_leader(form.signer_id.data),
            n=args[0] if args else None,
        )
    if saved.ok:
        flash(
            _(
                "Đã cấp số %(number)s, %(name)s ký ban hành.",
                number=doc.number,
                name=doc.signer_name,
            ),
            "success",
        )
        page = request.endpoint.replace(".issue_", ".")
        return redirect(url_for(page, **request.view_args, **_extra_args()))
    notice, refused = _build(builder, record, *args)
    return refused or _respond(notice, "html", record, form, saved.status)


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
    case = load(Case, case_id, acting=True)  # a unit that only follows it prints nothing
    args = _extension_n(kind)
    notice, refused = _build(registry.CASE[kind].build, case, *args)
    return refused or _respond(notice, fmt, case)


@bp.post(f"/case/<int:case_id>/<{CASE_KINDS}:kind>/issue")
@login_required
@require("notice.issue")
def issue_case_notice(case_id: int, kind: str):
    """Number a case's notice in its authority's register and record who signs it."""
    case = load(Case, case_id, acting=True)
    return _issue(case, kind, registry.CASE[kind].build, *_extension_n(kind))


@bp.get(f"/petition/<int:petition_id>/<{PETITION_KINDS}:kind>")
@login_required
@require("notice.print")
def petition_notice(petition_id: int, kind: str):
    """A slip on a processed petition: transfer to the competent body, or guidance."""
    fmt = _format()
    petition = load(Petition, petition_id)
    notice, refused = _build(registry.PETITION[kind].build, petition)
    return refused or _respond(notice, fmt, petition)


@bp.post(f"/petition/<int:petition_id>/<{PETITION_KINDS}:kind>/issue")
@login_required
@require("notice.issue")
def issue_petition_notice(petition_id: int, kind: str):
    """Number a petition's slip in its unit's register and record who signs it."""
    petition = load(Petition, petition_id)
    return _issue(petition, kind, registry.PETITION[kind].build)


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
    load(Case, letter.case_id, acting=True)
    notice, refused = _build(registry.APOLOGY.build, letter)
    return refused or _respond(notice, fmt)
