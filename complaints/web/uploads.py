"""A request over MAX_CONTENT_LENGTH (werkzeug's RequestEntityTooLarge, 413) gives the form back.

The browser's check (static/js/uploads.js) stops most oversize files before they are sent. One
that arrives anyway is read through once, its files dropped as they stream (only their names
and sizes are kept) and its typed fields kept; the same view then runs again on those fields,
with every upload field refused (core.forms.UploadField, core/uploads.py), so the page comes
back with what was typed and the real size beside the file field, answered 413 and rolled back
whatever the view did. The API, a visitor not logged in, a body without a length or larger than
UPLOAD_REFUSED_READ_MAX get the plain answer with the real size (JSON for the API)."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.wsgi import LimitedStream

from complaints.core.uploads import RefusedUpload, refuse, refused, request_too_large
from complaints.extensions import db

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class _Dropped:
    """Where a refused file's bytes go: counted, not kept."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)

    def seek(self, *args) -> int:
        return 0

    def tell(self) -> int:
        return self.size

    def read(self, *args) -> bytes:
        return b""

    def close(self) -> None:
        pass


def _read_fields(size: int) -> tuple[MultiDict, list[tuple[str, str, int]]] | None:
    """The typed fields of the refused body and its files' names and sizes; None when the body
    cannot be read (a field over MAX_FORM_MEMORY_SIZE, a broken body)."""
    parser = FormDataParser(
        stream_factory=lambda *args, **kwargs: _Dropped(),
        max_form_memory_size=current_app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000,
        max_form_parts=current_app.config.get("MAX_FORM_PARTS") or 1_000,
        max_content_length=None,
        silent=False,
    )
    stream = LimitedStream(request.environ["wsgi.input"], size)
    try:
        _stream, form, files = parser.parse(stream, request.mimetype, size, request.mimetype_params)
    except (ValueError, HTTPException):  # too large a field, a client gone mid-body
        return None
    sizes = [(name, f.filename or "", f.stream.size) for name, f in files.items(multi=True)]
    return form, sizes


def too_large(e: RequestEntityTooLarge):
    from complaints.web import error_response

    db.session.rollback()
    size = request.content_length
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    plain = error_response(413, request_too_large(size, limit))
    read_max = int(current_app.config.get("UPLOAD_REFUSED_READ_MAX", 4 * limit))
    if (
        refused() is not None  # already giving the form back
        or request.path.startswith("/api/")
        or request.method != "POST"
        or request.mimetype not in FORM_TYPES
        or request.endpoint is None
        or not current_user.is_authenticated
        or size is None
        or size <= limit  # refused while read (a field too long): its start is already gone
        or size > read_max
    ):
        return plain
    read = _read_fields(size)
    if read is None:
        return plain
    form, files = read
    request.__dict__["form"] = form
    request.__dict__["files"] = MultiDict()
    refuse(RefusedUpload(size, limit, files))
    try:
        rv = current_app.preprocess_request()
        if rv is None:
            rv = current_app.dispatch_request()
    except Exception as err:
        rv = current_app.handle_user_exception(err)
    response = current_app.make_response(rv)
    if response.status_code == 422:
        response.status_code = 413  # the form shown again, refused for the size
    if response.status_code >= 400:
        return response
    if response.status_code >= 300:
        # The view took the form without its files for done: never (the upload fields refuse).
        db.session.rollback()
        session.pop("_flashes", None)
        return plain
    response.status_code = 413  # and the request's transaction is rolled back
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(RequestEntityTooLarge, too_large)
