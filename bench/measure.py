"""What the benchmark measures: reports against their floor, pages through the app, a real
registration with its CSRF token, a live gunicorn under wrk, and the peak memory of commands."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import sqlalchemy as sa

from bench.province import END, PASSWORD, REPORT_YEAR, Generated
from bench.setup import BenchError
from complaints import settle
from complaints.citizen import codes
from complaints.core.text import fold

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The records a page shows (cases, petitions, visits: a link to each, or the search's visit rows),
# so that two sizes are compared showing as many rows.
ROW_RE = re.compile(r'href="/(cases|petitions|reception/visits)/(\d+)"|data-(visit)="(\d+)"')
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


# --- statistics ----------------------------------------------------------------------------


def summary(samples: list[float]) -> dict:
    """Median, 95th percentile (nearest rank), min and max of timings in seconds, in ms."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[rank] * 1000, 2),
        "min_ms": round(ordered[0] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def rows_shown(html: str) -> int:
    """How many records (cases, petitions, visits) a page shows (an API list: its items)."""
    if html.startswith("{"):
        return len(json.loads(html).get("items", ()))
    return len(
        {(kind or "reception/visits", key or other) for kind, key, _, other in ROW_RE.findall(html)}
    )


def _csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise BenchError("no CSRF token in the form page")
    return match.group(1)


# --- reports -------------------------------------------------------------------------------


def reports(app, info: Generated, repeat: int) -> list[dict]:
    """Every form of LAYOUTS for the report year, with sub-units: build() against the floor,
    medians of `repeat` alternating runs, and the figures compared row by row."""
    from bench.floor import run_floor
    from complaints.extensions import db
    from complaints.reports import service
    from complaints.reports.layouts import LAYOUTS
    from complaints.reports.periods import standard_period
    from complaints.units.models import Unit

    results = []
    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == info.province_code))
        period = standard_period(
            "year", REPORT_YEAR, cutoff_day=service.settings_for(unit).cutoff_day
        )
        for form, layout in LAYOUTS.items():
            build_times, floor_times = [], []
            report = floor = None
            for i in range(repeat + 1):  # the first run of each only warms the caches
                db.session.rollback()
                db.session.expire_all()
                t0 = time.perf_counter()
                report = service.build(form, unit, period, with_subunits=True)
                t1 = time.perf_counter()
                all_ids = report.total.unit_ids
                db.session.rollback()
                t2 = time.perf_counter()
                floor = run_floor(db.session, form, all_ids, layout.kinds, period)
                t3 = time.perf_counter()
                if i:
                    build_times.append(t1 - t0)
                    floor_times.append(t3 - t2)
            differences = compare_with_floor(report, floor)
            b, f = summary(build_times), summary(floor_times)
            results.append(
                {
                    "form": form,
                    "period": f"{period.start.isoformat()}..{period.end.isoformat()}",
                    "rows": len(report.rows),
                    "build": b,
                    "floor": f,
                    "ratio": round(b["median_ms"] / f["median_ms"], 3) if f["median_ms"] else None,
                    "identities_failing": [
                        f"{c.row_label}: {c.identity.label} ({c.left} != {c.right})"
                        for c in report.failing_checks
                    ],
                    "differences": differences[:10],
                    "total": dict(report.total.values),
                }
            )
            db.session.rollback()
    return results


def compare_with_floor(report, floor: dict[int, dict[str, int]]) -> list[str]:
    """Where the report and the floor disagree (figure by figure, row by row)."""
    problems = []
    for row in [*report.rows, report.total]:
        for fid, value in row.values.items():
            expected = sum(floor.get(uid, {}).get(fid, 0) for uid in row.unit_ids)
            present = any(fid in floor.get(uid, {}) for uid in row.unit_ids) or not floor
            if (present or expected) and value != expected:
                problems.append(f"{row.label} {fid}: report {value}, floor {expected}")
    return problems


# --- pages through the app ---------------------------------------------------------------


class AppUser:
    """A logged-in user of the Flask test client: real forms, real CSRF tokens."""

    def __init__(self, app, username: str):
        self.client = app.test_client()
        self.last_rows = 0
        page = self.client.get("/login")
        if page.status_code != 200:
            raise BenchError(f"GET /login answered {page.status_code}")
        response = self.client.post(
            "/login",
            data={
                "csrf_token": _csrf(page.get_data(as_text=True)),
                "username": username,
                "password": PASSWORD,
            },
        )
        if response.status_code != 302:
            raise BenchError(f"login of {username} failed ({response.status_code})")

    def get(self, url: str) -> float:
        t0 = time.perf_counter()
        response = self.client.get(url)
        body = response.get_data(as_text=True)
        elapsed = time.perf_counter() - t0
        if response.status_code != 200:
            raise BenchError(f"GET {url} answered {response.status_code}")
        self.last_rows = rows_shown(body)
        return elapsed

    def open(self, page: str, url: str, info: Generated) -> float:
        return (
            self.citizen_lookup(info.probe_petition) if page == "citizen_lookup" else self.get(url)
        )

    def citizen_lookup(self, probe: dict) -> float:
        """The citizen's look-up (no login needed; the leader's client is as good as any): the
        form for its token, then the POST of the probe petition's code and phone digits."""
        page = self.client.get("/tra-cuu")
        data = {
            "csrf_token": _csrf(page.get_data(as_text=True)),
            "code": codes.display(probe["code"]),
            "digits": probe["phone"][-4:],
        }
        t0 = time.perf_counter()
        response = self.client.post("/tra-cuu", data=data)
        body = response.get_data(as_text=True)
        elapsed = time.perf_counter() - t0
        if response.status_code != 200 or codes.display(probe["code"]) not in body:
            raise BenchError(f"the citizen's look-up failed ({response.status_code})")
        return elapsed

    def register(self, form: dict) -> float:
        """GET the registration form for its token, POST it; the POST alone is timed."""
        page = self.client.get("/petitions/new")
        if page.status_code != 200:
            raise BenchError(f"GET /petitions/new answered {page.status_code}")
        data = {"csrf_token": _csrf(page.get_data(as_text=True)), **form}
        t0 = time.perf_counter()
        response = self.client.post("/petitions/new", data=data)
        elapsed = time.perf_counter() - t0
        if response.status_code != 302 or "/petitions/" not in response.headers.get("Location", ""):
            body = response.get_data(as_text=True)
            errors = re.findall(r'class="error[^"]*"[^>]*>([^<]+)<', body)[:3]
            raise BenchError(f"registration refused ({response.status_code}): {errors}")
        return elapsed


def petition_form(unit_id: int, i: int) -> dict:
    """A registration as a reception officer types it."""
    from datetime import date

    from complaints.core.clock import today

    day: date = min(END, today())
    return {
        "unit_id": str(unit_id),
        "received_date": day.strftime("%d/%m/%Y"),
        "source": "post",
        "kind": "complaint",
        "field": "land",
        "summary": f"Khiếu nại việc bồi thường khi thu hồi đất thửa số {i}, đề nghị xem xét lại",
        "senders-0-full_name": "Nguyễn Văn Bình",
        "senders-0-address": f"Số {i} đường Lê Lợi, tỉnh Sông Lam",
        "senders-0-identity_no": f"040{i:09d}",
        "senders-0-phone": "0912345678",
        "signatory_count": "1",
    }


# The pages measured side by side at two sizes, each as the province's leader opens it: the
# case list (plain and filtered) and a case, the landing pages users open all day, and the
# search as the reception officer uses it for every visitor (issue 15).
PAGES = (
    "case_list",
    "case_list_filtered",
    "case_page",
    "dashboard",
    "overdue",
    "register",
    "reception_log",
    "obligations",
    "search_name",
    "search_name_diacritics",
    "search_common_name",
    "search_full_name",
    "search_words",
    "search_common_words",
    "search_year",
    "search_identity",
    "search_register_no",
    "search_code",
    "search_api",
    "api_cases",
    "citizen_lookup",
)


LOG_FROM = END - timedelta(days=182)


def page_urls(info: Generated) -> dict[str, str]:
    probe = info.probe_petition
    return {
        "case_list": "/cases/",
        "case_list_filtered": "/cases/?kind=complaint&overdue=y",
        "case_page": f"/cases/{info.probe_case_id}",
        "dashboard": "/dashboard/",
        "overdue": "/cases/overdue",
        "register": "/petitions/",
        # Half a year of the log, not the current month: its first page is full (50 visits)
        # from 3,000 petitions up, so that both sizes draw as many rows (the month shows 13
        # visits at 3,000 and 50 at 30,000: the growth was the rows, not the query).
        "reception_log": "/reception/log?"
        + urlencode(
            {"date_from": LOG_FROM.strftime("%d/%m/%Y"), "date_to": END.strftime("%d/%m/%Y")}
        ),
        "obligations": "/obligations/",
        "search_name": "/petitions/search?q=" + quote_plus(fold(probe["name"])),
        "search_name_diacritics": "/petitions/search?q=" + quote_plus(probe["name"]),
        # The queries: a common name, a full name absent from the data but made of
        # common words, the words of a content (a rare pair, a common phrase), a year's numbers.
        "search_common_name": "/petitions/search?q=nguyen+van",
        "search_full_name": "/petitions/search?q=" + quote_plus("Nguyễn Thị Hoa"),
        "search_words": "/petitions/search?q=dat+dai",
        "search_common_words": "/petitions/search?q=" + quote_plus("quyền sử dụng đất"),
        "search_year": f"/petitions/search?q={info.province_code}-2025",
        "search_identity": "/petitions/search?q=" + probe["identity"],
        "search_register_no": "/petitions/search?q=" + quote_plus(probe["register_no"]),
        "search_code": "/petitions/search?q=" + quote_plus(codes.display(probe["code"])),
        # The API's lists as an integration reads them (the leader's session): a search of a
        # common name, and the cases newest first; their totals counted as the pages count.
        "search_api": "/api/v1/petitions?q=nguyen+van",
        "api_cases": "/api/v1/cases",
        "citizen_lookup": "POST /tra-cuu",
    }


def pages(app, info: Generated, requests: int, warmups: int = 3) -> dict:
    """Every page of PAGES as the leader opens it (the citizen's look-up as a citizen posts
    it): `requests` timed requests each after `warmups` warm-ups; the registration POST
    likewise. The process settles first, as a served worker does (wsgi.py)."""
    settle()
    urls = page_urls(info)
    leader = AppUser(app, info.leader)
    out = {}
    for name in PAGES:
        for _ in range(warmups):
            leader.open(name, urls[name], info)
        out[name] = {
            "url": urls[name],
            **summary([leader.open(name, urls[name], info) for _ in range(requests)]),
            "rows_shown": leader.last_rows,
        }
    registrar = AppUser(app, info.registrar)
    unit_id = _unit_id(app, info.reception_unit_code)
    for i in range(min(warmups, 2)):
        registrar.register(petition_form(unit_id, 900_000 + i))
    times = [registrar.register(petition_form(unit_id, i)) for i in range(requests)]
    out["register_post"] = {"url": "POST /petitions/new", **summary(times)}
    return out


def side_by_side(kept: dict[str, tuple], requests: int) -> dict:
    """The pages of the smallest and the largest province, requested in alternation, so that
    the load of a shared machine weighs on both alike: medians and their ratio. The process
    settles first, as a served worker does (wsgi.py)."""
    settle()
    users = {
        size: (AppUser(app, info.leader), page_urls(info)) for size, (app, info) in kept.items()
    }
    infos = {size: info for size, (_, info) in kept.items()}
    out = {}
    for page in PAGES:
        times: dict[str, list[float]] = {size: [] for size in users}
        for size, (user, urls) in users.items():
            for _ in range(3):
                user.open(page, urls[page], infos[size])
        for _ in range(requests):
            for size, (user, urls) in users.items():
                times[size].append(user.open(page, urls[page], infos[size]))
        sizes = {
            size: {**summary(t), "rows_shown": users[size][0].last_rows}
            for size, t in times.items()
        }
        small, large = sorted(sizes, key=int)[0], sorted(sizes, key=int)[-1]
        out[page] = {
            "sizes": sizes,
            "growth": round(sizes[large]["median_ms"] / sizes[small]["median_ms"], 3),
        }
    return out


def _unit_id(app, code: str) -> int:
    from complaints.extensions import db
    from complaints.units.models import Unit

    with app.app_context():
        return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


# --- a live server under load ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """gunicorn with 2 workers on a free loopback port; stopped by its PID."""

    def __init__(self, env: dict, workdir: Path, workers: int = 2):
        self.port = free_port()
        self.log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        gunicorn = BIN / "gunicorn"
        if not gunicorn.exists():
            raise BenchError(f"{gunicorn} is missing: pip install -e . (gunicorn is a dependency)")
        self.proc = subprocess.Popen(
            [
                str(gunicorn),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
                "--timeout",
                "60",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workdir = workdir
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise BenchError("gunicorn exited at start: " + self._tail())
            try:
                status, _, _ = self.request("GET", "/login")
                if status == 200 and len(self.workers()) >= workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise BenchError("gunicorn did not answer within 40 s: " + self._tail())

    def _tail(self) -> str:
        self.log.flush()
        text = (self.workdir / "gunicorn.log").read_text(errors="replace")
        return " | ".join(text.strip().splitlines()[-5:])

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class HttpUser:
    """A user of the live server: cookie kept by hand, forms posted with their token."""

    def __init__(self, server: LiveServer, username: str):
        self.server = server
        self.cookie = ""
        status, _, body = self.get("/login")
        data = {"csrf_token": _csrf(body.decode()), "username": username, "password": PASSWORD}
        status, _headers, _ = self.post("/login", data)
        if status != 302:
            raise BenchError(f"live login of {username} failed ({status})")

    def _keep(self, headers) -> None:
        for key, value in headers.items():
            if key.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]

    def get(self, path):
        status, headers, body = self.server.request("GET", path, headers={"Cookie": self.cookie})
        self._keep(headers)
        return status, headers, body

    def post(self, path, data: dict):
        status, headers, body = self.server.request(
            "POST",
            path,
            body=urlencode(data),
            headers={"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        self._keep(headers)
        return status, headers, body


WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BENCH requests %d errors %d bad %d\\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout, total))
  io.write(string.format("BENCH p50 %d p95 %d p99 %d\\n", latency:percentile(50),
    latency:percentile(95), latency:percentile(99)))
end
"""


def load(env: dict, workdir: Path, info: Generated, seconds: int, unit_id: int) -> dict:
    """gunicorn (2 workers) under wrk GETs of the leader's case list, while a Python loop
    registers petitions through the real form; then the workers' peak RSS."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed (apt-get install -y wrk)")
    server = LiveServer(env, workdir)
    try:
        leader = HttpUser(server, info.leader)
        url = page_urls(info)["case_list"]
        status, _, body = leader.get(url)
        if status != 200 or b"<table" not in body:
            raise BenchError(f"live GET {url} answered {status}")
        registrar = HttpUser(server, info.registrar)
        script = workdir / "bench.lua"
        script.write_text(WRK_SCRIPT)
        posts: list[float] = []
        failures: list[str] = []
        stop = threading.Event()

        def post_loop():
            i = 0
            while not stop.is_set():
                i += 1
                status, _, body = registrar.get("/petitions/new")
                if status != 200:
                    failures.append(f"GET form {status}")
                    continue
                data = {"csrf_token": _csrf(body.decode()), **petition_form(unit_id, 500_000 + i)}
                t0 = time.perf_counter()
                status, _headers, _ = registrar.post("/petitions/new", data)
                elapsed = time.perf_counter() - t0
                if status == 302:
                    posts.append(elapsed)
                else:
                    failures.append(f"POST {status}")

        poster = threading.Thread(target=post_loop, daemon=True)
        poster.start()
        command = [
            "timeout",
            str(seconds + 30),
            wrk,
            "-t2",
            "-c8",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            "-H",
            f"Cookie: {leader.cookie}",
            f"http://127.0.0.1:{server.port}{url}",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        stop.set()
        poster.join(timeout=60)
        if done.returncode != 0:
            raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip()[:300]}")
        out = done.stdout
        nums = re.search(r"BENCH requests (\d+) errors (\d+) bad (\d+)", out)
        lat = re.search(r"BENCH p50 (\d+) p95 (\d+) p99 (\d+)", out)
        rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if not (nums and lat and rate):
            raise BenchError("cannot read wrk's output: " + out[-300:])
        requests, errors, bad = (int(x) for x in nums.groups())
        if requests == 0 or bad or errors:
            raise BenchError(f"wrk: {requests} requests, {errors} errors, {bad} not 200")
        if failures and not posts:
            raise BenchError(f"every registration under load failed: {failures[:3]}")
        workers = server.workers()
        rss = {pid: _proc_memory(pid) for pid in workers}
        return {
            "url": url,
            "seconds": seconds,
            "connections": 8,
            "workers": len(workers),
            "requests": requests,
            "requests_per_s": float(rate.group(1)),
            "latency_ms": {
                "p50": int(lat.group(1)) / 1000,
                "p95": int(lat.group(2)) / 1000,
                "p99": int(lat.group(3)) / 1000,
            },
            "register_under_load": {**summary(posts), "failed": len(failures)}
            if posts
            else {"n": 0, "failed": len(failures)},
            "worker_peak_rss_mb": {str(pid): m["VmHWM"] for pid, m in rss.items()},
            "worker_rss_mb": {str(pid): m["VmRSS"] for pid, m in rss.items()},
            "worker_pss_mb": {str(pid): m.get("Pss") for pid, m in rss.items()},
            "max_worker_peak_rss_mb": max(m["VmHWM"] for m in rss.values()),
        }
    finally:
        server.stop()


def _proc_memory(pid: int) -> dict[str, float]:
    """Peak and current RSS of a process, and its PSS (its share of pages shared with the
    other workers), in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = round(int(rest.split()[0]) / 1024, 1)
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                values["Pss"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return values


# --- commands and their peak memory ------------------------------------------------------


@dataclass
class CommandRun:
    argv: list[str]
    returncode: int
    seconds: float
    peak_rss_mb: float
    output: str = ""
    extra: dict = field(default_factory=dict)


# Run in a small Python between the benchmark and the command: Linux carries a process's peak
# RSS across fork and exec into its child's ru_maxrss, so the command must not be forked from
# the benchmark itself (hundreds of MB); this wrapper forks it and reports its exact peak.
_PEAK_WRAPPER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
print(f"BENCH_MAXRSS_KB {usage.ru_maxrss}", flush=True)
sys.exit(child.returncode)
"""


def run_command(argv: list[str], env: dict, timeout: int = 3600) -> CommandRun:
    """Run a command; its wall time and peak RSS (ru_maxrss of the command alone)."""
    t0 = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PEAK_WRAPPER, *argv],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{' '.join(argv[:4])}... did not finish in {timeout} s") from None
    output = done.stdout.decode(errors="replace")
    match = re.search(r"BENCH_MAXRSS_KB (\d+)", output)
    if not match:
        raise BenchError(f"no peak memory reported for {' '.join(argv[:4])}: {output[-300:]}")
    return CommandRun(
        argv,
        done.returncode,
        time.perf_counter() - t0,
        round(int(match.group(1)) / 1024, 1),
        output[-2000:],
    )


def flask(*args: str) -> list[str]:
    return [str(BIN / "flask"), "--app", "complaints", *args]


def has_command(name: str, env: dict) -> str | None:
    """The help text of `flask <name>`, or None when the command does not exist."""
    done = subprocess.run(
        flask(name, "--help"), cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 else None


def report_xlsx(env: dict, workdir: Path, info: Generated) -> dict:
    """What exists today: the report command writing a form as .xlsx (figures aggregated in
    the database, so its memory should not depend on the size)."""
    out = workdir / "report-01-XLD.xlsx"
    run = run_command(
        flask(
            "report",
            "--form",
            "01-XLD",
            "--period",
            "year",
            "--year",
            str(REPORT_YEAR),
            "--unit",
            info.province_code,
            "--with-subunits",
            "--format",
            "xlsx",
            "--output",
            str(out),
        ),
        env,
    )
    if run.returncode != 0:
        raise BenchError(f"flask report failed: {run.output[-300:]}")
    return {
        "command": "flask report --format xlsx (01-XLD, year, with sub-units)",
        "seconds": round(run.seconds, 2),
        "peak_rss_mb": run.peak_rss_mb,
        "bytes": out.stat().st_size,
    }


def _register_args(help_text: str, unit: str, year: int, path: Path, direction: str):
    """Arguments for the register commands, read from their help (written by another
    developer meanwhile: options are matched by name, the file is an option or an argument)."""
    args: list[str] = []
    options = set(re.findall(r"(--[a-z][a-z0-9-]*)", help_text))
    if "--unit" in options:
        args += ["--unit", unit]
    if "--from" in options and "--to" in options:  # a year of registration
        args += ["--from", f"{year}-01-01", "--to", f"{year}-12-31"]
    elif "--year" in options:
        args += ["--year", str(year)]
    if "--kind" in options:
        args += ["--kind", "petitions"]
    file_options = (
        ("--output", "--out", "--file") if direction == "export" else ("--input", "--file", "--in")
    )
    found = next((c for c in file_options if c in options), None)
    usage = re.search(r"Usage:.*", help_text)
    if found:
        args += [found, str(path)]
    elif usage and re.search(r"\b(PATH|FILE|SOURCE|XLSX|INPUT|OUTPUT)\b", usage.group(0)):
        args.append(str(path))
    else:
        return None
    return args


def register_export(env: dict, workdir: Path, info: Generated, help_text: str) -> dict:
    out = workdir / f"register-{REPORT_YEAR}.xlsx"
    out.unlink(missing_ok=True)
    args = _register_args(help_text, info.province_code, REPORT_YEAR, out, "export")
    if args is None:
        raise BenchError("cannot map the options of export-register: " + help_text[:300])
    run = run_command(flask("export-register", *args), env)
    if run.returncode != 0 or not out.exists():
        raise BenchError(f"export-register failed ({run.returncode}): {run.output[-300:]}")
    rows = None
    if out.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(out, read_only=True)
        try:  # the data rows of every sheet, streamed (the header is the first row)
            rows = sum(
                max(0, sum(1 for _ in ws.iter_rows(values_only=True)) - 1) for ws in wb.worksheets
            )
        finally:
            wb.close()
    return {
        "command": "flask export-register " + " ".join(args),
        "seconds": round(run.seconds, 2),
        "peak_rss_mb": run.peak_rss_mb,
        "bytes": out.stat().st_size,
        "rows": rows,
        "file": str(out),
    }


def register_import(env: dict, workdir: Path, info: Generated, help_text: str, path: Path) -> dict:
    args = _register_args(help_text, info.province_code, REPORT_YEAR, path, "import")
    if args is None:
        raise BenchError("cannot map the options of import-register: " + help_text[:300])
    run = run_command(flask("import-register", *args), env)
    if run.returncode != 0:
        raise BenchError(f"import-register failed ({run.returncode}): {run.output[-300:]}")
    return {
        "command": "flask import-register " + " ".join(args),
        "seconds": round(run.seconds, 2),
        "peak_rss_mb": run.peak_rss_mb,
        "output": run.output[-200:],
    }


def import_rate(app) -> dict:
    """The rate of the import just run, from its job: the rows of the file over the time from
    the job's creation (the file recognised and mapped) to its end, dry run and import with
    every check; the command's start (Python, the app) is not the import's."""
    from complaints.extensions import db
    from complaints.registers.models import ImportStatus, RegisterImport

    with app.app_context():
        job = db.session.scalars(
            sa.select(RegisterImport)
            .where(RegisterImport.status == ImportStatus.done)
            .order_by(RegisterImport.id.desc())
        ).first()
        if job is None or job.finished_at is None:
            raise BenchError("import-register left no finished job to time")
        seconds = max((job.finished_at - job.created_at).total_seconds(), 1e-3)
        return {
            "rows": job.total_rows,
            "imported_rows": job.imported_rows,
            "job_seconds": round(seconds, 2),
            "rows_per_s": round(job.total_rows / seconds, 1),
        }
