"""The petition register (sổ đơn): registration, the register, a petition's page, its scans,
corrections, and the search box over petitions and visits (tra cứu)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from complaints.core import clock, confidentiality
from complaints.core.access import has_permission, in_scope, require
from complaints.core.db import MAX_ID
from complaints.core.text import fold
from complaints.core.translate import N_
from complaints.core.translate import gettext as _
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.petitions import operations as ops
from complaints.petitions import storage, transfers
from complaints.petitions.forms import (
    EditPetitionForm,
    RegisterFilterForm,
    RegisterPetitionForm,
    SearchForm,
    TransferResultForm,
    UrgeForm,
)
from complaints.petitions.models import FORWARDED_SOURCES, Attachment, Petition, PetitionSource
from complaints.reception.models import Visit
from complaints.units.models import Unit
from complaints.units.roles import may_answer_transfer
from complaints.web.helpers import (
    load,
    offer_units,
    paginate_register,
    paginate_search,
    require_any,
)
from complaints.web.transaction import attempt

bp = Blueprint("petitions", __name__, url_prefix="/petitions")

# A browser never sends back a chosen file: after a refused save the scans must be chosen again.
LOST_FILES = N_(
    "Chưa lưu: sau khi sửa các lỗi, hãy chọn lại tệp đính kèm (trình duyệt không giữ tệp)."
)

MIN_TERM = 2


def visit_url(visit: Visit | None) -> str | None:
    """The reception page of a visit, when the reception feature serves one."""
    if visit is None:
        return None
    try:
        return url_for("reception.visit_detail", visit_id=visit.id)
    except BuildError:
        return None


def search_url(**changes) -> str:
    """The current search with some arguments changed (the two result groups page apart)."""
    args = {k: v for k, v in request.args.items() if v}
    args.update(changes)
    return url_for("petitions.search", **args)


def attachment_hint() -> str:
    return _(
        "Bản quét dạng %(types)s, mỗi tệp tối đa %(size)s; chọn được nhiều tệp một lúc.",
        types=storage.allowed_label(),
        size=storage.fmt_size(storage.max_bytes()),
    )


@bp.context_processor
def _helpers():
    return {
        "visit_url": visit_url,
        "search_url": search_url,
        "attachment_hint": attachment_hint,
        "PetitionKind": PetitionKind,
        "FORWARDED": " ".join(sorted(s.value for s in FORWARDED_SOURCES)),
    }


# --- helpers ------------------------------------------------------------------------------


def _record_views(where: str, petitions=(), visits=()) -> None:
    """The shown protected identities of this page are recorded (after rendering it)."""
    confidentiality.record_view(
        current_user,
        where=where,
        petitions=confidentiality.shown_to(current_user, petitions),
        visits=confidentiality.shown_to(current_user, visits),
    )


def _visit_from_args() -> Visit | None:
    raw = request.args.get("visit_id", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        abort(404)
    return load(Visit, raw)


def _visit_petitions(visit: Visit | None) -> list[Petition]:
    """The petitions already registered from this visit (of the user's units)."""
    if visit is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Petition)
            .where(Petition.visit_id == visit.id, in_scope(current_user, Petition.unit_id))
            .order_by(Petition.id)
        )
    )


def _prefill_from_visit(form: RegisterPetitionForm, visit: Visit) -> None:
    form.source.data = PetitionSource.reception.value
    kinds = {visit.kind, *(p.kind for p in _visit_petitions(visit))}
    # A second petition of the same visit starts as the strictest kind already taken.
    strictest = PetitionKind.denunciation if PetitionKind.denunciation in kinds else visit.kind
    form.kind.data = PetitionKind(strictest).value
    form.summary.data = visit.content
    # The register of the unit that received the citizen: the Ban TCD's for a chairman's
    # session it recorded under UBND thành phố (its petitions go to its processing unit).
    form.unit_id.data = visit.receiving_unit.id
    form.received_date.data = visit.visit_date
    persons = sorted(visit.persons, key=lambda p: (not p.is_representative, p.position))
    if confidentiality.may_see_identity(current_user, visit):
        for entry, person in zip(form.senders.entries, persons, strict=False):
            entry.form.full_name.data = person.full_name
            entry.form.address.data = person.address
            entry.form.identity_no.data = person.identity_no
            entry.form.phone.data = person.phone
    filled = min(len(persons), len(form.senders.entries))
    form.signatory_count.data = max(visit.people_count or 1, filled, 1)


# --- registration -------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
@require("petition.register")
def new():
    visit = _visit_from_args()
    form = RegisterPetitionForm()
    form.visit = visit
    offer_units(form.unit_id)
    if not form.is_submitted():
        form.unit_id.data = current_user.unit_id
        form.received_date.data = clock.today()
        if visit is not None:
            _prefill_from_visit(form, visit)
            _record_views("vào sổ đơn từ lượt tiếp", visits=[visit])  # the persons prefilled
    if form.validate_on_submit():
        unit = load(Unit, form.unit_id.data)
        data = form.to_data(unit=unit, register_no=form.register_no.data or "")
        with attempt(form, place=_place_errors) as saved:
            petition = ops.register_petition(current_user, data, form.incoming)
        if saved.ok:
            flash(
                _("Đã vào sổ đơn số %(register_no)s.", register_no=petition.register_no), "success"
            )
            return redirect(url_for("petitions.detail", petition_id=petition.id))
    if form.is_submitted() and any(f.filename for f in request.files.values()):
        form.form_errors.append(_(LOST_FILES))
    return render_template(
        "petitions/form.html",
        form=form,
        petition=None,
        visit=visit,
        taken=_visit_petitions(visit),
    )


def _place_errors(form, error) -> None:
    for name, message in error.errors:
        form.place_error(name, message)


# --- the register and a petition's page ---------------------------------------------------


@bp.get("/")
@login_required
@require("petition.view")
def register():
    form = RegisterFilterForm(formdata=request.args)
    offer_units(form.unit_id, blank=_("Tất cả đơn vị"))
    form.validate()
    query = ops.register_query(
        current_user,
        date_from=form.value("date_from"),
        date_to=form.value("date_to"),
        kind=form.value("kind"),
        source=form.value("source"),
        field=form.value("field"),
        unit_id=form.value("unit_id"),
    )
    page = paginate_register(query)
    confidentiality.reader().load(page.items)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    html = render_template("petitions/register.html", form=form, page=page, args=args)
    _record_views("sổ đơn", petitions=page.items)
    return html


def _detail_page(petition: Petition, *, result_form=None, urge_form=None, status: int = 200):
    """A petition's page, with its hand-off inside the system: where the petition it was
    transferred to stands (its number, state, outcome: the receiver's page itself only for who
    may open it), the receiver's result and the urgings; the forms of who may use them."""
    sent = transfers.sent(petition)
    came = transfers.received(petition)
    t = clock.today()
    if sent is not None and urge_form is None and petition.can_process(current_user):
        urge_form = UrgeForm(formdata=None)
        urge_form.urged_on.data = t
    if (
        came is not None
        and result_form is None
        and has_permission(current_user, "petition.process")
        and may_answer_transfer(current_user, petition.unit)
    ):
        result_form = TransferResultForm(formdata=None)
        result_form.result_on.data = t
    shown_urge = urge_form if sent is not None and not sent.reported else None
    shown_result = result_form if came is not None else None
    # A refused form the page has no place for (an urging of a petition not transferred in
    # the system...): its messages at the top.
    refused = [
        m
        for f in (urge_form, result_form)
        if f is not None and f not in (shown_urge, shown_result)
        for m in (*f.form_errors, *(e for x in f for e in x.errors))
    ]
    html = render_template(
        "petitions/detail.html",
        p=petition,
        refused=refused,
        sent=sent,
        came=came,
        today=t,
        urge_form=shown_urge,
        result_form=shown_result,
    )
    _record_views("trang đơn", petitions=[petition])
    return html, status


@bp.get("/<int:petition_id>")
@login_required
@require("petition.view")
def detail(petition_id: int):
    return _detail_page(load(Petition, petition_id))


@bp.post("/<int:petition_id>/transfer-result")
@login_required
@require("petition.process")
def transfer_result(petition_id: int):
    """The receiver reports its result back to the unit that transferred the petition."""
    petition = load(Petition, petition_id)
    form = TransferResultForm()
    if form.validate_on_submit():
        with attempt(form) as saved:
            transfers.report_result(
                current_user,
                petition,
                text=form.result_text.data or "",
                on=form.result_on.data,
                doc_no=form.result_doc_no.data or "",
            )
        if saved.ok:
            flash(_("Đã báo cáo kết quả cho đơn vị chuyển đơn."), "success")
            return redirect(url_for("petitions.detail", petition_id=petition.id))
    return _detail_page(petition, result_form=form, status=422)


@bp.post("/<int:petition_id>/urge")
@login_required
@require("petition.process")
def urge(petition_id: int):
    """The sender urges the unit it transferred the petition to, with a new deadline."""
    petition = load(Petition, petition_id)
    form = UrgeForm()
    if form.validate_on_submit():
        with attempt(form) as saved:
            transfers.urge(
                current_user,
                petition,
                on=form.urged_on.data,
                answer_due=form.answer_due.data,
                doc_no=form.doc_no.data or "",
                note=form.note.data or "",
            )
        if saved.ok:
            flash(_("Đã ghi việc đôn đốc đơn vị nhận."), "success")
            return redirect(url_for("petitions.detail", petition_id=petition.id))
    return _detail_page(petition, urge_form=form, status=422)


@bp.get("/<int:petition_id>/attachments/<int:attachment_id>")
@login_required
@require("petition.view")
def attachment(petition_id: int, attachment_id: int):
    """A scan, for users of the petition's units (and, for a denunciation, allowed roles)."""
    petition = load(Petition, petition_id)
    row = db.session.get(Attachment, attachment_id) if attachment_id <= MAX_ID else None
    if row is None or row.petition_id != petition.id:
        abort(404)
    if not confidentiality.may_see_identity(current_user, petition):
        abort(403)  # a scan of a denunciation shows the denouncer's name and handwriting
    path = storage.path_for(row.storage_key)
    if not path.is_file():
        current_app.logger.error("attachment %s: file %s is missing", row.id, path)
        abort(404)
    data = path.read_bytes()
    filename, mime_type = row.filename, row.mime_type
    _record_views(f"tải tệp {filename}", petitions=[petition])
    response = send_file(
        io.BytesIO(data),
        mimetype=mime_type,
        as_attachment=True,
        download_name=filename,
        max_age=0,
        etag=False,
        conditional=False,
    )
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.route("/<int:petition_id>/edit", methods=["GET", "POST"])
@login_required
@require_any("petition.edit", "petition.register")
def edit(petition_id: int):
    petition = load(Petition, petition_id)
    if not petition.can_edit(current_user):
        abort(403)
    if request.method == "POST":
        form = EditPetitionForm()
    else:
        form = EditPetitionForm(obj=petition)
        form.version.data = petition.version
    form.visit = petition.visit
    status = 200
    if form.validate_on_submit():
        register_no = petition.register_no
        with attempt(form, place=_place_errors) as saved:
            ops.update_petition(
                current_user,
                petition,
                form.to_data(),
                form.incoming,
                expected_version=form.version_value(),
            )
        if saved.ok:
            flash(
                _("Đã lưu thay đổi của đơn số %(register_no)s.", register_no=register_no), "success"
            )
            return redirect(url_for("petitions.detail", petition_id=petition_id))
        status = saved.status  # a lost update: 409, as on every other edit page
    html = render_template("petitions/form.html", form=form, petition=petition, visit=None)
    _record_views("sửa đơn", petitions=[petition])  # the form shows the senders
    return html, status


# --- search -------------------------------------------------------------------------------


@bp.get("/search")
@login_required
@require("reception.view")
def search():
    form = SearchForm(formdata=request.args)
    form.validate()
    term = (form.q.data or "") if not form.q.errors else ""
    petitions = visits = None
    if term and len(fold(term)) < MIN_TERM:
        form.q.errors.append(_("Nhập ít nhất %(MIN_TERM)s ký tự để tìm.", MIN_TERM=MIN_TERM))
        term = ""
    if term:
        if has_permission(current_user, "petition.view"):
            petitions = paginate_search(ops.search_petitions(current_user, term), "pd")
        visits = paginate_search(ops.search_visits(current_user, term), "pv")
    found_p = petitions.items if petitions else []
    found_v = visits.items if visits else []
    confidentiality.reader().load([*found_p, *found_v])
    html = render_template(
        "petitions/search.html", form=form, term=term, petitions=petitions, visits=visits
    )
    _record_views("tra cứu", petitions=found_p, visits=found_v)
    return html
