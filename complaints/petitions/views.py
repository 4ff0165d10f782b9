"""The petition register (sổ đơn): registration, the register, a petition's page, its scans,
corrections, and the search box over petitions and visits (tra cứu)."""

from __future__ import annotations

import functools
import io

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
from markupsafe import Markup
from werkzeug.routing import BuildError

from complaints.core import audit, clock
from complaints.core.access import (
    PERMISSIONS,
    can_see_denouncer,
    has_permission,
    load_scoped,
    require,
)
from complaints.core.forms import pairs_choices
from complaints.core.text import fold
from complaints.core.translate import L_
from complaints.core.translate import gettext as _
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.petitions import operations as ops
from complaints.petitions import storage
from complaints.petitions.forms import (
    EditPetitionForm,
    RegisterFilterForm,
    RegisterPetitionForm,
    SearchForm,
)
from complaints.petitions.models import FORWARDED_SOURCES, Attachment, Petition, PetitionSource
from complaints.reception.models import Visit
from complaints.units.models import Unit
from complaints.units.operations import subtree

bp = Blueprint("petitions", __name__, url_prefix="/petitions")

REDACTED = L_("[Được bảo mật: thông tin người tố cáo]")
MAX_ID = 2**31 - 1  # larger ids cannot exist (INTEGER keys); PostgreSQL would reject them
MAX_PAGE = 100_000
MIN_TERM = 2


# --- the one place that decides whether a person's identity is shown ---------------------


def identity_shown(record) -> bool:
    """False for a denunciation (petition or visit) when the user may not see who denounced."""
    return record.kind != PetitionKind.denunciation or can_see_denouncer(current_user)


def redacted() -> Markup:
    return Markup('<span class="redacted">%s</span>') % REDACTED


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
        "identity_shown": identity_shown,
        "redacted": redacted,
        "visit_url": visit_url,
        "search_url": search_url,
        "attachment_hint": attachment_hint,
        "PetitionKind": PetitionKind,
        "FORWARDED": " ".join(sorted(s.value for s in FORWARDED_SOURCES)),
    }


# --- helpers ------------------------------------------------------------------------------


def require_any(*permissions: str):
    """View decorator: 403 unless the user holds one of the permissions."""
    for permission in permissions:
        if permission not in PERMISSIONS:
            raise KeyError(permission)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not any(has_permission(current_user, p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permissions = permissions  # read by permission-matrix tests
        return wrapped

    return decorator


def _load(model, object_id: int):
    if object_id > MAX_ID:
        abort(404)
    return load_scoped(model, object_id)


def _page(name: str = "page") -> int:
    page = request.args.get(name, 1, type=int)
    return min(max(page, 1), MAX_PAGE)


def _unit_choices(blank: str | None = None):
    root = current_user.unit
    pairs = [
        (u.id, ("— " * (u.depth - root.depth)) + f"{u.code} · {u.name}") for u in subtree(root)
    ]
    return pairs_choices(([(0, blank)] if blank is not None else []) + pairs)


def _log_identity_view(**what) -> None:
    """Record that a denouncer's identity was shown; done after rendering, before answering."""
    with audit.reading_page_log():
        ops.record_identity_view(current_user, **what)


def _visit_from_args() -> Visit | None:
    raw = request.args.get("visit_id", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        abort(404)
    return _load(Visit, int(raw))


def _prefill_from_visit(form: RegisterPetitionForm, visit: Visit) -> None:
    form.source.data = PetitionSource.reception.value
    form.kind.data = PetitionKind(visit.kind).value
    form.summary.data = visit.content
    form.unit_id.data = visit.unit_id
    form.received_date.data = visit.visit_date
    persons = sorted(visit.persons, key=lambda p: (not p.is_representative, p.position))
    if identity_shown(visit):
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
    form.unit_id.choices = _unit_choices()
    if not form.is_submitted():
        form.unit_id.data = current_user.unit_id
        form.received_date.data = clock.today()
        if visit is not None:
            _prefill_from_visit(form, visit)
    if form.validate_on_submit():
        unit = _load(Unit, form.unit_id.data)
        data = form.to_data(unit=unit, register_no=form.register_no.data or "")
        try:
            petition = ops.register_petition(current_user, data, form.incoming)
            register_no, petition_id = petition.register_no, petition.id
            db.session.commit()
        except ops.PetitionError as e:
            db.session.rollback()
            for name, message in e.errors:
                form.place_error(name, message)
        else:
            flash(_("Đã vào sổ đơn số %(register_no)s.", register_no=register_no), "success")
            return redirect(url_for("petitions.detail", petition_id=petition_id))
    return render_template("petitions/form.html", form=form, petition=None, visit=visit)


# --- the register and a petition's page ---------------------------------------------------


@bp.get("/")
@login_required
@require("petition.view")
def register():
    form = RegisterFilterForm(formdata=request.args)
    form.unit_id.choices = _unit_choices(blank=_("Tất cả đơn vị"))
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
    page = db.paginate(
        query, page=_page(), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    html = render_template("petitions/register.html", form=form, page=page, args=args)
    shown = [p.id for p in page.items if p.is_denunciation and identity_shown(p)]
    if shown:
        _log_identity_view(petition_ids=shown, where="sổ đơn")
    return html


@bp.get("/<int:petition_id>")
@login_required
@require("petition.view")
def detail(petition_id: int):
    petition = _load(Petition, petition_id)
    html = render_template("petitions/detail.html", p=petition)
    if petition.is_denunciation and identity_shown(petition):
        _log_identity_view(petition=petition, where="trang đơn")
    return html


@bp.get("/<int:petition_id>/attachments/<int:attachment_id>")
@login_required
@require("petition.view")
def attachment(petition_id: int, attachment_id: int):
    """A scan, for users of the petition's units (and, for a denunciation, allowed roles)."""
    petition = _load(Petition, petition_id)
    row = db.session.get(Attachment, attachment_id) if attachment_id <= MAX_ID else None
    if row is None or row.petition_id != petition.id:
        abort(404)
    if not identity_shown(petition):
        abort(403)  # a scan of a denunciation shows the denouncer's name and handwriting
    path = storage.path_for(row.storage_key)
    if not path.is_file():
        current_app.logger.error("attachment %s: file %s is missing", row.id, path)
        abort(404)
    data = path.read_bytes()
    filename, mime_type = row.filename, row.mime_type
    if petition.is_denunciation:
        _log_identity_view(petition=petition, where=f"tải tệp {filename}")
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
    petition = _load(Petition, petition_id)
    if not petition.can_edit(current_user):
        abort(403)
    if request.method == "POST":
        form = EditPetitionForm()
    else:
        form = EditPetitionForm(obj=petition)
        form.version.data = petition.version
    form.visit = petition.visit
    if form.validate_on_submit():
        try:
            ops.update_petition(
                current_user,
                petition,
                form.to_data(),
                form.incoming,
                expected_version=form.version_value(),
            )
            register_no = petition.register_no
            db.session.commit()
        except ops.PetitionError as e:
            db.session.rollback()
            for name, message in e.errors:
                form.place_error(name, message)
        else:
            flash(
                _("Đã lưu thay đổi của đơn số %(register_no)s.", register_no=register_no), "success"
            )
            return redirect(url_for("petitions.detail", petition_id=petition_id))
    html = render_template("petitions/form.html", form=form, petition=petition, visit=None)
    if request.method == "GET" and petition.is_denunciation:
        _log_identity_view(petition=petition, where="sửa đơn")
    return html


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
        see = can_see_denouncer(current_user)
        per_page = current_app.config["PAGE_SIZE"]
        if has_permission(current_user, "petition.view"):
            petitions = db.paginate(
                ops.search_petitions(current_user, term, see_denouncers=see),
                page=_page("pd"),
                per_page=per_page,
                error_out=False,
            )
        visits = db.paginate(
            ops.search_visits(current_user, term, see_denouncers=see),
            page=_page("pv"),
            per_page=per_page,
            error_out=False,
        )
    html = render_template(
        "petitions/search.html", form=form, term=term, petitions=petitions, visits=visits
    )
    shown_p = [p.id for p in (petitions.items if petitions else []) if p.is_denunciation]
    shown_v = [
        v.id for v in (visits.items if visits else []) if v.kind == PetitionKind.denunciation
    ]
    if (shown_p or shown_v) and can_see_denouncer(current_user):
        _log_identity_view(petition_ids=shown_p, visit_ids=shown_v, where="tra cứu")
    return html
