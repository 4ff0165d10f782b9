"""An upload refused for its size (issue 14, item 10): what the user is told, in one place.

The browser checks a chosen file against its field's limit before sending (static/js/
uploads.js, from the data-* attributes core.forms.UploadField renders). A request larger than
MAX_CONTENT_LENGTH that reaches the server anyway is answered by web/uploads.py, which gives the
form back with what was typed and puts refusal_message() beside its file fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g

from complaints.core.numbers import fmt_size
from complaints.core.translate import gettext as _

_KEY = "refused_upload"


@dataclass
class RefusedUpload:
    """The request refused: its size (Content-Length), the limit, and the files it carried
    (field name, file name, bytes), read and dropped."""

    size: int
    limit: int
    files: list[tuple[str, str, int]] = field(default_factory=list)


def refuse(refusal: RefusedUpload) -> None:
    g.setdefault(_KEY, refusal)


def refused() -> RefusedUpload | None:
    """The refusal of this request, when its upload was over the limit."""
    return g.get(_KEY)


def request_too_large(size: int | None, limit: int) -> str:
    """The sentence for a request over MAX_CONTENT_LENGTH: its real size and the limit (a
    request within it was refused for one typed field too long, or too many fields)."""
    if size is not None and size <= limit:
        return _(
            "Một ô nhập quá dài hoặc biểu mẫu có quá nhiều ô: chưa nhận dữ liệu. Vui lòng rút "
            "gọn nội dung rồi gửi lại."
        )
    if size is None:
        return _(
            "Dữ liệu gửi lên vượt quá mức tối đa %(limit)s của một lần gửi: chưa nhận tệp nào.",
            limit=fmt_size(limit),
        )
    return _(
        "Dữ liệu gửi lên nặng %(size)s, vượt quá mức tối đa %(limit)s của một lần gửi: chưa "
        "nhận tệp nào.",
        size=fmt_size(size),
        limit=fmt_size(limit),
    )


def refusal_message(refusal: RefusedUpload, name: str, file_limit: int) -> str:
    """What a file field says when the request carrying it was refused: the request's size and
    limit, each of its files with its real size, and that the rest of the form was kept."""
    parts = [request_too_large(refusal.size, refusal.limit)]
    for field_name, filename, size in refusal.files:
        if field_name == name and filename:
            parts.append(_("Tệp “%(name)s” nặng %(size)s.", name=filename, size=fmt_size(size)))
    parts.append(
        _(
            "Các thông tin khác đã nhập được giữ lại; hãy chọn lại tệp, mỗi tệp tối đa %(limit)s.",
            limit=fmt_size(file_limit),
        )
    )
    return " ".join(parts)
