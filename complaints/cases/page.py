"""The case page: the file, its petitions, deadlines, notices, apology letters and timeline."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from complaints.cases import apology
from complaints.cases import deadlines as case_deadlines
from complaints.cases import operations as ops
from complaints.cases.forms import ApologySentForm
from complaints.cases.models import ApologyLetter, Case, CaseEvent, ComplexityCriterion
from complaints.cases.views import bp
from complaints.core import clock, confidentiality
from complaints.core.access import require
from complaints.extensions import db
from complaints.notices import registry
from complaints.web.forms import CsrfOnlyForm
from complaints.web.helpers import load


def render_case(case: Case, failed: dict[int, ApologySentForm] | None = None):
    """The case page; a failed inline form (apology letter sent) comes back with its errors."""
    t = clock.today()
    petitions = ops.case_petitions(case)
    reader = confidentiality.reader().load([case, *petitions], case_file=True)
    events = db.session.scalars(
        sa.select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .options(joinedload(CaseEvent.actor))
        .order_by(CaseEvent.occurred_on, CaseEvent.id)
    ).all()
    deadlines = list(case.deadlines)
    letters = db.session.scalars(
        sa.select(ApologyLetter)
        .where(ApologyLetter.case_id == case.id)
        .options(joinedload(ApologyLetter.deadline))
        .order_by(ApologyLetter.id)
    ).all()
    # Each branch an index seek; an empty IN list would turn the OR into a scan of all cases.
    linked = [Case.parent_case_id == case.id, Case.merged_into_id == case.id]
    if case.parent_case_id or case.merged_into_id:
        linked.append(Case.id.in_([i for i in (case.parent_case_id, case.merged_into_id) if i]))
    related = db.session.scalars(sa.select(Case).where(sa.or_(*linked))).all()
    sent_forms = {letter.id: ApologySentForm(formdata=None) for letter in letters}
    for letter in letters:
        sent_forms[letter.id].on.data = t
    sent_forms.update(failed or {})
    html = render_template(
        "cases/case.html",
        case=case,
        petitions=petitions,
        events=events,
        documents=[e for e in events if e.doc_no],
        active=[d for d in deadlines if d.active],
        retired=[d for d in deadlines if not d.active],
        undeadlined=case_deadlines.undeadlined(case),
        missed=apology.missed_deadlines_without_letter(case, t),
        letters=letters,
        letter_links={letter.id: registry.letter_link(letter) for letter in letters},
        sent_forms=sent_forms,
        button=CsrfOnlyForm(formdata=None),
        related=related,
        actions=case.actions_for(current_user),
        notices=registry.case_links(case) if case.can_print_notices(current_user) else [],
        criteria=[ComplexityCriterion(c).label for c in case.complexity_criteria or []],
        content=ops.verifier_content(case) if not reader.sees(case) else case.summary,
    )
    shown = confidentiality.shown_to(current_user, petitions, case_file=True)
    confidentiality.record_view(
        current_user, where="hồ sơ vụ việc", petitions=[p for p in shown if p.senders]
    )
    return html


@bp.get("/<int:case_id>")
@login_required
@require("case.view")
def case_page(case_id: int):
    return render_case(load(Case, case_id))
