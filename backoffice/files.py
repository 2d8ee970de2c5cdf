"""Files people hand us (signatures, photos, scans, plans, training materials): checked
by content, kept in the database or in an S3-compatible bucket.

Both are shared by every app server, so a photo taken on one server's page is served by
any other; nothing is written to a server's disk or static folder. The StoredFile row
is always in the database; its bytes are in the row (`data`), or, when S3_BUCKET is set,
in the bucket under the row's `object_key` (filestore.py). Reading looks at the row, not
at the setting, so rows kept before a bucket was configured are served as before.
"""
import base64
import binascii
import hashlib
import io
import logging
import re
import warnings

from flask import Response, current_app, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from PIL import Image
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import filestore
from .extensions import db
from .models import StoredFile

log = logging.getLogger(__name__)

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


class FileUnavailable(Exception):
    """A kept file cannot be read now; the message says why, for the user (errors.py
    answers 503 with it)."""


def sniff(data: bytes) -> str | None:
    """The type the content's first bytes say it has (PNG, JPEG or PDF), or None."""
    for magic, mimetype in _SIGNATURES.items():
        if data.startswith(magic):
            return mimetype
    return None


def _is_image(data: bytes, mimetype: str) -> bool:
    """Whether a PNG or JPEG is one through and through, not only in its first bytes
    (something else behind an image's header, a truncated or a decompression-bomb image)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[mimetype.split("/")[1].upper()]) as image:
                if mimetype == "image/png":
                    image.verify()  # every chunk's checksum, without decoding the pixels
                else:
                    # Every bit of the compressed picture decoded, at 1/8 of the size.
                    image.draft("RGB", (max(image.width // 8, 1), max(image.height // 8, 1)))
                    image.load()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        return False
    return True


def content_type(data: bytes) -> str | None:
    """What the content really is (PNG, JPEG or PDF), or None; its name does not count."""
    mimetype = sniff(data)
    if mimetype in IMAGES and not _is_image(data, mimetype):
        return None
    return mimetype


def check(data: bytes, allowed: frozenset = IMAGES) -> str:
    """The file's type when it may be kept, else FileRefused saying why."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if not data:
        raise FileRefused(_("The file is empty."))
    if len(data) > limit:
        raise FileRefused(_("The file is larger than the limit of %(mb)d MB.",
                            mb=limit // (1024 * 1024)))
    mimetype = content_type(data)
    if mimetype not in allowed:
        if allowed == IMAGES:
            raise FileRefused(_("Only photos (JPEG or PNG) can be kept."))
        raise FileRefused(_("Only photos (JPEG or PNG) and PDF files can be kept."))
    return mimetype


def store(data: bytes, purpose: str, allowed: frozenset = IMAGES) -> StoredFile:
    """Keep a file of an `allowed` type (by its content) within the upload limit, its
    bytes in the bucket when S3_BUCKET is set, else in the row; added to the session.
    FileRefused when it may not be kept, or when the bucket does not answer."""
    mimetype = check(data, allowed)
    stored = StoredFile(
        purpose=purpose, mimetype=mimetype, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_by_id=current_user.id
        if has_request_context() and current_user.is_authenticated else None,
    )
    if filestore.enabled():
        # Into the bucket before the row is added: a store that fails leaves no row.
        # The bucket takes no part in the database transaction: when the transaction
        # ends without a commit (another field refused, the database down), the object
        # is taken out again (_put_but_not_kept).
        try:
            stored.object_key = filestore.put(data, mimetype)
        except filestore.Unavailable as error:
            log.error("A %s could not be put in the file store: %s", purpose, error)
            raise FileRefused(_("The file store cannot be reached, so the file was not "
                                "kept. Please try again later.")) from error
        db.session.info.setdefault(_PUT, []).append(stored.object_key)
    else:
        stored.data = data
    db.session.add(stored)
    return stored


_PUT = "files_put_in_the_bucket"  # session.info: keys put in this transaction


@event.listens_for(Session, "after_commit")
def _kept(session) -> None:
    session.info.pop(_PUT, None)


@event.listens_for(Session, "after_transaction_end")
def _put_but_not_kept(session, transaction) -> None:
    """The transaction ended without a commit: its rows are gone, so are their objects
    (best effort: a store that does not answer leaves them, logged). Savepoints end
    inside it (the app uses none for files)."""
    if transaction.parent is not None or not session.info.get(_PUT):
        return
    for key in session.info.pop(_PUT):
        try:
            filestore.delete(key)
        except filestore.Unavailable as error:
            log.error("File store object %s (its row was not kept) could not be removed: %s",
                      key, error)


def store_signature(data_url: str | None) -> StoredFile:
    """A signature drawn on the screen, sent as a PNG data URL by the canvas."""
    match = _DATA_URL.match(data_url or "")
    if not match:
        raise FileRefused(_("Please sign in the box first."))
    try:
        data = base64.b64decode(match.group(1), validate=False)
    except (binascii.Error, ValueError) as error:
        raise FileRefused(_("Please sign in the box first.")) from error
    if len(data) > MAX_SIGNATURE_BYTES:
        raise FileRefused(_("The signature is larger than %(kb)d KB: please clear it and "
                            "sign again.", kb=MAX_SIGNATURE_BYTES // 1024))
    if content_type(data) != "image/png":
        raise FileRefused(_("Please sign in the box first."))
    return store(data, "signature")


def read(stored: StoredFile) -> bytes:
    """The file's bytes, from its row or from the bucket; FileUnavailable when the bucket
    does not answer, or answers with bytes other than the ones kept (SHA-256)."""
    if stored.object_key is None:
        return stored.data
    if not filestore.enabled():
        log.error("Stored file %s is in a bucket, but S3_BUCKET is not set", stored.id)
        raise FileUnavailable(_("This file is kept in a file store that this server is not "
                                "configured for. Please tell the administrator."))
    try:
        data = filestore.get(stored.object_key)
    except filestore.Unavailable as error:
        log.error("Stored file %s could not be read from the file store: %s", stored.id, error)
        raise FileUnavailable(_("The file store cannot be reached, so the file cannot be "
                                "shown now. Please try again later.")) from error
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        log.error("Stored file %s: the file store's bytes do not match its SHA-256", stored.id)
        raise FileUnavailable(_("The file in the file store is not the one that was kept "
                                "(it was changed or damaged). Please tell the administrator."))
    return data


def data_url(stored: StoredFile | None) -> str:
    """The file inline (for PDFs: nothing is fetched by the PDF renderer, not even from
    ourselves)."""
    if stored is None:
        return ""
    return f"data:{stored.mimetype};base64,{base64.b64encode(read(stored)).decode()}"


def response(stored: StoredFile) -> Response:
    """The file under a neutral name (never one a user typed), as the type its content
    was found to be: inline for photos and PDFs (all we keep), anything else as a
    download. nosniff: the browser takes the type as said, never guesses another."""
    inline = stored.mimetype in DOCUMENTS
    return Response(
        read(stored), mimetype=stored.mimetype if inline else "application/octet-stream",
        headers={"Cache-Control": "private, max-age=3600",
                 "Content-Disposition":
                     f"{'inline' if inline else 'attachment'}; filename=file-{stored.id}",
                 "X-Content-Type-Options": "nosniff"},
    )
