"""Work a migration leaves for the application to do (`flask --app complaints maintenance`,
run by `make migrate` after `db upgrade`): a migration cannot run the application's code, so
it records the task by name, and the feature that knows how registers the work."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from complaints.extensions import db

TASKS: dict[str, Callable[[], int]] = {}


class PendingTask(db.Model):
    __tablename__ = "pending_task"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)


def task(name: str):
    """Register the work of a pending task (a function returning how many records it did)."""

    def register(fn: Callable[[], int]) -> Callable[[], int]:
        TASKS[name] = fn
        return fn

    return register


def in_batches(model, work: Callable[[list], None], size: int = 500) -> int:
    """Do `work` on every row of `model`, `size` rows at a time in id order, each batch in a
    transaction of its own (a task over a province's history must not hold one for hours)."""
    last, count = 0, 0
    while True:
        rows = db.session.scalars(
            sa.select(model).where(model.id > last).order_by(model.id).limit(size)
        ).all()
        if not rows:
            return count
        work(rows)
        db.session.commit()
        last, count = rows[-1].id, count + len(rows)


def run_pending(say: Callable[[str], None] = print) -> int:
    """Run every pending task, each in its own transaction, and forget it once done."""
    done = 0
    for row in db.session.scalars(sa.select(PendingTask).order_by(PendingTask.name)).all():
        work = TASKS.get(row.name)
        if work is None:
            say(f"Bỏ qua việc chưa có cách làm: {row.name}")
            continue
        count = work()
        db.session.delete(row)
        db.session.commit()
        say(f"Đã làm {row.name}: {count} bản ghi")
        done += 1
    return done
