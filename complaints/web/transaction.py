"""One commit per request.

Views and API handlers call operations, which flush; they never commit. When the answer is
ready, a writing request commits once (`_end_transaction`), or rolls back when the answer is an
error. A reading request writes only the record of an identity view, which first turns it into
a writing one (core/confidentiality.record_view), so it commits that too.
A refused operation (core.errors.OperationError) rolls the request's changes back where the view
catches it (`attempt`), so that the form is shown again with nothing half-written. A commit that
fails at the end (a concurrent save detected by the version column, a constraint) answers 409
or 500 instead of the page, and the success message it would have flashed is dropped.

Commands and the register import keep their explicit transactions (complaints/cli.py,
complaints/registers/importer.py): they are not requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, session
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from complaints.core.db import write_intent
from complaints.core.errors import OperationError
from complaints.extensions import db
from complaints.web.helpers import put_error


@dataclass
class Attempt:
    """What became of the operations run inside `attempt`."""

    error: OperationError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        """The status of the page shown again: 409 for a lost update, else 200."""
        return 409 if self.error is not None and self.error.stale else 200


@contextmanager
def attempt(form=None, *, place: Callable | None = None, **placing) -> Iterator[Attempt]:
    """Run operations; on a refusal, undo what the request wrote and put the messages beside
    the form's fields (`place(form, error)`, default web.helpers.put_error with `placing`)."""
    result = Attempt()
    try:
        yield result
    except OperationError as e:
        db.session.rollback()
        result.error = e
        if form is not None:
            (place or put_error)(form, e, **placing)


def init_app(app: Flask) -> None:
    @app.after_request
    def _end_transaction(response):
        from complaints.web import error_response

        if response.status_code >= 400:
            db.session.rollback()
            return response
        if not write_intent.get():
            return response  # a reading request wrote nothing (it ends at teardown)
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            session.pop("_flashes", None)
            return error_response(409)
        except IntegrityError:
            db.session.rollback()
            session.pop("_flashes", None)
            current_app.logger.exception("commit refused by a constraint")
            return error_response(409)
        except SQLAlchemyError:
            db.session.rollback()
            session.pop("_flashes", None)
            current_app.logger.exception("commit failed")
            return error_response(500)
        return response
