"""`flask --app complaints deadline ...`: the deadline engine for staff and scripts."""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from complaints.core import deadlines as engine
from complaints.core.numbers import fmt_date

SCRIPT_STEPS = engine.STEPS


def _parse_date(ctx, param, value):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise click.BadParameter(f"ngày không hợp lệ: {value!r} (dạng YYYY-MM-DD)") from None


@click.command("deadline")
@click.option(
    "--kind", required=True, type=click.Choice(["complaint", "denunciation", "feedback", "any"])
)
@click.option("--step", required=True, type=click.Choice(SCRIPT_STEPS))
@click.option("--start", required=True, callback=_parse_date, help="YYYY-MM-DD")
@click.option("--round", "round_", default=1, type=click.IntRange(1, 2))
@click.option(
    "--complexity", default="normal", type=click.Choice(["normal", "complex", "especially_complex"])
)
@click.option("--remote", is_flag=True, help="Vùng sâu, vùng xa")
@click.option("--suspended-days", default=0, type=click.IntRange(0))
@click.option("--extension-days", default=0, type=click.IntRange(0))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def deadline_command(
    kind, step, start, round_, complexity, remote, suspended_days, extension_days, as_json
):
    """Tính thời hạn theo quy định (ngày làm việc, ngày lễ, ngày nghỉ bù của đơn vị)."""
    from complaints.calendar.operations import work_calendar

    try:
        result = engine.compute(
            kind,
            step,
            start,
            round=round_,
            complexity=complexity,
            remote=remote,
            calendar=work_calendar(),
            suspended_days=suspended_days,
            extension_days=extension_days,
        )
    except engine.DeadlineError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(
            json.dumps(
                {**result.as_dict(), "start": start.isoformat(), "kind": kind, "step": step},
                ensure_ascii=False,
            )
        )
        return
    unit = "ngày làm việc" if result.day_type == "working" else "ngày"
    click.echo(
        f"{result.label}: {result.days} {unit} kể từ {fmt_date(start)} "
        f"→ hạn cuối {fmt_date(result.due)}"
    )
    click.echo(f"Căn cứ: {result.basis} (quy tắc {result.rule})")
