"""The one error an operation raises when the rules refuse a change.

Every feature's refusal (PetitionError, CaseError, ReceptionError...) is an OperationError: it
carries the Vietnamese message, the field it belongs beside, and, when a form has several wrong
fields, every (field, message) pair. The pages put the messages beside the fields, the API
answers 422 with the same pairs, and the request's transaction is rolled back in one place
(complaints/web/transaction.py). A StaleError says the record changed since the user opened it:
nothing is saved, the pages answer 409 with the form, the API 409.
"""

from __future__ import annotations


class OperationError(ValueError):
    """A change the rules refuse; the message is for the user, in Vietnamese."""

    def __init__(
        self,
        message: str | None = None,
        field: str | None = None,
        errors: list[tuple[str | None, str]] | None = None,
    ):
        self.errors: list[tuple[str | None, str]] = list(errors or [(field, message or "")])
        self.field = field
        super().__init__(message or "; ".join(m for _, m in self.errors))

    @property
    def message(self) -> str:
        return str(self)

    @property
    def stale(self) -> bool:
        """True when the refusal is a lost update (the record changed meanwhile): 409."""
        return isinstance(self, StaleError) or self.field == "version"


class StaleError(OperationError):
    """The record changed since the user opened it: their change is not applied."""

    def __init__(self, message: str | None = None, field: str | None = "version", errors=None):
        super().__init__(message, field, errors)
