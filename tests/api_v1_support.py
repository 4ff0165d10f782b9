"""What the tests of the JSON API v1 share: tokens, a JSON client, a small world of records
across units (sessions, visits, petitions, cases, including denunciations)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import pytest

from complaints.api import tokens
from complaints.core.access import Role
from complaints.core.vocab import PetitionKind
from complaints.petitions.operations import refresh_search_text
from complaints.petitions.processing import ProcessingInput, process
from complaints.reception.models import SessionKind, SessionStatus, VisitOutcome

from . import factories
from .factories_cases import petition as make_petition
from .factories_reception import SessionFactory, VisitFactory

TODAY = date(2026, 6, 30)  # the app's "today" in these tests (the conftest's `today`)
DENOUNCER = {
    "full_name": "Phạm Văn Tố",
    "address": "Số 9 Trần Phú, Lê Chân",
    "identity_no": "031090009999",
    "phone": "0911222333",
}
ALL_WORK_ROLES = (
    Role.reception_officer,
    Role.petition_handler,
    Role.case_handler,
    Role.leader,
    Role.report_maker,
)


def token_for(user, *, expires_on=None, name="thử") -> str:
    """A fresh API token of the user (the secret, as the caller would hold it)."""
    _, secret = tokens.create_token(None, user, name=name, expires_on=expires_on, today=TODAY)
    return secret


@dataclass
class Api:
    """A client of /api/v1 with an optional bearer token."""

    client: object
    token: str | None = None

    def _headers(self, token):
        token = self.token if token is None else token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, token=None, **params):
        query = urlencode(params)
        url = f"/api/v1{path}" + (f"?{query}" if query else "")
        return self.client.get(url, headers=self._headers(token))

    def post(self, path: str, body=None, token=None, raw: str | bytes | None = None, **kw):
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False)
        kw.setdefault("content_type", "application/json")
        return self.client.post(f"/api/v1{path}", data=data, headers=self._headers(token), **kw)

    def as_user(self, user) -> Api:
        return Api(self.client, token_for(user))


def ok(resp, status: int = 200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    return resp.get_json()


def error_of(resp, status: int) -> str:
    """The Vietnamese message of a JSON error, after checking its shape."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == status
    message = body["error"]["message"]
    assert isinstance(message, str) and message
    return message


@pytest.fixture()
def api(client, today):
    return Api(client)


def user(unit, *roles, **kw):
    return factories.UserFactory(unit=unit, roles=list(roles), **kw)


def open_case(handler, unit, *, kind=PetitionKind.complaint, senders=None, received=None):
    """A petition accepted into a new case (state accepted), by the processing operation."""
    kw = {"senders": senders} if senders is not None else {}
    p = make_petition(unit, kind=kind, received=received or date(2026, 3, 2), **kw)
    refresh_search_text(p)  # folded, as registration does (the factory only lower-cases)
    process(
        handler,
        p,
        ProcessingInput(
            eligible=True,
            competent=True,
            outcome="accept",
            on=date(2026, 3, 5),
            doc_no="01/TB",
        ),
    )
    return p.case, p


@pytest.fixture()
def world(db, province, today):
    """Records in HP (province), HPLC (commune) and HN (another province)."""
    hp, lc, hn = province["province"], province["commune"], province["other"]
    boss = user(hp, Role.leader)
    handler_lc = user(lc, Role.petition_handler, Role.case_handler)
    handler_hn = user(hn, Role.petition_handler)

    s_hp = SessionFactory(unit=hp, session_date=date(2026, 3, 2))
    s_lc = SessionFactory(unit=lc, session_date=date(2026, 3, 9))
    s_hn = SessionFactory(unit=hn, session_date=date(2026, 3, 3))
    planned = SessionFactory(unit=hp, session_date=date(2026, 7, 7), status=SessionStatus.planned)
    periodic = SessionFactory(
        unit=lc,
        session_date=date(2026, 4, 14),
        kind=SessionKind.periodic,
        host_mode="in_person",
    )
    v_complaint = VisitFactory(session=s_lc)
    v_denounce = VisitFactory(
        session=s_lc,
        kind=PetitionKind.denunciation,
        content="Tố cáo cán bộ địa chính nhận tiền",
        outcome=VisitOutcome.petition_received,
        persons=[DENOUNCER],
    )
    v_hn = VisitFactory(session=s_hn)

    case_lc, p_lc = open_case(handler_lc, lc)
    case_den, p_den = open_case(
        handler_lc,
        lc,
        kind=PetitionKind.denunciation,
        senders=((DENOUNCER["full_name"], DENOUNCER["address"], DENOUNCER["identity_no"]),),
    )
    case_hn, p_hn = open_case(handler_hn, hn)
    p_new = make_petition(hp, received=date(2026, 6, 1))
    refresh_search_text(p_new)
    return {
        "units": province,
        "boss": boss,
        "handler_lc": handler_lc,
        "sessions": {"hp": s_hp, "lc": s_lc, "hn": s_hn, "planned": planned, "periodic": periodic},
        "visits": {"complaint": v_complaint, "denounce": v_denounce, "hn": v_hn},
        "cases": {"lc": case_lc, "den": case_den, "hn": case_hn},
        "petitions": {"lc": p_lc, "den": p_den, "hn": p_hn, "new": p_new},
    }


__all__ = [
    "ALL_WORK_ROLES",
    "DENOUNCER",
    "TODAY",
    "Api",
    "api",
    "error_of",
    "ok",
    "open_case",
    "token_for",
    "user",
    "world",
]
