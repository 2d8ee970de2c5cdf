"""Files people hand us (signatures, photos): checked by content, kept in the database.

The database is what every app server shares, so a photo taken on one server's page
is served by any other; nothing is written to a server's disk or static folder.
"""
import base64
import binascii
import hashlib
import re

from flask import Response, current_app, has_request_context
from flask_babel import gettext as _
from flask_login import current_user

from .extensions import db
from .models import StoredFile

# What a file's first bytes say it is; its name and declared type are not trusted.
_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"%PDF-": "application/pdf",
}
IMAGES = frozenset({"image/png", "image/jpeg"})
DOCUMENTS = IMAGES | {"application/pdf"}  # scans, plans, training materials
_DATA_URL = re.compile(r"^data:image/png;base64,([A-Za-z0-9+/=\s]+)$")
MAX_SIGNATURE_BYTES = 512 * 1024


class FileRefused(ValueError):
    """The file may not be kept; the message says why, for the user."""


def sniff(data: bytes) -> str | None:
    """The image type the content really has, or None."""
    for magic, mimetype in _SIGNATURES.items():
        if data.startswith(magic):
            return mimetype
    return None


def store(data: bytes, purpose: str, allowed: frozenset = IMAGES) -> StoredFile:
    """Keep a file of an `allowed` type (by its content) within the upload limit;
    added to the session."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if not data:
        raise FileRefused(_("The file is empty."))
    if len(data) > limit:
        raise FileRefused(_("The file is larger than the limit of %(mb)d MB.",
                            mb=limit // (1024 * 1024)))
    mimetype = sniff(data)
    if mimetype not in allowed:
        if allowed == IMAGES:
            raise FileRefused(_("Only photos (JPEG or PNG) can be kept."))
        raise FileRefused(_("Only photos (JPEG or PNG) and PDF files can be kept."))
    stored = StoredFile(
        purpose=purpose, mimetype=mimetype, size=len(data), data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        created_by_id=current_user.id
        if has_request_context() and current_user.is_authenticated else None,
    )
    db.session.add(stored)
    return stored


def store_signature(data_url: str | None) -> StoredFile:
    """A signature drawn on the screen, sent as a PNG data URL by the canvas."""
    match = _DATA_URL.match(data_url or "")
    if not match:
        raise FileRefused(_("Please sign in the box first."))
    try:
        data = base64.b64decode(match.group(1), validate=False)
    except (binascii.Error, ValueError) as error:
        raise FileRefused(_("Please sign in the box first.")) from error
    if len(data) > MAX_SIGNATURE_BYTES or sniff(data) != "image/png":
        raise FileRefused(_("Please sign in the box first."))
    return store(data, "signature")


def data_url(stored: StoredFile | None) -> str:
    """The file inline (for PDFs: nothing is fetched, not even from ourselves)."""
    if stored is None:
        return ""
    return f"data:{stored.mimetype};base64,{base64.b64encode(stored.data).decode()}"


def response(stored: StoredFile) -> Response:
    """The file, inline, under a neutral name (never one a user typed)."""
    return Response(
        stored.data, mimetype=stored.mimetype,
        headers={"Cache-Control": "private, max-age=3600",
                 "Content-Disposition": f"inline; filename=file-{stored.id}",
                 "X-Content-Type-Options": "nosniff"},
    )
