"""Stored files in an S3-compatible bucket (S3_BUCKET): the app puts and gets them over
HTTP, as it would with MinIO, here from moto's S3 server on the loopback; the rows kept
in the database before keep being served (files.py, filestore.py)."""
import hashlib
import io
import socket
import subprocess  # nosec B404  # runs our own app in a fresh interpreter
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from backoffice import backup, files
from backoffice.extensions import db
from backoffice.models import Reception, StoredFile, User

from . import test_uploads as uploads
from .conftest import Auth, IsolatedClient
from .databases import make_app
from .factories import PNG, make_reception, reload

PREFIX = "backoffice/files/"
STORE_DOWN = "文件存储服务无法连接，文件没有保存。请稍后再试。"
CANNOT_SHOW = "文件存储服务无法连接，暂时无法显示此文件。请稍后再试。"
# Every field that keeps a file (the customer import is read, not kept).
KEPT = [field for field in uploads.UPLOADS if field != "customer_import"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server: an S3-compatible store over real HTTP on the loopback."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


class Bucket:
    """An empty bucket of its own for a test, and what the app's S3 settings are for it."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.name = f"backoffice-{uuid.uuid4().hex[:12]}"
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test")
        self.client.create_bucket(Bucket=self.name)

    def settings(self, endpoint: str | None = None) -> dict:
        return {"S3_BUCKET": self.name, "S3_ENDPOINT_URL": endpoint or self.endpoint,
                "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "test",
                "S3_SECRET_ACCESS_KEY": "test", "S3_PREFIX": PREFIX}

    def keys(self) -> list[str]:
        answer = self.client.list_objects_v2(Bucket=self.name)
        return [item["Key"] for item in answer.get("Contents", [])]

    def object(self, key: str) -> tuple[bytes, str]:
        answer = self.client.get_object(Bucket=self.name, Key=key)
        return answer["Body"].read(), answer["ContentType"]


@pytest.fixture
def bucket(s3_endpoint):
    return Bucket(s3_endpoint)


@pytest.fixture
def server(app):
    """server(**settings): another app server on the test's database (the test's own
    app keeps files in the database, as without S3_BUCKET)."""
    made = []

    def make(**settings):
        other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], **settings)
        other.test_client_class = IsolatedClient
        # Building it read the users (the audit log's filter) in the test's session: end
        # that read, or its old snapshot would keep the test from writing (SQLite).
        db.session.commit()
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def signed_in(app, role: str) -> Auth:
    auth = Auth(app.test_client())
    auth.login_as(role)
    return auth


def signature_of(reception_id: int) -> StoredFile:
    return db.session.get(StoredFile, reload(Reception, reception_id).signature_id)


def newest_file() -> StoredFile:
    db.session.expire_all()
    return db.session.scalars(select(StoredFile).order_by(StoredFile.id.desc()).limit(1)).one()


def closed_endpoint() -> str:
    """The address of a store that is down: nothing listens on that port."""
    return f"http://127.0.0.1:{_free_port()}"


# -- with a bucket: the bytes go there, the row keeps the rest --------------------------------

@pytest.mark.parametrize("field", KEPT)
def test_an_upload_goes_to_the_bucket_and_the_row_keeps_its_key(server, bucket, field):
    """Each upload field, through its screen: the file's bytes are in the bucket, as
    sent, under a random key with the prefix; the row has no bytes, and keeps the type,
    size, SHA-256 and uploader."""
    upload = uploads.UPLOADS[field]
    auth = signed_in(server(**bucket.settings()), upload.role)
    record_id = upload.setup()
    response = upload(auth, record_id, PNG, "照片.png")
    assert response.status_code == 200
    assert upload.saved(record_id)
    stored = newest_file()
    assert stored.data is None
    assert stored.object_key.startswith(PREFIX)
    assert len(stored.object_key) == len(PREFIX) + 32  # a uuid4, never the file's name
    assert bucket.keys() == [stored.object_key]
    assert bucket.object(stored.object_key) == (PNG, "image/png")
    assert (stored.mimetype, stored.size, stored.sha256) == (
        "image/png", len(PNG), hashlib.sha256(PNG).hexdigest())
    assert db.session.get(User, stored.created_by_id).role == upload.role


# (The reception signature's sample is made by the factory, in the database; a signature
# in the bucket is served in the PDF test below.)
@pytest.mark.parametrize("kind", [k for k in uploads.DOWNLOADS if k != "reception_signature"])
def test_a_file_in_the_bucket_is_served_by_its_download_address(server, bucket, kind):
    """Every download address serves a file kept in the bucket: the same bytes, type
    and headers as a file kept in the database."""
    s3 = server(**bucket.settings())
    _area, make = uploads.DOWNLOADS[kind]
    with s3.app_context():
        url, content = make()
    assert len(bucket.keys()) == 1
    response = signed_in(s3, "admin").client.get(url)
    assert response.status_code == 200
    assert response.data == content
    assert response.mimetype == files.sniff(content)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def pdf_images(pdf: bytes) -> list[Image.Image]:
    return [image.image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]


def test_a_signature_in_the_bucket_is_printed_in_the_pdf(server, bucket):
    """The reception sheet signed on the screen carries the signature fetched from the
    bucket: the PDF's image has the signature's pixels."""
    auth = signed_in(server(**bucket.settings()), "service_advisor")
    reception_id = make_reception().id
    uploads.UPLOADS["reception_signature"](auth, reception_id, PNG, "")
    assert signature_of(reception_id).object_key is not None
    pdf = auth.client.get(f"/admin/reception/pdf/?id={reception_id}")
    assert pdf.mimetype == "application/pdf"
    signature = Image.open(io.BytesIO(PNG)).convert("RGB")
    assert any(image.convert("RGB").tobytes() == signature.tobytes()
               for image in pdf_images(pdf.data))


def test_two_app_servers_serve_the_same_file(server, bucket):
    """A photo taken through one server is shown by another (same database, same
    bucket): nothing is on one server's disk."""
    first, second = server(**bucket.settings()), server(**bucket.settings())
    on_first = signed_in(first, "service_advisor")
    reception_id = make_reception(complete=False).id
    uploads.UPLOADS["damage_photo"](on_first, reception_id, uploads.JPEG, "伤.jpg")
    (damage,) = reload(Reception, reception_id).damages
    url = f"/admin/reception/file/?id={damage['photo_id']}"
    on_second = signed_in(second, "service_advisor")
    assert on_second.client.get(url).data == uploads.JPEG
    assert on_first.client.get(url).data == uploads.JPEG


def test_files_kept_in_the_database_before_are_still_served(app, client, auth, server,
                                                            bucket):
    """Files kept in the database before the bucket was configured are served as
    before, beside the ones kept in the bucket since, on the same checklist."""
    auth.login_as("service_advisor")
    reception_id = make_reception(complete=False).id
    uploads.UPLOADS["damage_photo"](auth, reception_id, uploads.JPEG, "before.jpg")
    before = newest_file()
    assert (before.data, before.object_key) == (uploads.JPEG, None)
    s3 = signed_in(server(**bucket.settings()), "service_advisor")
    uploads.UPLOADS["damage_photo"](s3, reception_id, PNG, "after.png")
    after = newest_file()
    assert after.data is None
    assert bucket.keys() == [after.object_key]
    for stored, content in ((before, uploads.JPEG), (after, PNG)):
        response = s3.client.get(f"/admin/reception/file/?id={stored.id}")
        assert response.data == content
    assert s3.client.get(f"/admin/reception/pdf/?id={reception_id}").status_code == 200


def test_a_refused_file_puts_nothing_in_the_bucket(server, bucket):
    """What is refused by its content never reaches the bucket (checked first)."""
    s3 = server(**bucket.settings())
    for field in KEPT:
        upload = uploads.UPLOADS[field]
        auth = signed_in(s3, upload.role)
        record_id = upload.setup()
        files_before = uploads.stored_files()
        for what, content in uploads.DISGUISED.items():
            response = upload(auth, record_id, content, "照片.jpg")
            assert upload.refused in response.get_data(as_text=True), (field, what)
            assert not upload.saved(record_id), (field, what)
        assert uploads.stored_files() == files_before, field
    assert bucket.keys() == []


def test_a_file_whose_row_is_not_kept_is_taken_out_of_the_bucket(server, bucket):
    """The bucket takes no part in the database transaction: what was put for a row that
    is then not committed (a later refusal, the database down) is removed again; what is
    committed stays, a savepoint's included."""
    s3 = server(**bucket.settings())
    with s3.test_request_context():
        kept = files.store(PNG, "damage_photo").object_key
        db.session.commit()
        files.store(PNG, "damage_photo")
        db.session.rollback()
        files.store(PNG, "damage_photo")
        db.session.remove()  # the request ends without a commit
        with db.session.begin_nested():
            in_savepoint = files.store(PNG, "damage_photo").object_key
        db.session.commit()
        assert sorted(bucket.keys()) == sorted([kept, in_savepoint])


# -- a store that does not answer ---------------------------------------------------------------

@pytest.mark.parametrize("field", KEPT)
def test_a_store_that_is_down_saves_nothing_and_says_so(server, bucket, field):
    """The store does not answer: the page says so in Chinese (no error page), no row is
    kept and the record does not change."""
    upload = uploads.UPLOADS[field]
    auth = signed_in(server(**bucket.settings(closed_endpoint())), upload.role)
    record_id = upload.setup()
    files_before = uploads.stored_files()
    response = upload(auth, record_id, PNG, "照片.png")
    assert response.status_code in (200, 400)
    assert STORE_DOWN in response.get_data(as_text=True)
    assert not upload.saved(record_id)
    assert uploads.stored_files() == files_before


def test_a_file_is_not_served_while_the_store_is_down(server, bucket):
    """Its download and its checklist's PDF answer 503 with a message, not 500."""
    auth = signed_in(server(**bucket.settings()), "service_advisor")
    reception_id = make_reception(complete=False).id
    uploads.UPLOADS["damage_photo"](auth, reception_id, uploads.JPEG, "伤.jpg")
    photo = newest_file()
    down = signed_in(server(**bucket.settings(closed_endpoint())), "service_advisor")
    for url in (f"/admin/reception/file/?id={photo.id}",
                f"/admin/reception/pdf/?id={reception_id}"):
        response = down.client.get(url)
        assert response.status_code == 503, url
        assert CANNOT_SHOW in response.get_data(as_text=True)


def test_a_file_changed_in_the_bucket_is_not_served(server, bucket):
    """The bytes read back must have the SHA-256 kept in the row: an object replaced in
    the bucket is refused (503), never served as the customer's signature."""
    auth = signed_in(server(**bucket.settings()), "service_advisor")
    reception_id = make_reception().id
    uploads.UPLOADS["reception_signature"](auth, reception_id, PNG, "")
    signature = signature_of(reception_id)
    bucket.client.put_object(Bucket=bucket.name, Key=signature.object_key, Body=uploads.JPEG)
    response = auth.client.get(f"/admin/reception/file/?id={signature.id}")
    assert response.status_code == 503
    assert "不是当初保存的文件" in response.get_data(as_text=True)
    assert uploads.JPEG not in response.data


def test_a_file_in_a_bucket_on_a_server_without_one(client, auth, server, bucket):
    """A server left without S3_BUCKET says why it cannot show a file kept in the
    bucket (503), instead of failing."""
    s3 = signed_in(server(**bucket.settings()), "service_advisor")
    reception_id = make_reception(complete=False).id
    uploads.UPLOADS["damage_photo"](s3, reception_id, uploads.JPEG, "伤.jpg")
    auth.login_as("service_advisor")
    response = client.get(f"/admin/reception/file/?id={newest_file().id}")
    assert response.status_code == 503
    assert "本服务器未配置该服务" in response.get_data(as_text=True)


# -- without a bucket: as before -------------------------------------------------------------

def test_without_a_bucket_the_bytes_are_in_the_database(app, client, auth):
    """No S3_BUCKET (the default): the file's bytes are in its row, and no key."""
    assert app.config["S3_BUCKET"] is None
    auth.login_as("service_advisor")
    reception_id = make_reception(complete=False).id
    uploads.UPLOADS["damage_photo"](auth, reception_id, uploads.JPEG, "伤.jpg")
    stored = newest_file()
    assert (stored.data, stored.object_key) == (uploads.JPEG, None)
    assert client.get(f"/admin/reception/file/?id={stored.id}").data == uploads.JPEG


def test_without_a_bucket_boto3_is_not_loaded(tmp_path):
    """A worker that keeps files in the database does not load boto3 (worker memory is
    one of the benchmark's targets): storing and serving a file leave it unimported."""
    script = f"""
import sys
from backoffice import create_app, files
from backoffice.config import TestConfig
from backoffice.extensions import db
app = create_app(TestConfig.settings(SQLALCHEMY_DATABASE_URI="sqlite:///{tmp_path}/w.db"))
with app.app_context():
    db.create_all()
    stored = files.store({PNG!r}, "damage_photo")
    db.session.commit()
    assert files.response(stored).get_data() == {PNG!r}
print(sorted(m for m in ("boto3", "botocore") if m in sys.modules))
"""
    result = subprocess.run(  # noqa: S603  # nosec B603  # our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True,
        cwd=Path(__file__).parents[1], check=True, timeout=120)
    assert result.stdout.strip() == "[]", result.stderr


# -- backups -------------------------------------------------------------------------------------

def test_a_backup_says_the_files_are_in_the_bucket(runner, server, bucket, tmp_path):
    """`flask backup` with a bucket warns that the files are not in the backup; without
    one it has nothing to warn about."""
    s3 = server(**bucket.settings())
    if backup.sqlite_path(s3.config["SQLALCHEMY_DATABASE_URI"]) is None:
        pytest.skip("backup and restore of a PostgreSQL database are pg_dump's (README)")
    with s3.app_context():  # the command runs in the app context it finds
        result = s3.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    assert result.exit_code == 0, result.output
    assert f"存储桶 {bucket.name}" in result.stderr
    assert "不在此备份中" in result.stderr
    without = runner.invoke(args=["backup", str(tmp_path / "other.sqlite3")])
    assert without.exit_code == 0, without.output
    assert "存储桶" not in without.output
