"""`python -m bench`: generate, measure, print one table, write JSON, check the targets.

Exit status: 0 when every measured target passes, 1 when one fails, 2 when the benchmark
cannot run (a database it cannot reach, a server that does not start...). A number is printed
only when it was measured in this run. Without `wrk` the load is not measured: the rest is, and
the load's targets print SKIP with the reason (what to install); that alone does not fail.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from bench import measure, plans
from bench.province import REPORT_YEAR, SHAPES
from bench.setup import (
    PG_CUSTOM_PLANS,
    PG_SETTINGS,
    BenchError,
    check_reachable,
    database_for,
    drop_database,
    fresh_database,
    generate,
    generation_key,
    make_app,
    migrate,
    reusable,
    save_generated,
    server_env,
)

SIZES = {
    "quick": [3_000, 30_000],
    "large": [10_000, 100_000, 1_000_000],
    "tiny": [1_000, 5_000],
    # A country's decade on PostgreSQL: the centre, ministries and 34 provinces (--shape country).
    "country": [100_000, 5_000_000],
}
# The report ratio is judged at every size from this many petitions (a province's one year
# of ten): below it a small province's SQL takes a few milliseconds, which the report's own
# fixed cost (its units and settings, rows per sub-unit: ~1-2 ms) would outweigh.
REPORT_TARGET_FROM = 100_000
SEARCH_TARGET_AT = 1_000_000
TARGETS = {
    "report_ratio": 1.2,  # build() at most 1.2 times its hand-written SQL, from 100,000
    "page_growth": 1.5,  # median at the largest size at most 1.5 times at the smallest
    "worker_rss_mb": 150.0,  # a gunicorn worker's peak RSS under load
    "stream_growth": 1.2,  # register import/export peak RSS, largest size over smallest
    "import_rate": 2000.0,  # rows a second, dry run and import with every check, at every size
    "search_ms": 100.0,  # the search's median at a province's ten years
}
RESULTS = Path(__file__).resolve().parent / "results"
NO_WRK = "wrk không có: cài bằng apt install wrk"


def load_skipped(args) -> str:
    """Why the load (gunicorn under wrk) is not measured in this run, or "" when it is."""
    if args.no_load:
        return "--no-load"
    if shutil.which("wrk") is None:
        return NO_WRK
    return ""


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "--size",
        default="quick",
        help="quick (3k, 30k), large (10k, 100k, 1M), tiny, country (100k, 5M, the country "
        "shape on PostgreSQL only), or numbers: 10000,50000",
    )
    p.add_argument(
        "--shape",
        choices=SHAPES,
        default=None,
        help="the unit tree: one province (default) or a country (the centre, ministries, 34 "
        "provinces, about 3,300 communes)",
    )
    p.add_argument(
        "--pg",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("COMPLAINTS_BENCH_PG_URL"),
        help="PostgreSQL URL to measure too (its public schema is DROPPED); default "
        "$BENCH_DATABASE_URL or $COMPLAINTS_BENCH_PG_URL",
    )
    p.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    p.add_argument(
        "--pg-parallel",
        action="store_true",
        help="PostgreSQL's defaults: parallel query and JIT on (docs/deploy.md turns both off "
        "for the app)",
    )
    p.add_argument("--requests", type=int, default=30, help="timed requests per page (>= 30)")
    p.add_argument("--load-seconds", type=int, default=None, help="wrk duration")
    p.add_argument(
        "--no-load", action="store_true", help="skip gunicorn + wrk (skipped without wrk)"
    )
    p.add_argument(
        "--import-max-rows",
        type=int,
        default=0,
        help="import a year's register only up to this many rows (default 0: at every size, "
        "the whole year)",
    )
    p.add_argument("--workdir", help="keep databases and files here (default: a temp dir)")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="with --workdir: measure again the data an earlier run generated there with the "
        "same generator (the migrations run), instead of generating it again",
    )
    p.add_argument("--out", default=str(RESULTS), help="where the JSON results go")
    args = p.parse_args(argv)
    if args.size in SIZES:
        args.sizes = SIZES[args.size]
    else:
        try:
            args.sizes = sorted(int(x.replace("_", "")) for x in args.size.split(","))
        except ValueError:
            p.error(f"--size: quick, large, tiny or numbers, not {args.size!r}")
    if args.size == "country":
        args.shape = args.shape or "country"
        args.no_sqlite = True  # five million petitions: the installations that size run PostgreSQL
        if not args.pg:
            p.error("--size country measures PostgreSQL: give --pg URL or $BENCH_DATABASE_URL")
    args.shape = args.shape or "province"
    if args.reuse and not args.workdir:
        p.error("--reuse: give the --workdir of the run that generated the data")
    if args.requests < 30:
        p.error("--requests: at least 30")
    if args.load_seconds is None:
        args.load_seconds = 20 if max(args.sizes) >= 1_000_000 else 8
    # Timed runs of each report and its floor (medians): more where a run is short, the ratio
    # of two medians of a few milliseconds being the noisiest number the benchmark judges.
    args.repeat = {size: 5 if size >= 1_000_000 else 9 for size in args.sizes}
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = (
        Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="complaints-bench-"))
    )
    workdir.mkdir(parents=True, exist_ok=True)
    backends = []
    if not args.no_sqlite:
        backends.append(("sqlite", f"sqlite:///{workdir / 'bench.db'}"))
    if args.pg:
        backends.append(("postgresql", args.pg))
    results: dict = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "sizes": args.sizes,
        "shape": args.shape,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "backends": {},
        "notes": [],
    }
    args.load_skipped = load_skipped(args)
    if args.load_skipped:
        note = f"load not measured: {args.load_skipped}"
        print(note)
        results["notes"].append(note)
        results["load_skipped"] = args.load_skipped
    if not args.pg:
        note = (
            "PostgreSQL skipped: set COMPLAINTS_BENCH_PG_URL (or BENCH_DATABASE_URL, or "
            "--pg URL) to measure it too"
        )
        print(note)
        results["notes"].append(note)
    try:
        for _, url in backends:
            check_reachable(url)
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        return 2
    status = 0
    try:
        for name, url in backends:
            results["backends"][name] = {}
            run_backend(name, url, args, workdir, results["backends"][name])
            if results["backends"][name].get("errors"):
                status = 2
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        results["error"] = str(e)
        status = 2
    except Exception as e:  # an unexpected failure: say so, keep what was measured
        traceback.print_exc()
        results["error"] = f"{e.__class__.__name__}: {e}"
        status = 2
    results["seconds"] = round(time.perf_counter() - started, 1)
    targets = check_targets(results)
    results["targets"] = targets
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stamp}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    print_table(results)
    print(f"\nresults: {path}  ({results['seconds']} s)")
    for t in targets:
        print(
            f"TARGET {t['name']} {t['value']} {t['limit']} {t['status']}"
            + (f"  # {t['note']}" if t.get("note") else "")
        )
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    if status:
        return status
    return 1 if any(t["status"] == "FAIL" for t in targets) else 0


def _dispose(app) -> None:
    from complaints.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def run_backend(name: str, url: str, args, workdir: Path, out: dict) -> None:
    """Every size on one database kind; `out` is filled as results come, so that what was
    measured before a failure is still reported."""
    out.update(url=sa.engine.make_url(url).render_as_string(hide_password=True), sizes={})
    largest, smallest = max(args.sizes), min(args.sizes)
    pg_settings = PG_CUSTOM_PLANS if args.pg_parallel else PG_SETTINGS
    out["pg_settings"] = pg_settings if name == "postgresql" else None
    kept: dict[int, tuple] = {}  # size -> (app, info): the smallest and largest stay open
    urls = []
    try:
        register_help = None
        for size in args.sizes:
            size_url = database_for(url, workdir, str(size), pg_settings)
            urls.append(size_url)
            key = generation_key(size, args.shape)
            info = reusable(workdir, str(size), key, size_url) if args.reuse else None
            reused = info is not None
            if not reused:
                print(f"[{name}] {size:,} petitions: generating...", flush=True)
                fresh_database(size_url)
            else:
                print(
                    f"[{name}] {size:,} petitions: reusing the data generated earlier", flush=True
                )
            app = make_app(size_url, workdir)
            env = server_env(size_url, workdir)
            if register_help is None:
                register_help = {
                    "export": measure.has_command("export-register", env),
                    "import": measure.has_command("import-register", env),
                }
            migrate(app)
            if info is None:
                with app.app_context():
                    info = generate(size_url, size, shape=args.shape)
                save_generated(workdir, str(size), key, info, size_url)
            r: dict = {
                "data": {
                    "reused": reused,  # generated_s is then the earlier run's
                    "petitions": info.petitions,
                    "cases": info.counts.get("case_file"),
                    "open_cases": info.open_cases,
                    "rows": info.counts,
                    "generated_s": round(info.seconds, 1),
                }
            }
            out["sizes"][str(size)] = r
            print(
                f"[{name}] {size:,}: {info.petitions:,} petitions, "
                f"{info.counts.get('case_file', 0):,} cases ({info.open_cases:,} open), "
                f"{sum(info.counts.values()):,} rows in {info.seconds:.0f} s; measuring...",
                flush=True,
            )
            r["reports"] = measure.reports(app, info, args.repeat[size])
            r["pages"] = measure.pages(app, info, args.requests)
            r["commands"] = {"report_xlsx": measure.report_xlsx(env, workdir, info)}
            if size == largest:
                r["plans"] = capture_plans(app, info)
                if not args.load_skipped:
                    unit_id = measure._unit_id(app, info.reception_unit_code)
                    print(
                        f"[{name}] {size:,}: gunicorn 2 workers under wrk "
                        f"({args.load_seconds} s)...",
                        flush=True,
                    )
                    r["load"] = measure.load(env, workdir, info, args.load_seconds, unit_id)
            if register_help["export"]:
                try:
                    r["commands"]["export_register"] = measure.register_export(
                        env, workdir, info, register_help["export"]
                    )
                except BenchError as e:
                    out.setdefault("errors", []).append(f"{size}: {e}")
                    r["commands"]["export_register"] = {"error": str(e)}
                rows = r["commands"]["export_register"].get("rows") or 0
                too_big = args.import_max_rows and rows > args.import_max_rows
                if too_big:
                    r["commands"]["import_register"] = {
                        "skipped": f"{rows:,} rows > --import-max-rows {args.import_max_rows:,}"
                    }
                if (
                    register_help["import"]
                    and "file" in r["commands"]["export_register"]
                    and not too_big
                ):
                    # Into a database holding the province but none of its petitions.
                    import_url = database_for(url, workdir, "import", pg_settings)
                    urls.append(import_url)
                    fresh_database(import_url)
                    import_app = make_app(import_url, workdir)
                    migrate(import_app)
                    with import_app.app_context():
                        generate(import_url, 0, shape=args.shape)
                    _dispose(import_app)
                    try:
                        r["commands"]["import_register"] = measure.register_import(
                            {
                                **server_env(import_url, workdir),
                                # a year of a large province is more than a page upload
                                "COMPLAINTS_REGISTER_IMPORT_MAX_BYTES": "4000000000",
                                "COMPLAINTS_REGISTER_IMPORT_MAX_UNZIPPED": "40000000000",
                            },
                            workdir,
                            info,
                            register_help["import"],
                            Path(r["commands"]["export_register"]["file"]),
                        )
                        import_app = make_app(import_url, workdir)
                        r["commands"]["import_register"].update(measure.import_rate(import_app))
                        _dispose(import_app)
                    except BenchError as e:
                        out.setdefault("errors", []).append(f"{size}: {e}")
                        r["commands"]["import_register"] = {"error": str(e)}
            if size in (smallest, largest):
                kept[size] = (app, info)
            else:
                _dispose(app)
        if len(kept) == 2:
            print(f"[{name}] pages of {smallest:,} and {largest:,} side by side...", flush=True)
            out["growth"] = measure.side_by_side(
                {str(s): kept[s] for s in (smallest, largest)}, args.requests
            )
        if not (register_help or {}).get("export"):
            out["not_measured"] = [
                "export-register / import-register: the commands do not exist yet (flask --app "
                "complaints export-register --help fails); the harness measures them as soon as "
                "they do"
            ]
    finally:
        for app, _ in kept.values():
            _dispose(app)
        if not args.workdir:
            for u in urls:
                drop_database(u)


def capture_plans(app, info) -> dict:
    from complaints.reports.periods import standard_period

    leader = measure.AppUser(app, info.leader)
    urls = measure.page_urls(info)
    period = standard_period("year", REPORT_YEAR)
    pages = {
        page: plans.page_plans(
            app,
            leader,
            urls[page],
            **({"also": "next_due"} if page.startswith("case_list") else {}),
            **({"n": 2} if page == "case_page" else {}),
        )
        for page in measure.PAGES
        if page != "citizen_lookup"  # a POST: measured, its plans not captured
    }
    return {
        **pages,
        "report_01-XLD": plans.report_plans(app, "01-XLD", info.province_code, period),
        "report_01-KQGQ": plans.report_plans(app, "01-KQGQ", info.province_code, period),
        "report_01-TCD": plans.report_plans(app, "01-TCD", info.province_code, period),
    }


# --- targets -------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def check_targets(results: dict) -> list[dict]:
    targets = []

    def add(name, value, limit, ok=None, note=""):
        if value is None:
            targets.append(
                {"name": name, "value": "n/a", "limit": _fmt(limit), "status": "SKIP", "note": note}
            )
            return
        passed = value <= limit if ok is None else ok
        targets.append(
            {
                "name": name,
                "value": _fmt(value),
                "limit": _fmt(limit),
                "status": "PASS" if passed else "FAIL",
                "note": note,
            }
        )

    for backend, data in results["backends"].items():
        sizes = sorted(data["sizes"], key=int)
        if not sizes:
            continue
        large = data["sizes"][sizes[-1]]
        judged_sizes = [z for z in sizes if int(z) >= REPORT_TARGET_FROM]
        for z in sizes:
            for rep in data["sizes"][z].get("reports", []):
                name = f"{backend}.report.{rep['form']}.ratio"
                if len(judged_sizes) > 1 or (judged_sizes and z not in judged_sizes):
                    name += f"@{z}"
                wrong = rep["differences"] or rep["identities_failing"]
                if z not in judged_sizes and not wrong:
                    if judged_sizes or z != sizes[-1]:
                        continue  # a small province's ratio: in the table, not judged
                    add(
                        name,
                        None,
                        TARGETS["report_ratio"],
                        note=f"judged from {REPORT_TARGET_FROM:,} petitions; "
                        f"here {rep['ratio']:.2f} at {int(z):,}",
                    )
                    continue
                add(
                    name,
                    rep["ratio"],
                    TARGETS["report_ratio"],
                    ok=None if not wrong else False,
                    note="figures differ from the floor or identities fail"
                    if wrong
                    else f"{rep['build']['median_ms']} ms / floor {rep['floor']['median_ms']} ms "
                    f"at {int(z):,}",
                )
        growth = data.get("growth", {})
        for page in measure.PAGES:
            if page.startswith("search") and page in growth:
                at = growth[page]["sizes"][sizes[-1]]["median_ms"]
                judged = int(sizes[-1]) >= SEARCH_TARGET_AT
                add(
                    f"{backend}.{page}.median_ms",
                    at if judged else None,
                    TARGETS["search_ms"],
                    note=""
                    if judged
                    else f"judged at {SEARCH_TARGET_AT:,} petitions (make bench SIZE=large); "
                    f"here {at} ms at {int(sizes[-1]):,}",
                )
            if page in growth:
                g = growth[page]
                add(
                    f"{backend}.{page}.growth",
                    g["growth"],
                    TARGETS["page_growth"],
                    note=f"median {g['sizes'][sizes[-1]]['median_ms']} ms at {int(sizes[-1]):,} vs "
                    f"{g['sizes'][sizes[0]]['median_ms']} ms at {int(sizes[0]):,}, side by side",
                )
            else:
                add(
                    f"{backend}.{page}.growth", None, TARGETS["page_growth"], note="needs two sizes"
                )
        load = large.get("load")
        add(
            f"{backend}.worker_peak_rss_mb",
            load["max_worker_peak_rss_mb"] if load else None,
            TARGETS["worker_rss_mb"],
            note="" if load else results.get("load_skipped") or "load not measured",
        )
        for command in ("export_register", "import_register"):
            ran = [
                (z, data["sizes"][z]["commands"][command])
                for z in sizes
                if "peak_rss_mb" in data["sizes"][z].get("commands", {}).get(command, {})
                or "error" in data["sizes"][z].get("commands", {}).get(command, {})
            ]
            a, b = (ran[0][1], ran[-1][1]) if ran else (None, None)
            failed = [c["error"] for c in (a, b) if c and "error" in c]
            if failed:
                add(
                    f"{backend}.{command}.rss_growth",
                    None,
                    TARGETS["stream_growth"],
                    note="command failed: " + failed[0][:120],
                )
                targets[-1]["status"] = "FAIL"
            elif a and b and len(ran) > 1:
                add(
                    f"{backend}.{command}.rss_growth",
                    b["peak_rss_mb"] / a["peak_rss_mb"],
                    TARGETS["stream_growth"],
                    note=f"{a['peak_rss_mb']} MB at {int(ran[0][0]):,} -> {b['peak_rss_mb']} MB "
                    f"at {int(ran[-1][0]):,} petitions (a year's register: "
                    + " -> ".join(
                        f"{data['sizes'][z]['commands']['export_register'].get('rows') or '?'} rows"
                        for z, _ in (ran[0], ran[-1])
                    )
                    + ")",
                )
            else:
                add(
                    f"{backend}.{command}.rss_growth",
                    None,
                    TARGETS["stream_growth"],
                    note="command not available yet" if not (a or b) else "one size only",
                )
        rates = [
            (z, data["sizes"][z]["commands"]["import_register"])
            for z in sizes
            if "rows_per_s" in data["sizes"][z].get("commands", {}).get("import_register", {})
        ]
        if rates:
            z, worst = min(rates, key=lambda x: x[1]["rows_per_s"])
            add(
                f"{backend}.import_register.rows_per_s",
                worst["rows_per_s"],
                TARGETS["import_rate"],
                ok=worst["rows_per_s"] >= TARGETS["import_rate"],
                note="the slowest size: "
                + "; ".join(
                    f"{c['rows']} rows in {c['job_seconds']} s at {int(q):,}"
                    + (" (this one)" if q == z else "")
                    for q, c in rates
                ),
            )
        else:
            add(
                f"{backend}.import_register.rows_per_s",
                None,
                TARGETS["import_rate"],
                note="import not measured",
            )
    return targets


# --- the table -----------------------------------------------------------------------------


def _page_label(sized: dict, page: str) -> str:
    url = sized.get("pages", {}).get(page, {}).get("url", page)
    return (url if url.startswith("POST") else f"GET {url}")[:44]


def print_table(results: dict) -> None:
    header = (
        f"{'backend':<10} {'petitions':>9}  {'measure':<44} {'median':>9} {'p95':>9} "
        f"{'floor':>9} {'ratio':>6}"
    )
    print()
    print("floor: the hand-written SQL of the report (growth lines: the smallest size's median)")
    print(header)
    print("-" * len(header))

    def line(backend, size, what, median="", p95="", floor="", ratio=""):
        print(f"{backend:<10} {size:>9}  {what:<44} {median:>9} {p95:>9} {floor:>9} {ratio:>6}")

    def ms(v):
        return f"{v:.1f}ms" if isinstance(v, int | float) else ""

    for backend, data in results["backends"].items():
        sizes = sorted(data["sizes"], key=int)
        for size in sizes:
            r = data["sizes"][size]
            n = f"{r['data']['petitions']:,}"
            d = r["data"]
            line(
                backend,
                n,
                f"data: {d['cases']:,} cases, {d['open_cases']:,} open, gen {d['generated_s']}s",
            )
            for rep in r.get("reports", []):
                flag = "" if not (rep["differences"] or rep["identities_failing"]) else " !"
                line(
                    backend,
                    n,
                    f"report {rep['form']} (year, {rep['rows']} rows){flag}",
                    ms(rep["build"]["median_ms"]),
                    ms(rep["build"]["p95_ms"]),
                    ms(rep["floor"]["median_ms"]),
                    f"{rep['ratio']:.2f}",
                )
            for key, label in (
                *((page, _page_label(r, page)) for page in measure.PAGES),
                ("register_post", "POST /petitions/new (CSRF form)"),
            ):
                p = r.get("pages", {}).get(key)
                if p:
                    line(backend, n, label, ms(p["median_ms"]), ms(p["p95_ms"]))
            load = r.get("load")
            if load:
                lat = load["latency_ms"]
                line(
                    backend,
                    n,
                    f"wrk GET /cases/ 2 workers c8: {load['requests_per_s']:.0f} req/s",
                    ms(lat["p50"]),
                    ms(lat["p95"]),
                )
                reg = load["register_under_load"]
                if reg.get("n"):
                    line(
                        backend,
                        n,
                        f"POST /petitions/new under load ({reg['n']} posts)",
                        ms(reg["median_ms"]),
                        ms(reg["p95_ms"]),
                    )
                line(
                    backend,
                    n,
                    "gunicorn worker peak RSS",
                    f"{load['max_worker_peak_rss_mb']:.0f}MB",
                )
            for key, c in r.get("commands", {}).items():
                if "error" in c:
                    line(backend, n, f"{key.replace('_', ' ')}: FAILED (see JSON)")
                    continue
                if "skipped" in c:
                    line(backend, n, f"{key.replace('_', ' ')}: skipped, {c['skipped']}")
                    continue
                line(
                    backend,
                    n,
                    f"{key.replace('_', ' ')}: peak RSS ({c['seconds']}s)",
                    f"{c['peak_rss_mb']:.0f}MB",
                )
                if "rows_per_s" in c:
                    line(
                        backend,
                        n,
                        f"import register: {c['rows']:,} rows, {c['rows_per_s']:.0f} rows/s",
                        f"{c['job_seconds']:.1f}s",
                    )
        for key, g in data.get("growth", {}).items():
            a, b = (g["sizes"][k] for k in sizes[:: len(sizes) - 1])
            line(
                backend,
                "growth",
                f"{key}: {int(sizes[0]):,} -> {int(sizes[-1]):,} side by side"
                + (
                    f" ({a['rows_shown']} -> {b['rows_shown']} rows)"
                    if key != "case_page" and "rows_shown" in a
                    else ""
                ),
                ms(b["median_ms"]),
                ms(b["p95_ms"]),
                ms(a["median_ms"]),
                f"x{g['growth']:.2f}",
            )
        for note in data.get("not_measured", []):
            print(f"{backend:<10} not measured: {note}")
    for backend, data in results["backends"].items():
        for error in data.get("errors", []):
            print(f"{backend:<10} ERROR {error}")
    for note in results.get("notes", []):
        print(note)
    if results.get("error"):
        print(f"ERROR: {results['error']}")
