"""Forms every blueprint's pages share."""

from __future__ import annotations

from flask_wtf import FlaskForm


class CsrfOnlyForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""
