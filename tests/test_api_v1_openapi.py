"""The OpenAPI document: generated from the endpoints' own models, listing every endpoint; and
schemathesis driving the whole API from it, in process, with a token: no answer is a server
error, and every answer (errors included) conforms to the document."""

from __future__ import annotations

import pytest
import schemathesis
from flask import g
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

import complaints.api.views  # noqa: F401  registers every endpoint
from complaints.api.base import ENDPOINTS
from complaints.cases.models import Case
from complaints.core.access import Role
from complaints.petitions.models import Petition

from . import api_v1_support as support
from .api_v1_support import ALL_WORK_ROLES, TODAY, ok, token_for, user

# Fixtures shared by the API tests.
api, world = support.api, support.world

EXAMPLES = 15  # per operation; derandomized, so every run sends the same requests
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def test_the_document_lists_every_endpoint_from_its_models(api, app):
    doc = ok(api.get("/openapi.json"))
    assert doc["openapi"] == "3.1.0"
    routes = {
        (rule.rule, method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path.replace("{", "<").replace("}", ">"), method)
        for path, operations in doc["paths"].items()
        for method in operations
    }
    normalised = {
        (r.replace("<int:", "<"), m) for r, m in routes
    }  # flask's converters aside, the same set
    assert normalised == documented
    assert len(ENDPOINTS) == len(documented) == 19
    schemas = doc["components"]["schemas"]
    assert schemas["StepIn"]["additionalProperties"] is False
    assert "`denunciation`: Tố cáo" in schemas["PetitionKind"]["description"]
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method != "get":
                assert operation["security"] == [{"bearerAuth": []}], path
                assert {"401", "415", "422"} <= set(operation["responses"]), path
    reports = doc["paths"]["/api/v1/reports/{form}"]["get"]
    assert {p["name"] for p in reports["parameters"]} >= {"form", "unit", "from", "to", "period"}


# The operations, known at collection from the registry the document is generated from.
# Negative data needs something to spoil: a parameter or a body.
OPERATIONS = [
    (e.method.upper(), f"/api/v1{e.path}", mode)
    for e in ENDPOINTS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode == GenerationMode.POSITIVE or e.query or e.body or e.path_params
]
RUN: dict = {"cases": 0, "statuses": {}}


@pytest.fixture()
def api_schema(app, world, db):
    """The document as served, and a token of a user holding every working role."""
    caller = user(world["units"]["province"], *ALL_WORK_ROLES)
    token = token_for(caller)
    db.session.commit()  # keeps the fixture's rows when a refused request rolls back
    ids = {
        "session_id": world["sessions"]["lc"].id,
        "visit_id": world["visits"]["denounce"].id,
        "petition_id": world["petitions"]["new"].id,
        "case_id": world["cases"]["lc"].id,
    }
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), token, ids


def realistic(case, ids: dict, db) -> None:
    """Valid data aimed at records and units that exist, the current version and today, so
    the operations themselves run on generated values (random ids, unit codes and versions
    would mostly stop at a 404, 400 or 409; the negative mode keeps those)."""
    params = case.path_parameters or {}
    for name, value in ids.items():
        if name in params:
            params[name] = value
    if isinstance(case.query, dict) and "unit" in case.query:
        case.query["unit"] = "HP"
    body = case.body
    if not isinstance(body, dict):
        return
    for name, value in (("unit", "HPLC"), ("round2_unit", "HP"), ("on", TODAY.isoformat())):
        if name in body:
            body[name] = value
    if "version" in body:
        model = Petition if "petition_id" in params else Case
        key = "petition_id" if "petition_id" in params else "case_id"
        body["version"] = db.session.get(model, ids[key]).version


@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS)
def test_the_api_conforms_to_its_document(api_schema, db, method, path, mode):
    """schemathesis's strategies for one operation, driven by hypothesis (its pytest loader
    does not run under pytest 9 yet, so the strategy is used directly)."""
    loaded, token, ids = api_schema
    operation = loaded[path][method]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if mode == GenerationMode.POSITIVE:
            realistic(case, ids, db)
        g.__dict__.clear()  # each request of production has its own g (see conftest)
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=CHECKS)
        RUN["cases"] += 1  # counted for the report printed with -s
        RUN["statuses"][response.status_code] = RUN["statuses"].get(response.status_code, 0) + 1

    before = RUN["cases"]
    RUN["statuses"] = {}
    run()
    statuses = dict(sorted(RUN["statuses"].items()))
    print(f"schemathesis: {method} {path} {mode.value}: {RUN['cases'] - before} cases {statuses}")


def test_an_admin_token_is_refused_by_the_document_too(api, world):
    admin = api.as_user(user(world["units"]["province"], Role.admin))
    resp = admin.get("/petitions")
    assert resp.status_code == 403


def test_a_report_answer_matches_its_documented_shape(api, world):
    """schemathesis rarely builds a valid report period; one real answer, checked by the
    model the document describes it with."""
    from complaints.api.schemas import ReportOut

    maker = api.as_user(user(world["units"]["province"], Role.report_maker))
    data = ok(maker.get("/reports/01-XLD", unit="HP", **{"from": "2026-02-15", "to": "2026-03-14"}))
    report = ReportOut.model_validate(data)
    assert report.form == "01-XLD" and "petitions.total" in report.figures
