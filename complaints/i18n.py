"""The interface language: Vietnamese by default, English on request.

The choice is the user's, made with the switch link in the page header (``?lang=en`` /
``?lang=vi``) and kept in the session. The browser's Accept-Language is deliberately ignored:
offices run English-language browsers, and the language of the law and of the records is
Vietnamese, so nobody should get English without asking for it.

Numbers and dates stay Vietnamese-style (5.873; 88,24%; 05/01/2026) in both languages: the
figures are compared with paper forms, and one notation avoids misreading 5.873 as five
point eight. The legal forms (notices, Mẫu 02/TCD receipt, Mẫu 03/TCD log, report forms and
their .xlsx) stay Vietnamese in both languages; their areas are marked ``data-i18n="vi-only"``.
"""

from __future__ import annotations

from urllib.parse import urlencode

import click
from flask import Flask, current_app, g, has_request_context, redirect, request, session
from flask_babel import get_locale, get_translations
from markupsafe import Markup

from complaints.core.translate import Label

DEFAULT = "vi"
SESSION_KEY = "lang"


def languages() -> tuple[str, ...]:
    return tuple(current_app.config.get("LANGUAGES", (DEFAULT, "en")))


def select_locale() -> str:
    """Flask-Babel's locale selector: the session's choice, else Vietnamese."""
    if not has_request_context():
        return DEFAULT
    lang = session.get(SESSION_KEY)
    return lang if lang in languages() else DEFAULT


def current_lang() -> str:
    """The language of the page being rendered ("vi" or "en"), for <html lang>."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def page_translations():
    """The catalogue of the page's language. Flask-Babel looks it up again for every message
    (~5 µs; a case list renders about a thousand): this keeps it beside the locale Flask-Babel
    keeps for the request (g._flask_babel), and looks again if that locale changes."""
    ctx = g.get("_flask_babel") if has_request_context() else None
    if ctx is None:
        return get_translations()
    locale = getattr(ctx, "babel_locale", None)
    cached = getattr(ctx, "complaints_translations", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    ctx.complaints_translations = (get_locale(), translations)
    return translations


def gettext(text: str, /, **variables) -> str:
    """flask_babel.gettext through the page's catalogue."""
    s = page_translations().ugettext(text)
    return s % variables if variables else s


def translate_message(message) -> str:
    """gettext on a runtime string, without %-formatting (the message may contain a %)."""
    if message is None:
        return ""
    if isinstance(message, Markup):  # already HTML, made on purpose: leave it
        return message
    return page_translations().ugettext(str(message))


def lang_url(code: str) -> str:
    """The current page's address with ?lang=code (other query arguments kept)."""
    args = [(k, v) for k, vs in request.args.lists() if k != SESSION_KEY for v in vs]
    args.append((SESSION_KEY, code))
    return request.path + "?" + urlencode(args)


def init_app(app: Flask) -> None:
    """Take ?lang= from any page, and give templates the current language and switch links."""

    @app.before_request
    def _switch_language():
        code = request.args.get(SESSION_KEY)
        if code is None or request.method != "GET" or request.path.startswith("/api/"):
            return None
        if code in languages():
            session[SESSION_KEY] = code
        # Back to the same address without ?lang=, so a bookmark or a form posting to its own
        # page does not keep forcing a language.
        args = [(k, v) for k, vs in request.args.lists() if k != SESSION_KEY for v in vs]
        return redirect(request.path + ("?" + urlencode(args) if args else ""), code=303)

    # Flask-Babel's own callables, with the catalogue looked up once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["current_lang"] = current_lang
    app.jinja_env.globals["lang_url"] = lang_url
    # A message made elsewhere in Vietnamese (a validator's constant, an operation's error):
    # translated by its text when the catalogue has it, shown as it is otherwise.
    app.jinja_env.filters["tr"] = translate_message
    # Inside a legal form: a Label or Phrase as the law writes it, whatever the page language.
    app.jinja_env.filters["vi"] = lambda value: value.vi if isinstance(value, Label) else value
    # A Label as plain text in the page language, for filters that would drop it (|lower).
    app.jinja_env.filters["translated"] = lambda value: (
        value.translated() if isinstance(value, Label) else value
    )

    @app.cli.group("i18n")
    def i18n_cli():
        """Interface translations."""

    @i18n_cli.command("untranslated")
    def untranslated():
        """List visible template text that does not go through gettext."""
        from pathlib import Path

        from complaints.i18n_scan import scan_templates

        findings = scan_templates(Path(app.template_folder or "templates"), LEGAL_TEMPLATES)
        for finding in findings:
            click.echo(str(finding))
        click.echo(f"{len(findings)} untranslated string(s)")


# Templates that are a legal form from top to bottom (their text is fixed by the law).
LEGAL_TEMPLATES = frozenset({"notices/_document.html"})
