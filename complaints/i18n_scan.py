"""Find visible text in Jinja templates that does not go through gettext.

A development aid (``flask --app complaints i18n untranslated``) and the check behind
tests/test_i18n.py. It reads the template *source*: text between HTML tags, the values of the
attributes people read (title, placeholder, aria-label, alt, data-confirm, value of buttons) and
string literals inside ``{{ }}`` / ``{% %}`` that contain Vietnamese letters. Text inside
``{% trans %}`` blocks, ``_()`` calls, ``<script>``/``<style>`` and any element marked
``data-i18n="vi-only"`` (a legal form printed in Vietnamese in every language) or
``translate="no"`` is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Letters that only Vietnamese (of the two languages) writes: a page in English that still
# shows one of them outside the data and the legal forms has an untranslated string.
VI_LETTERS = frozenset(
    "àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ"
    "ÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴÈÉẸẺẼÊỀẾỆỂỄÌÍỊỈĨÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠÙÚỤỦŨƯỪỨỰỬỮỲÝỴỶỸĐ"
)
READ_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt", "data-confirm", "label"})
VI_ONLY = 'data-i18n="vi-only"'  # a legal form: Vietnamese in every language
NO_TRANSLATE = 'translate="no"'  # HTML's own marker, e.g. "English" on the language switch

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_STRING = re.compile(r"""(?P<q>['"])(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)""", re.S)
_GETTEXT_BEFORE = re.compile(
    r"(?:\b_|gettext|ngettext|_l)\(\s*$|pgettext\(\s*(['\"])[^'\"]*\1\s*,\s*$"
)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")
_ATTR = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.S)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def has_vi(text: str) -> bool:
    """True when the text holds a letter of the Vietnamese alphabet beyond plain ASCII."""
    return any(ch in VI_LETTERS for ch in text)


def _visible(text: str) -> bool:
    text = re.sub(r"&[a-zA-Z]+;|&#\d+;", " ", text)
    return any(ch.isalpha() for ch in text)


@dataclass(frozen=True)
class Finding:
    """One piece of untranslated text: where it is, what kind, and the text."""

    template: str
    line: int
    kind: str  # "text", "attribute", "literal"
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.kind}: {self.text.strip()[:80]!r}"


def _tokens(source: str):
    """(kind, start, end): kind is 'lit' for template text, or 'expr' / 'stmt' / 'comment'."""
    pos = 0
    for m in _JINJA.finditer(source):
        if m.start() > pos:
            yield "lit", pos, m.start()
        kind = {"{{": "expr", "{%": "stmt", "{#": "comment"}[m.group()[:2]]
        yield kind, m.start(), m.end()
        pos = m.end()
    if pos < len(source):
        yield "lit", pos, len(source)


def _stmt_name(token: str) -> str:
    body = token[2:-2].strip("-+ \n\t")
    return body.split(None, 1)[0] if body else ""


def scan_source(source: str, template: str = "<string>") -> list[Finding]:
    """Every untranslated visible string in one template's source."""
    findings: list[Finding] = []

    def line_of(pos: int) -> int:
        return source.count("\n", 0, pos) + 1

    # Pass 1: mark the spans to ignore (trans blocks, vi-only elements, script, style, comments).
    ignored = _ignored_spans(source)

    def is_ignored(pos: int) -> bool:
        return any(a <= pos < b for a, b in ignored)

    # Pass 2: walk the literal text with a small HTML state machine.
    in_tag = False
    quote = ""
    run_start = None
    run_parts: list[str] = []

    def flush_run():
        nonlocal run_start, run_parts
        text = "".join(run_parts)
        if run_start is not None and _visible(text) and not is_ignored(run_start):
            findings.append(Finding(template, line_of(run_start), "text", text))
        run_start, run_parts = None, []

    for kind, start, end in _tokens(source):
        chunk = source[start:end]
        if kind in ("expr", "stmt"):
            for m in _STRING.finditer(chunk):
                literal = m.group("s")
                before = chunk[: m.start()]
                if has_vi(literal) and not _GETTEXT_BEFORE.search(before) and not is_ignored(start):
                    findings.append(
                        Finding(template, line_of(start + m.start()), "literal", literal)
                    )
            if kind == "stmt" and not in_tag:
                flush_run()
            continue
        if kind == "comment":
            continue
        i = start
        while i < end:
            ch = source[i]
            if in_tag:
                if quote:
                    if ch == quote:
                        quote = ""
                elif ch in "\"'":
                    quote = ch
                elif ch == ">":
                    in_tag = False
                i += 1
                continue
            if (ch == "<" and source[i + 1 : i + 2].isalpha()) or source[i : i + 2] in ("</", "<!"):
                flush_run()
                in_tag = True
                tag_end = _tag_end(source, i)
                _check_attributes(source, i, tag_end, template, line_of, is_ignored, findings)
                i += 1
                continue
            if run_start is None and not ch.isspace():
                run_start = i
            if run_start is not None:
                run_parts.append(ch)
            i += 1
    flush_run()
    return findings


def _tag_end(source: str, start: int) -> int:
    """Index just past the '>' closing the tag opened at start (quotes and Jinja respected)."""
    quote = ""
    i = start + 1
    while i < len(source):
        if source.startswith(("{{", "{%", "{#"), i):
            m = _JINJA.match(source, i)
            if m:
                i = m.end()
                continue
        ch = source[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == ">":
            return i + 1
        i += 1
    return len(source)


def _check_attributes(source, start, end, template, line_of, is_ignored, findings):
    tag = source[start:end]
    name = _TAG_NAME.match(tag)
    tag_name = name.group(1).lower() if name else ""
    button_like = tag_name == "input" and re.search(r'type="(submit|button|reset)"', tag)
    for m in _ATTR.finditer(tag):
        attr = m.group(1).lower()
        value = m.group(2) if m.group(2) is not None else (m.group(3) or "")
        if attr not in READ_ATTRIBUTES and not (attr == "value" and button_like):
            continue
        literal = _JINJA.sub(" ", value)
        if _visible(literal) and not is_ignored(start):
            findings.append(Finding(template, line_of(start + m.start()), "attribute", value))


def _ignored_spans(source: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", source, re.S):
        spans.append((m.start(), m.end()))
    for m in re.finditer(r"\{%-?\s*block body_class\s*-?%\}.*?\{%-?\s*endblock", source, re.S):
        spans.append((m.start(), m.end()))  # class names, not text
    for m in re.finditer(r"<(script|style)\b.*?</\1\s*>", source, re.S | re.I):
        spans.append((m.start(), m.end()))
    for m in re.finditer(r"<!--.*?-->", source, re.S):
        spans.append((m.start(), m.end()))
    markers = "|".join(re.escape(m) for m in (VI_ONLY, NO_TRANSLATE))
    for m in re.finditer(r"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*(?:" + markers + ")", source):
        spans.append((m.start(), _element_end(source, m.group(1).lower(), m.end())))
    return spans


def _element_end(source: str, tag: str, pos: int) -> int:
    """End of the element named tag whose start tag began before pos (nesting counted)."""
    if tag in _VOID:
        return source.find(">", pos) + 1
    depth = 1
    pattern = re.compile(rf"<(/?){tag}\b[^>]*>", re.I)
    for m in pattern.finditer(source, pos):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m.end()
    return len(source)


def scan_templates(root: Path, skip: frozenset[str] = frozenset()) -> list[Finding]:
    """Every finding in every .html template under root, except the templates in skip."""
    findings: list[Finding] = []
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if name in skip:
            continue
        findings.extend(scan_source(path.read_text(encoding="utf-8"), name))
    return findings
