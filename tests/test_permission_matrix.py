"""The permission matrix: every route of the URL map x every method x every role (and nobody
logged in), on a record of the user's unit tree and on one of another province.

EXPECTED below declares what each endpoint requires; the test fails when a route appears
without an entry, when the code's own permission marker disagrees with the entry, or when a
cell answers other than the rule says:
- nobody logged in: pages 302 to /login, /api/v1 401 JSON, public pages 200;
- a role without the permission: 403, and a POST writes nothing (audit chain length);
- a role with it, own record: GET 200 (or a redirect), POST with a CSRF token and an empty
  form 200/302/400/409/422, never 500; another province's record: 404;
- on every page a role may see, no link or form leads to a route the role may not use.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from complaints.api.base import ENDPOINTS
from complaints.core.access import PERMISSIONS, Role, has_permission

from .assurance_support import ROLES, World, audit_count, build_world, csrf_token, login, rules

PUBLIC, LOGIN = "public", "login"
# What ends the caller's own session: posted last.
ENDS_SESSION = {"auth.logout", "auth.sign_out_everywhere_own"}

# endpoint -> what it requires: a permission, a tuple (any of them), "login" or "public".
EXPECTED: dict[str, str | tuple[str, ...]] = {
    "web.home": LOGIN,
    "auth.login": PUBLIC,
    "auth.logout": LOGIN,
    "auth.account": LOGIN,
    "auth.sign_out_everywhere_own": LOGIN,
    "citizen.lookup": PUBLIC,
    "citizen.lookup_slash": PUBLIC,
    "citizen.rate": PUBLIC,
    "citizen_staff.ratings": "dashboard.view",
    "citizen_staff.slip": "petition.view",
    "admin.units": "units.manage",
    "admin.unit_form": "units.manage",
    "admin.leaders": "units.manage",
    "admin.users": "users.manage",
    "admin.user_form": "users.manage",
    "admin.user_sign_out_everywhere": "users.manage",
    "api_tokens.index": "api_tokens.manage",
    "api_tokens.revoke": "api_tokens.manage",
    "reception.log": "reception.view",
    "reception.sessions": "reception.view",
    "reception.session_detail": "reception.view",
    "reception.session_form": "reception.edit",
    "reception.visit_new": "reception.edit",
    "reception.visit_detail": "reception.view",
    "reception.visit_edit": "reception.edit",
    "reception.receipt": "reception.view",
    "petitions.register": "petition.view",
    "petitions.detail": "petition.view",
    "petitions.attachment": "petition.view",
    "petitions.transfer_result": "petition.process",
    "petitions.urge": "petition.process",
    "petitions.edit": ("petition.edit", "petition.register"),
    "petitions.new": "petition.register",
    "petitions.search": "reception.view",
    "cases.index": "case.view",
    "cases.case_page": "case.view",
    "cases.mine": "case.view",
    "cases.overdue": "case.view",
    "cases.action": "case.work",
    "cases.prepare_apology": "case.work",
    "cases.apology_sent": "case.work",
    "cases.assign": "case.assign",
    "cases.flags": "case.assign",
    "cases.merge": "case.merge",
    "cases.split": "case.merge",
    "calendar.index": "calendar.manage",
    "calendar.delete": "calendar.manage",
    "processing.pending": "petition.queue",
    "processing.petition": "petition.process",
    "notices.apology": "notice.print",
    "notices.case_notice": "notice.print",
    "notices.petition_notice": "notice.print",
    "notices.issue_case_notice": "notice.issue",
    "notices.issue_petition_notice": "notice.issue",
    "dashboard.index": "dashboard.view",
    "obligations.index": "obligations.view",
    "obligations.plan": "obligations.manage",
    "obligations.publish": "obligations.manage",
    "obligations.rules": "obligations.manage",
    "obligations.rule_form": "obligations.manage",
    "reports.index": "report.view",
    "reports.close": "report.close",
    "reports.closed_list": ("report.view", "report.reopen"),
    "reports.reopen": "report.reopen",
    "reports.records": "report.view",
    "reports.export_json": "report.view",
    "reports.export_xlsx": "report.view",
    "reports.settings": "report.settings",
    "reports.checks": "report.view",
    "reports.check_new": "report.check",
    "reports.check_page": "report.view",
    "reports.check_print": "report.view",
    "registers.index": "register.import",
    "registers.balance_page": "balance.manage",
    "registers.balance_delete": "balance.manage",
    "registers.balance_file_upload": "balance.manage",
    "registers.balance_template": "balance.manage",
    "registers.export": "register.export",
    "registers.upload": "register.import",
    "registers.job": "register.import",
    "registers.cancel": "register.import",
    "registers.columns": "register.import",
    "registers.confirm": "register.import",
    "registers.progress": "register.import",
    "registers.resume": "register.import",
    "registers.create_units": "register.import",
    "api.openapi_document": PUBLIC,
    "api.me": LOGIN,
    "api.units": LOGIN,
    "api.cases": "case.view",
    "api.case": "case.view",
    "api.events": "case.view",
    "api.action": "case.work",
    "api.assignment": "case.assign",
    "api.petitions": "petition.view",
    "api.petition": "petition.view",
    "api.register": "petition.register",
    "api.processing": "petition.process",
    "api.report": "report.view",
    "api.sessions": "reception.view",
    "api.session": "reception.view",
    "api.session_visits": "reception.view",
    "api.create_session": "reception.edit",
    "api.create_visit": "reception.edit",
    "api.visit": "reception.view",
}

# Path parameters that are not record ids.
FIXED = {
    "name": "start_verification",
    "action": "start_verification",
    "form": "summary",
    "day": "2026-05-01",
}
KIND = {
    "notices.case_notice": "acceptance",
    "notices.petition_notice": "guidance",
    "notices.issue_case_notice": "acceptance",
    "notices.issue_petition_notice": "guidance",
}
# Query strings without which a page or export has nothing to answer.
REPORT = "form=summary&unit={unit}&period=range&from=01/01/2026&to=30/06/2026"
QUERY = {
    "api.report": "?unit={unit}&from=2026-01-01&to=2026-06-30",
    "reports.records": f"?figure=petitions.received&{REPORT}",
    "reports.export_json": f"?{REPORT}",
    "reports.export_xlsx": f"?{REPORT}",
}
# Allowed GETs that legitimately answer something other than 200 on the fixtures.
ALLOWED_GET = {
    "petitions.attachment": {404},  # the fixtures hold no scan (uploads: test_security_uploads)
    "registers.job": {404},  # no import job in the fixtures (registers: test_registers_*)
    "registers.columns": {404},
    "registers.progress": {404},
    "notices.petition_notice": {409},  # a guidance letter for a petition accepted as a case
}
# POSTs that ask a second permission inside the view.
EXTRA_POST = {"registers.create_units": "units.manage"}
ALLOWED_POST = {200, 302, 303, 400, 404, 409, 415, 422}
ROLE_OR_ANON = [*ROLES, None]
FIGURES = Path(__file__).resolve().parent.parent / "test-artifacts" / "assurance-matrix.json"


def allowed(user, spec) -> bool:
    if spec == PUBLIC:
        return True
    if user is None:
        return False
    if spec == LOGIN:
        return True
    if isinstance(spec, tuple):
        return any(has_permission(user, p) for p in spec)
    return has_permission(user, spec)


def fill(rule, params: dict, own_params: dict) -> str:
    values = {}
    for arg in rule.arguments:
        if arg in FIXED:
            values[arg] = FIXED[arg]
        elif arg == "kind":
            values[arg] = KIND[rule.endpoint]
        else:
            values[arg] = params[arg]
    path = rule.build(values, append_unknown=False)[1]
    query = QUERY.get(rule.endpoint, "")
    return path + query.format(unit=params["unit_code"])


class Links(HTMLParser):
    """Every href and every form (action, method) of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(("GET", a["href"]))
        elif tag == "form":
            self.links.append(((a.get("method") or "GET").upper(), a.get("action") or ""))


def offered(app, html: str, here: str):
    """(method, endpoint, url) for each link or form of a page that leads into the app."""
    parser = Links()
    parser.feed(html)
    adapter = app.url_map.bind("localhost")
    for method, url in parser.links:
        parts = urlsplit(url or here)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        try:
            endpoint, _ = adapter.match(parts.path, method=method)
        except (NotFound, MethodNotAllowed, RequestRedirect):
            continue
        except HTTPException:
            continue
        if endpoint != "static":
            yield method, endpoint, url


def test_every_route_is_in_the_matrix(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()} - {"static"}
    assert endpoints - set(EXPECTED) == set(), "routes without an entry in EXPECTED"
    assert set(EXPECTED) - endpoints == set(), "entries of EXPECTED without a route"
    for spec in EXPECTED.values():
        for p in spec if isinstance(spec, tuple) else (spec,):
            assert p in PERMISSIONS or p in (PUBLIC, LOGIN), p


def test_the_code_agrees_with_the_matrix(app):
    """The permission markers the views carry (require, require_any, the API registry) are
    the ones EXPECTED declares: a decorator changed in the code shows up here."""
    api = {f"api.{e.name}": e for e in ENDPOINTS}
    for endpoint, spec in EXPECTED.items():
        view = app.view_functions[endpoint]
        if endpoint in api:
            e = api[endpoint]
            declared = PUBLIC if e.public else (e.permission or LOGIN)
        else:
            declared = getattr(view, "permission", None) or getattr(view, "permissions", None)
            if declared is None:
                continue  # login_required / public views: checked by the cells
        assert declared == spec, (endpoint, declared, spec)


def _check(app, client, world: World, role, cells: Counter, problems: list) -> None:
    user = world.users[role] if role is not None else None
    api_headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role is not None else {}
    if user is not None:
        login(client, user)
    token = csrf_token(client)
    own = {**world.own.params(), "unit_code": world.own.unit.code}
    other = {**world.other.params(), "unit_code": world.other.unit.code}
    label = role.value if role else "anonymous"
    posts = []
    for rule, method in rules(app):
        spec = EXPECTED[rule.endpoint]
        if method != "GET":
            posts.append((rule, method))
            continue
        may = allowed(user, spec)
        is_api = rule.rule.startswith("/api/")
        variants = [("own", own)] + ([("other", other)] if rule.arguments - set(FIXED) else [])
        for variant, params in variants:
            url = fill(rule, params, own)
            resp = client.get(url, headers=api_headers if is_api else {})
            cells[(label, method, variant)] += 1
            status = resp.status_code
            if not may:
                if user is None and is_api:
                    want = {401}
                elif user is None:
                    want = {302}
                else:
                    want = {403}
            elif variant == "other":
                want = {404}
            else:
                want = ALLOWED_GET.get(rule.endpoint, {200, 302})
            if user is None and not may and not is_api and status == 302:
                if not resp.location.startswith("/login"):
                    problems.append((label, method, url, variant, status, "→" + resp.location))
                continue
            if status not in want:
                problems.append((label, method, url, variant, status, sorted(want)))
                continue
            if may and status == 200 and resp.mimetype == "text/html":
                html = resp.get_data(as_text=True)
                for m, ep, link in offered(app, html, url):
                    cells[(label, "link", "offered")] += 1
                    if ep != "web.home" and not allowed(user, EXPECTED[ep]):
                        problems.append((label, "offers", url, m, ep, link))
    posts.sort(key=lambda rm: rm[0].endpoint in ENDS_SESSION)  # logging out comes last
    for rule, method in posts:
        spec = EXPECTED[rule.endpoint]
        may = allowed(user, spec)
        is_api = rule.rule.startswith("/api/")
        variants = [("own", own)] + ([("other", other)] if rule.arguments - set(FIXED) else [])
        for variant, params in variants:
            url = fill(rule, params, own)
            before = audit_count()
            if is_api:
                resp = client.open(
                    url, method=method, headers=api_headers, data="{}",
                    content_type="application/json",
                )  # fmt: skip
            else:
                resp = client.open(url, method=method, data={"csrf_token": token})
            cells[(label, method, variant)] += 1
            status = resp.status_code
            if not may:
                if user is None and is_api:
                    want = {401}
                elif user is None:
                    want = {302}
                else:
                    want = {403}
                if audit_count() != before:
                    problems.append((label, method, url, variant, "wrote while refused"))
            elif user is not None and not allowed(user, EXTRA_POST.get(rule.endpoint, LOGIN)):
                want = {403}
            elif variant == "other":
                # the API validates the body before it loads the record: an empty body is
                # refused alike for a record of one's own unit and another's (no existence leak)
                want = {404, 422} if is_api else {404}
            else:
                want = ALLOWED_POST
            if status not in want:
                problems.append((label, method, url, variant, status, sorted(want)))


@pytest.mark.parametrize("role", ROLE_OR_ANON, ids=lambda r: r.value if r else "anonymous")
def test_matrix(app, client, db, province, today, role):
    world = build_world(province)
    cells: Counter = Counter()
    problems: list = []
    _check(app, client, world, role, cells, problems)
    _record(role, cells)
    assert not problems, "\n".join(map(str, problems))


def _record(role, cells: Counter) -> None:
    """Keep the counts of cells for docs/assurance.md (one file per role, merged by hand)."""
    FIGURES.parent.mkdir(exist_ok=True)
    data = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    label = role.value if role else "anonymous"
    data[label] = {
        "cells": sum(v for (_, m, _v), v in cells.items() if m != "link"),
        "links_checked": sum(v for (_, m, _v), v in cells.items() if m == "link"),
        "db": os.environ.get("COMPLAINTS_TEST_DATABASE_URL", "sqlite").split("@")[-1],
    }
    FIGURES.write_text(json.dumps(data, indent=1, sort_keys=True))
    print(f"matrix {label}: {data[label]}")


_ = Role  # re-exported for readers of EXPECTED


# (page, role, what must be offered, what must not) on the pages named in the brief; the
# positive half proves the generic link check above is not vacuous.
OFFERED = [
    ("/cases/{case}", Role.leader, ["/cases/{case}/assign", "/cases/{case}/action/"], []),
    ("/cases/{case}", Role.case_handler, ["/cases/{case}/action/"], ["/assign", "/merge"]),
    ("/cases/{case}", Role.report_maker, [], ["/action/", "/assign", "/notices/", "/merge"]),
    ("/petitions/", Role.reception_officer, ["/petitions/new"], []),
    ("/petitions/", Role.case_handler, [], ["/petitions/new", "Vào sổ đơn"]),
    ("/petitions/{petition}", Role.petition_handler, ["/petitions/{petition}/edit"], []),
    ("/petitions/{petition}", Role.case_handler, [], ["/edit", "/cases/process/"]),
    ("/reception/sessions/{session}", Role.reception_officer, ["/visits/new"], []),
    ("/reception/sessions/{session}", Role.case_handler, [], ["/visits/new", "/edit"]),
    ("/reception/sessions/{session}", Role.report_maker, [], ["/visits/new", "/edit"]),
    ("/reports/?" + REPORT, Role.report_maker, ['action="/reports/close'], []),
    ("/reports/?" + REPORT, Role.leader, [], ['action="/reports/close', "/reports/settings"]),
]


@pytest.mark.parametrize(("page", "role", "present", "absent"), OFFERED)
def test_actions_offered_only_to_whom_may(app, client, db, province, today, page, role,
                                          present, absent):  # fmt: skip
    world = build_world(province)
    ids = {
        "case": world.own.case.id,
        "petition": world.own.petition.id,
        "session": world.own.session.id,
        "unit": world.own.unit.code,
    }
    login(client, world.users[role])
    url = page.format(**ids)
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    html = resp.get_data(as_text=True)
    for text in present:
        assert text.format(**ids) in html, (role, url, text)
    for text in absent:
        assert text.format(**ids) not in html, (role, url, text)
