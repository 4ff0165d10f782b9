"""Scanned petitions on disk: checked by content, stored under random keys, tied to the
transaction that records them (a rolled-back registration leaves no file behind)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_size
from complaints.core.translate import gettext as _

# Names a file may carry for each detected type (a scan named .pdf must be a PDF).
EXTENSIONS = {
    "pdf": ("pdf",),
    "jpg": ("jpg", "jpeg", "jpe", "jfif"),
    "png": ("png",),
    "tif": ("tif", "tiff"),
}
TYPE_LABELS = {"pdf": "PDF", "jpg": "JPG", "png": "PNG", "tif": "TIF"}
_PENDING = "petitions.storage.pending"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


class AttachmentError(OperationError):
    """A file that may not be attached; the message is for the user."""


@dataclass(frozen=True)
class IncomingFile:
    """An uploaded file as plain data: the name the user gave and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A file whose type and size were checked, ready to store."""

    filename: str
    data: bytes
    file_type: str
    mime_type: str
    size: int
    sha256: str


def allowed_types() -> tuple[str, ...]:
    return tuple(current_app.config["ATTACHMENT_TYPES"])


def max_bytes() -> int:
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def allowed_label() -> str:
    return ", ".join(TYPE_LABELS.get(t, t.upper()) for t in allowed_types())


def clean_filename(name: str, file_type: str) -> str:
    """The user's file name without any path or control characters, with the right extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")[:200]
    stem, _, ext = name.rpartition(".")
    if not stem or ext.lower() not in EXTENSIONS.get(file_type, ()):
        name = f"{name or 'tep-dinh-kem'}.{file_type}"
    return name


def read_upload(stream, filename: str, limit: int | None = None) -> IncomingFile:
    """Read an uploaded stream, refusing it before reading when it is over the size limit."""
    limit = max_bytes() if limit is None else limit
    try:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
    except (AttributeError, OSError):
        size = None
    if size is not None and size > limit:
        raise AttachmentError(_too_big(filename, size, limit))
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise AttachmentError(_too_big(filename, size or len(data), limit))
    return IncomingFile(filename=filename or "", data=data)


def _too_big(filename: str, size: int, limit: int) -> str:
    return _(
        "Tệp “%(filename)s” có dung lượng %(size)s, vượt quá mức tối đa %(limit)s cho mỗi "
        "tệp. Hãy quét lại với độ phân giải thấp hơn hoặc chia nhỏ tệp.",
        filename=filename,
        size=fmt_size(size),
        limit=fmt_size(limit),
    )


def check_file(incoming: IncomingFile) -> CheckedFile:
    """Check one file by its content (magic bytes), its name and its size."""
    data, limit = incoming.data, max_bytes()
    name = re.split(r"[/\\]", incoming.filename or "")[-1]
    if len(data) > limit:
        raise AttachmentError(_too_big(name, len(data), limit))
    if not data:
        raise AttachmentError(_("Tệp “%(name)s” rỗng (0 byte).", name=name))
    kind = filetype.guess(data[:8192])
    detected = kind.extension if kind is not None else None
    if detected not in allowed_types():
        reason = (
            _("nội dung là tệp %(value)s", value=detected.upper())
            if detected
            else _("nội dung không phải ảnh quét hay PDF")
        )
        raise AttachmentError(
            _(
                "Tệp “%(name)s” không được chấp nhận: %(reason)s. Chỉ nhận bản quét dạng "
                "%(value)s (kiểm tra theo nội dung tệp, không theo tên tệp).",
                name=name,
                reason=reason,
                value=allowed_label(),
            )
        )
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() not in EXTENSIONS[detected]:
        raise AttachmentError(
            _(
                "Tệp “%(name)s” có đuôi .%(ext)s nhưng nội dung là %(TYPE_LABELS)s: tên và nội "
                "dung tệp không khớp, tệp có thể bị đổi tên. Hãy kiểm tra lại tệp.",
                name=name,
                ext=ext,
                TYPE_LABELS=TYPE_LABELS[detected],
            )
        )
    return CheckedFile(
        filename=clean_filename(name, detected),
        data=data,
        file_type=detected,
        mime_type=kind.mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def new_key() -> str:
    """A random storage key: the user's file name never reaches the file system."""
    return secrets.token_hex(20)


def root() -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"])


def path_for(key: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{40}", key or ""):
        raise ValueError(f"invalid storage key {key!r}")
    return root() / key[:2] / key


def write(session: Session, key: str, data: bytes) -> Path:
    """Write a file atomically; it is deleted again if the session's transaction does not commit."""
    path = path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{key}.part")
    pending = session.info.setdefault(_PENDING, [])
    pending.append(path)
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted_files(session: Session, transaction) -> None:
    # The outermost transaction ended without a commit (rollback, failed commit, close):
    # the rows that pointed at these files are gone, so are the files.
    if transaction.parent is None and not transaction.nested:
        for path in session.info.pop(_PENDING, ()):
            path.unlink(missing_ok=True)
