"""Uploads are judged by their bytes, never by their names: hostile content under a scan's
name is refused, a scan under a dangerous name is refused or renamed, and no name reaches the
file system."""

from __future__ import annotations

import pytest

from complaints.petitions import storage
from complaints.petitions.storage import AttachmentError, IncomingFile, check_file

from . import factories_petitions as fp

HOSTILE = {
    "html page named .pdf": b"<!doctype html><script>alert(1)</script>",
    "svg with script named .png": b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script>',
    "windows program named .jpg": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 60,
    "linux program named .tif": b"\x7fELF\x02\x01\x01" + b"\x00" * 60,
    "php script named .pdf": b"<?php system($_GET['c']); ?>",
    "javascript named .png": b"fetch('/admin').then(r => r.text())",
    "gzip named .pdf": b"\x1f\x8b\x08\x00" + b"\x00" * 40,
    "pdf magic too late": b" " * 2000 + b"%PDF-1.4",
}
NAMES = {
    "html page named .pdf": "don.pdf",
    "svg with script named .png": "anh.png",
    "windows program named .jpg": "anh.jpg",
    "linux program named .tif": "quet.tif",
    "php script named .pdf": "don.pdf",
    "javascript named .png": "anh.png",
    "gzip named .pdf": "don.pdf",
    "pdf magic too late": "don.pdf",
}


@pytest.fixture()
def ctx(app):
    with app.app_context():
        yield


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_content_under_a_scan_name_is_refused(ctx, case):
    with pytest.raises(AttachmentError, match="kiểm tra theo nội dung tệp, không theo tên tệp"):
        check_file(IncomingFile(NAMES[case], HOSTILE[case]))


@pytest.mark.parametrize("name", ["don.html", "don.svg", "don.exe", "don.php", "don.js"])
def test_a_real_scan_under_a_dangerous_name_is_refused(ctx, name):
    with pytest.raises(AttachmentError, match="tên và nội dung tệp không khớp"):
        check_file(IncomingFile(name, fp.PDF))


@pytest.mark.parametrize(
    ("name", "content", "kept"),
    [
        ("../../etc/passwd.pdf", fp.PDF, "passwd.pdf"),
        ("C:\\Windows\\system32\\don.pdf", fp.PDF, "don.pdf"),
        ("don\x00.pdf", fp.PDF, "don_.pdf"),
        ("ban quet", fp.png_bytes(), "ban quet.png"),
        ("", fp.JPG, "tep-dinh-kem.jpg"),
        ("/", fp.TIF, "tep-dinh-kem.tif"),
    ],
)
def test_names_lose_their_paths_and_get_the_detected_extension(ctx, name, content, kept):
    checked = check_file(IncomingFile(name, content))
    assert checked.filename == kept


def test_the_type_and_mime_come_from_the_content(ctx):
    checked = check_file(IncomingFile("ban-quet.jpeg", fp.JPG))
    assert (checked.file_type, checked.mime_type) == ("jpg", "image/jpeg")


def test_storage_keys_are_random_and_never_names(ctx):
    keys = {storage.new_key() for _ in range(50)}
    assert len(keys) == 50
    for bad in ("../x", "ab/../../cd", "don.pdf", "A" * 40):
        with pytest.raises(ValueError):
            storage.path_for(bad)
