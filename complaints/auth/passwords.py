"""The password policy: the one rule every place that sets a password applies (issue 14, item 5).

A password is refused when it is shorter than MIN_LENGTH, when it contains the account's own
names (its username, its holder's full name, its unit's code: what a colleague would try
first), or when zxcvbn, a maintained strength estimator, scores it below MIN_SCORE. Score 3
means "safely unguessable" to zxcvbn (about 10^8 guesses and more): `password`, `12345678`,
`aaaaaaaa`, `demo12345` score 0 or 1, while a few words joined ("mat-khau-cua-toi") pass. The
account's names are also given to zxcvbn (folded to ASCII, as typed passwords are), so that a
password built mostly from them scores low.

zxcvbn's feedback is in English; users get it in Vietnamese (FEEDBACK below, a generic reason
for anything it may say that is not listed). Nothing here touches the database or Flask
beyond gettext: operations.check_password_strength raises the refusal.

The demo province's accounts (complaints/demo.py) are the one exemption: their published
password `demo12345` is too weak on purpose and the README says to change them before real use.
"""

from __future__ import annotations

import re

from unidecode import unidecode

from complaints.core.translate import N_
from complaints.core.translate import gettext as _

MIN_LENGTH = 8
MIN_SCORE = 3
# zxcvbn refuses longer inputs (its matching grows fast with length); the first 72 characters
# of a longer password are what it scores, which is conservative.
SCORED_LENGTH = 72
# A name shorter than this is no useful clue ("an", a unit code "HP") and would refuse too much.
MIN_CLUE = 3

FEEDBACK = {
    "Use a few words, avoid common phrases.": N_(
        "Hãy ghép vài từ ít gặp, tránh các cụm từ thông dụng."
    ),
    "No need for symbols, digits, or uppercase letters.": N_(
        "Không cần ký hiệu, chữ số hay chữ hoa: độ dài mới quan trọng."
    ),
    "Add another word or two. Uncommon words are better.": N_(
        "Hãy thêm một hai từ nữa, càng ít gặp càng tốt."
    ),
    "Straight rows of keys are easy to guess.": N_(
        "Các phím liền nhau trên bàn phím (như qwerty) rất dễ đoán."
    ),
    "Short keyboard patterns are easy to guess.": N_(
        "Các mẫu phím ngắn trên bàn phím rất dễ đoán."
    ),
    "Use a longer keyboard pattern with more turns.": N_(
        "Nếu dùng mẫu phím, hãy dùng mẫu dài hơn và đổi hướng nhiều lần."
    ),
    'Repeats like "aaa" are easy to guess.': N_("Các ký tự lặp lại (như “aaa”) rất dễ đoán."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': N_(
        "Các đoạn lặp lại (như “abcabcabc”) chỉ khó đoán hơn “abc” một chút."
    ),
    "Avoid repeated words and characters.": N_("Tránh lặp lại từ và ký tự."),
    'Sequences like "abc" or "6543" are easy to guess.': N_(
        "Các dãy liên tiếp (như “abc” hay “6543”) rất dễ đoán."
    ),
    "Avoid sequences.": N_("Tránh các dãy liên tiếp."),
    "Recent years are easy to guess.": N_("Các năm gần đây rất dễ đoán."),
    "Avoid recent years.": N_("Tránh dùng các năm gần đây."),
    "Avoid years that are associated with you.": N_("Tránh các năm gắn với bản thân bạn."),
    "Dates are often easy to guess.": N_("Ngày tháng thường rất dễ đoán."),
    "Avoid dates and years that are associated with you.": N_(
        "Tránh ngày tháng, năm gắn với bản thân bạn."
    ),
    "This is a top-10 common password.": N_("Đây là một trong 10 mật khẩu phổ biến nhất."),
    "This is a top-100 common password.": N_("Đây là một trong 100 mật khẩu phổ biến nhất."),
    "This is a very common password.": N_("Đây là một mật khẩu rất phổ biến."),
    "This is similar to a commonly used password.": N_(
        "Mật khẩu này gần giống một mật khẩu phổ biến."
    ),
    "A word by itself is easy to guess.": N_("Một từ đứng riêng rất dễ đoán."),
    "Names and surnames by themselves are easy to guess.": N_(
        "Họ hoặc tên đứng riêng rất dễ đoán."
    ),
    "Common names and surnames are easy to guess.": N_("Các họ, tên phổ biến rất dễ đoán."),
    "Capitalization doesn't help very much.": N_("Viết hoa chữ đầu không giúp được nhiều."),
    "All-uppercase is almost as easy to guess as all-lowercase.": N_(
        "Viết hoa toàn bộ cũng dễ đoán gần như viết thường."
    ),
    "Reversed words aren't much harder to guess.": N_(
        "Viết ngược một từ không khó đoán hơn bao nhiêu."
    ),
    "Predictable substitutions like '@' instead of 'a' don't help very much.": N_(
        "Thay ký tự theo kiểu dễ đoán (như “@” thay cho “a”) không giúp được nhiều."
    ),
}
GENERIC = N_("Hãy dùng mật khẩu dài hơn, ghép từ vài từ ít gặp.")
_NOT_LETTERS = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """Lower case ASCII letters and digits only: "Nguyễn Văn An" -> "nguyenvanan"."""
    return _NOT_LETTERS.sub("", unidecode(text or "").lower())


def _clues(username: str, full_name: str, unit_code: str) -> tuple[list[str], list[str]]:
    """(what the password may not contain, what zxcvbn is told about the account)."""
    forbidden = [c for c in (_fold(username), _fold(full_name), _fold(unit_code)) if c]
    parts = [_fold(p) for p in re.split(r"[\s._-]+", f"{username} {full_name}") if p]
    hints = [*forbidden, *parts, unidecode(full_name or "").lower()]
    return [c for c in forbidden if len(c) >= MIN_CLUE], [h for h in hints if h]


def weakness(
    password: str, *, username: str = "", full_name: str = "", unit_code: str = ""
) -> str | None:
    """Why `password` is refused for this account (Vietnamese), or None when it is accepted."""
    if len(password) < MIN_LENGTH:
        return _("Mật khẩu phải có ít nhất %(MIN_PASSWORD)s ký tự.", MIN_PASSWORD=MIN_LENGTH)
    forbidden, hints = _clues(username, full_name, unit_code)
    folded = _fold(password)
    if any(clue in folded for clue in forbidden):
        return _(
            "Mật khẩu quá dễ đoán: không được chứa tên đăng nhập, họ tên hay mã đơn vị của "
            "tài khoản."
        )
    # Imported when a password is set, not when a worker starts: its word lists take 12 MB
    # of every web worker's memory (bench/README.md, the worker's peak).
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=hints)
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result.get("feedback") or {}
    said = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
    reasons = [_(FEEDBACK[s]) if s in FEEDBACK else _(GENERIC) for s in said if s]
    reasons = list(dict.fromkeys(reasons)) or [_(GENERIC)]
    return _("Mật khẩu quá dễ đoán. %(reasons)s", reasons=" ".join(reasons))
