"""Unit isolation and the denouncer's confidentiality, proven by crawling.

A sentinel denouncer is planted on a denunciation (registered from a visit, a case opened from
it) in the users' tree (HP), and a sentinel sender on a petition of another province (HN).
Each role, logged in at HP, fetches every GET route of the URL map filled with those records'
ids (and the ordinary ones'), the exports (.xlsx, .csv, .docx, JSON) and the JSON API with a
token, then follows the links of the pages it got, up to a bound. Nowhere, error pages
included, may
- the denouncer's name, identity number or address reach a role outside
  DENOUNCER_IDENTITY_ROLES (exact, upper-case, diacritics folded, inside .xlsx/.docx too);
- the other province's sentinel reach anyone of HP.
The roles that may see denouncers must see the sentinel somewhere: the crawl reaches the data.
"""

from __future__ import annotations

import contextlib
import html as htmlmod
import io
import json
import os
import re
import zipfile
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from complaints.core.access import DENOUNCER_IDENTITY_ROLES
from complaints.core.text import fold
from complaints.reports.figures import LABELS

from .assurance_support import (
    OTHER_SENTINEL,
    ROLES,
    SENTINEL,
    build_world,
    login,
    plant_leaks,
    rules,
)
from .test_permission_matrix import FIXED, KIND, REPORT, offered

MAX_PAGES = 450  # per role: every route seeded, then links followed until this bound
FIGURES = Path(__file__).resolve().parent.parent / "test-artifacts" / "assurance-crawl.json"
SKIP_PREFIXES = ("/static/", "/logout")
SKIP_QUERY = ("lang=",)  # the language switch only redirects back to the same page


def variants(person: dict) -> list[str]:
    out = set()
    for key in ("full_name", "identity_no", "address"):
        value = person[key]
        out |= {value, value.upper(), fold(value), fold(value).upper()}
    return sorted(out)


def texts_of(resp) -> str:
    """Everything a response shows, as searchable text (zip members for .xlsx/.docx)."""
    data = resp.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = [
                z.read(n).decode("utf-8", "replace")
                for n in z.namelist()
                if n.endswith(".xml") or n.endswith(".rels")
            ]
        raw = "\n".join(parts)
    else:
        raw = data.decode("utf-8", "replace")
        if resp.mimetype == "application/json":
            with contextlib.suppress(ValueError):
                raw = json.dumps(json.loads(raw), ensure_ascii=False)
    text = htmlmod.unescape(raw)
    return text + "\n" + unquote(text)


# Internal identifiers users must not read (issue 14, item 12): deadline rule ids
# ("complaint.resolve.r1.normal.2012") and figure ids ("competent.resolved"). They stay in the
# JSON, the API and the links' query strings; a page's visible text gives names and legal bases.
_HIDDEN = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)
_RULE_ID = re.compile(r"\b(?:complaint|denunciation|recommendation|feedback)\.[a-z_]+\.r\d")
_FIGURE_ID = re.compile(
    r"(?<![\w.])(?:"
    + "|".join(re.escape(k) for k in sorted(LABELS, key=len, reverse=True))
    + r")(?![\w.])"
)


def internal_ids(html: str) -> list[str]:
    """The internal identifiers in what an HTML page shows (its text, not its markup)."""
    visible = htmlmod.unescape(_HIDDEN.sub(" ", html))
    return sorted({m.group(0) for r in (_RULE_ID, _FIGURE_ID) for m in r.finditer(visible)})


def found(text: str, needles: list[str]) -> list[str]:
    folded = fold(text)
    return [n for n in needles if n in text or fold(n) in folded]


def seeds(app, world) -> list[tuple[str, bool]]:
    own, other, leaks = world.own, world.other, world.extra
    sets = [
        own.params(),
        {
            **own.params(),
            "petition_id": leaks["taken"].id,
            "case_id": leaks["reclassified_case"].id,
            "visit_id": leaks["visit"].id,
        },
        {
            **own.params(),
            "petition_id": leaks["pasted"].id,
            "case_id": leaks["pasted_case"].id,
        },
        {
            **own.params(),
            "petition_id": own.denunciation.id,
            "case_id": own.den_case.id,
            "visit_id": own.den_visit.id,
        },
        {**own.params(), "petition_id": leaks["sent"].id},
        {**own.params(), "petition_id": leaks["copy"].id},
        {
            **own.params(),
            "petition_id": leaks["above"].id,
            "case_id": leaks["above_case"].id,
        },
        {
            **other.params(),
            "petition_id": other.denunciation.id,
            "case_id": other.den_case.id,
            "visit_id": other.den_visit.id,
        },
    ]
    out = []
    for rule, method in rules(app):
        if method != "GET" or rule.rule.startswith(SKIP_PREFIXES):
            continue
        for params in sets:
            values = {
                a: FIXED.get(a) or (KIND[rule.endpoint] if a == "kind" else params[a])
                for a in rule.arguments
            }
            out.append(rule.build(values, append_unknown=False)[1])
        if rule.endpoint == "notices.case_notice":
            for params in sets:
                for kind in ("acceptance", "accused", "refusal", "result"):
                    base = f"/notices/case/{params['case_id']}/{kind}"
                    out += [base, base + "?format=docx"]
    for unit in (own.unit, world.province["province"], other.unit):
        report = REPORT.format(unit=unit.code)
        out += [
            f"/reports/?{report}",
            f"/reports/report.xlsx?{report}",
            f"/reports/report.json?{report}",
            f"/reports/records?figure=petitions.received&{report}",
            f"/api/v1/reports/summary?unit={unit.code}&from=2026-01-01&to=2026-06-30",
        ]
        for kind in ("petitions", "reception"):
            for fmt in ("xlsx", "csv"):
                out.append(
                    f"/registers/export?kind={kind}&date_from=01/01/2026&date_to=30/06/2026"
                    f"&unit_id={unit.id}&fmt={fmt}"
                )
    # fragments: a search page rightly echoes its query, so never the whole sentinel value
    for q in ("Sentinel", "0998887776", "Trần Khác", "0887776665", "Bí Mật"):
        out += [f"/petitions/search?q={q}", f"/petitions/?q={q}", f"/cases/?q={q}"]
        out += [f"/api/v1/petitions?q={q}", f"/reception/log?q={q}"]
    return list(dict.fromkeys(out))


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_crawl_leaks_nothing(app, client, db, province, today, role):
    world = build_world(province)
    world.extra = plant_leaks(world)
    user = world.users[role]
    login(client, user)
    headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    forbidden = variants(OTHER_SENTINEL)
    may_see_denouncer = role in DENOUNCER_IDENTITY_ROLES
    if not may_see_denouncer:
        forbidden += variants(SENTINEL)
    queue = deque(seeds(app, world))
    seen: set[str] = set(queue)
    leaks, statuses, kinds, shown_ids = [], {}, {}, []
    denouncer_seen = 0
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url = queue.popleft()
        resp = client.get(url, headers=headers if url.startswith("/api/") else {})
        fetched += 1
        assert resp.status_code < 500, (role, url, resp.status_code)
        statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        kinds[resp.mimetype] = kinds.get(resp.mimetype, 0) + 1
        text = texts_of(resp)
        body = resp.get_data(as_text=True) if resp.mimetype == "text/html" else ""
        resp.close()  # a download streams a file: close it
        hits = found(text, forbidden)
        if hits:
            leaks.append((url, resp.status_code, hits))
        if body and (ids := internal_ids(body)):
            shown_ids.append((url, ids))
        if may_see_denouncer and found(text, variants(SENTINEL)):
            denouncer_seen += 1
        if resp.mimetype == "text/html" and resp.status_code == 200:
            for method, _ep, link in offered(app, body, url):
                path = urlsplit(link)
                link = path.path + (f"?{path.query}" if path.query else "")
                if (
                    method == "GET"
                    and link not in seen
                    and not link.startswith(SKIP_PREFIXES)
                    and not any(q in path.query for q in SKIP_QUERY)
                ):
                    seen.add(link)
                    queue.append(link)
    _record(role, fetched, len(seen), statuses, kinds)
    assert not leaks, "\n".join(map(str, leaks))
    assert not shown_ids, "internal identifiers shown: " + "\n".join(map(str, shown_ids))
    if may_see_denouncer:
        assert denouncer_seen, "the crawl never reached the denunciation (the test proves nothing)"


def _record(role, fetched, discovered, statuses, kinds) -> None:
    FIGURES.parent.mkdir(exist_ok=True)
    data = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    data[role.value] = {
        "fetched": fetched,
        "discovered": discovered,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "types": kinds,
        "db": os.environ.get("COMPLAINTS_TEST_DATABASE_URL", "sqlite").split("@")[-1],
    }
    FIGURES.write_text(json.dumps(data, indent=1, sort_keys=True))
    print(f"crawl {role.value}: {data[role.value]}")
