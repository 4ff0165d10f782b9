"""Interface translation for code that also runs without Flask (core, CLI, operations).

The source language of every message is Vietnamese; Flask-Babel's catalogue gives English.
Outside a request (CLI, tests calling operations) and whenever the user has not asked for
English, these functions return the Vietnamese text unchanged.
"""

from __future__ import annotations

from markupsafe import Markup, escape


def N_(text: str) -> str:
    """Mark a string for extraction where it is defined; it is translated where it is shown."""
    return text


def L_(text: str) -> Label:
    """A Label marked for extraction: Vietnamese as data, translated where a page shows it."""
    return Label(text)


def gettext(text: str, /, **variables) -> str:
    """The text in the interface language (Vietnamese outside a request); Label variables are
    translated too."""
    variables = {k: v.translated() if isinstance(v, Label) else v for k, v in variables.items()}
    try:
        from complaints.i18n import gettext as _gettext
    except ImportError:  # pragma: no cover - core used without Flask
        return text % variables if variables else text
    return _gettext(text, **variables)


def lazy_gettext(text: str, /, **variables):
    """Like gettext, translated when the string is used (form labels defined at import)."""
    from flask_babel.speaklater import LazyString

    return LazyString(gettext, text, **variables)


class Label(str):
    """A Vietnamese label that is shown translated.

    For Python it is the Vietnamese string itself: audit summaries, .xlsx exports, imports that
    match labels and the JSON API all keep the law's wording whatever the user's language.
    Only where it is rendered as HTML (Jinja autoescape, WTForms options: both call __html__)
    does it go through gettext, at that moment, in the language of that page.
    """

    __slots__ = ()

    @property
    def vi(self) -> str:
        """The plain Vietnamese text (legal forms)."""
        return str.__str__(self)

    def translated(self) -> str:
        """The text in the interface language, for messages built in Python (flash)."""
        return gettext(str.__str__(self))

    def __html__(self) -> Markup:
        return escape(self.translated())


def _vietnamese(text: str, /, **variables) -> str:
    return text % variables if variables else text


class Phrase(Label):
    """Text composed from several messages (``compose(t)`` builds it with the translator t).

    Its string value is the Vietnamese composition, for the same reasons as Label; a page
    renders it composed again in the page's language."""

    def __new__(cls, compose):
        phrase = super().__new__(cls, compose(_vietnamese))
        phrase._compose = compose
        return phrase

    def compose(self, t) -> str:
        """The text composed with the translator t (gettext, or another Phrase's t)."""
        return self._compose(t)

    def translated(self) -> str:
        return self._compose(gettext)
