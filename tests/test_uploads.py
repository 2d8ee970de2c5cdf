"""Uploads: every file field takes a file for what it is, not what it is called, within
the size limit, keeps it in the database, and gives it back only to those who may see
its record (files.py)."""
import base64
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from backoffice import clock, files
from backoffice.extensions import db
from backoffice.models import (
    Certificate,
    EmergencyPlan,
    Handover,
    Hazard,
    ImportBatch,
    InspectionAnswer,
    Reception,
    SafetyInspection,
    StoredFile,
    TrainingSession,
)
from backoffice.permissions import ROLES, allowed
from backoffice.views.checklists import HANDOVER_STEPS

from .factories import (
    PNG,
    make_certificate,
    make_employee,
    make_hazard,
    make_inspection,
    make_reception,
    make_session,
    make_user,
    noise_picture,
    reload,
)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "steelblue").save(out, format="JPEG")
    return out.getvalue()


JPEG = _jpeg()
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
# What a file may really be, behind a name that says photo or PDF.
DISGUISED = {
    "html": HTML,
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "windows_exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
                   + b"\x00" * 48 + b"This program cannot be run in DOS mode.\r\n",
    "linux_exe": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56,
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40,
    # An image's first bytes, and then a page or a script: not an image.
    "jpeg_header_then_html": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML,
    "png_header_then_script": PNG[:16] + b"<script>alert(1)</script>",
    "truncated_jpeg": JPEG[: len(JPEG) // 2],
}
NAMES = ("照片.jpg", "扫描件.pdf", "photo.png")

PHOTOS_ONLY = "只能上传照片（JPEG 或 PNG）。"
PHOTOS_OR_PDF = "只能上传照片（JPEG 或 PNG）或 PDF 文件。"
NO_SIGNATURE = "请先在框内签名。"
TOO_LARGE = "文件超过了 10 MB 的上限。"


def stored_files() -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)
                             .execution_options(include_deleted=True))


def version(model, record_id) -> str:
    return str(reload(model, record_id).version)


def multipart(auth, url: str, data: dict):
    return auth.post(url, data, content_type="multipart/form-data", follow_redirects=True)


# -- every upload field: who uploads, what it takes, how to post to it, what it saves ------

@dataclass(frozen=True)
class Upload:
    role: str  # a role that may upload there
    refused: str  # what the user reads when the content is not accepted
    setup: object  # () -> the record's id (or None)
    post: object  # (auth, record_id, content, filename) -> response
    saved: object  # (record_id) -> whether anything of the upload was kept

    def __call__(self, auth, record_id, content: bytes, name: str):
        return self.post(auth, record_id, content, name)


def _post_damage(auth, rid, content, name):
    return multipart(auth, f"/admin/reception/damage/?id={rid}", {
        "version": version(Reception, rid), "area": "front", "kind": "scratch",
        "photo": (io.BytesIO(content), name)})


def _post_reception_signature(auth, rid, content, name):
    return auth.post(f"/admin/reception/sign/?id={rid}", {
        "version": version(Reception, rid), "signed_by_name": "王小明",
        "signature": "data:image/png;base64," + base64.b64encode(content).decode()},
        follow_redirects=True)


def _handover_ready() -> int:
    reception = make_reception(signed=True)
    now = clock.now().isoformat()
    handover = Handover(reception=reception, belongings_found={}, quality_passed=True,
                        steps_done=dict.fromkeys(HANDOVER_STEPS, now))
    db.session.add(handover)
    db.session.commit()
    return reception.id


def _post_handover_signature(auth, rid, content, name):
    handover = reload(Reception, rid).handover
    return auth.post(f"/admin/handover/sign/?reception={rid}", {
        "version": str(handover.version), "signed_by_name": "王小明",
        "signature": "data:image/png;base64," + base64.b64encode(content).decode()},
        follow_redirects=True)


def _post_inspection_photo(auth, iid, content, name):
    item = reload_inspection_item(iid)
    return multipart(auth, f"/admin/safety_inspection/fill/?id={iid}", {
        "version": version_of_inspection(iid), f"result-{item}": "pass",
        f"photo-{item}": (io.BytesIO(content), name)})


def reload_inspection_item(inspection_id) -> int:
    return db.session.scalar(select(InspectionAnswer.id).where(
        InspectionAnswer.inspection_id == inspection_id).order_by(InspectionAnswer.id).limit(1))


def version_of_inspection(inspection_id) -> str:
    return version(SafetyInspection, inspection_id)


def _post_hazard_evidence(auth, hid, content, name):
    return multipart(auth, f"/admin/hazard/rectify/?id={hid}", {
        "version": version(Hazard, hid), "measures": "关闭配电箱门并加锁",
        "photo": (io.BytesIO(content), name)})


def _post_plan(auth, _rid, content, name):
    return multipart(auth, "/admin/emergency_plan/new/", {
        "title": "火灾事故应急预案", "edition": "2026 版", "upload": (io.BytesIO(content), name)})


def _post_materials(auth, _rid, content, name):
    return multipart(auth, "/admin/training_session/new/", {
        "title": "新能源汽车高压安全", "kind": "technical", "method": "classroom",
        "held_on": clock.today().isoformat(), "hours": "8", "pass_mark": "70",
        "materials_file": (io.BytesIO(content), name)})


def _post_scan(auth, employee_id, content, name):
    return multipart(auth, "/admin/certificate/new/", {
        "employee": str(employee_id), "kind": "special_operations", "trade": "electrician",
        "number": "T440300000001", "issuer": "深圳市应急管理局", "issued_on": "2024-02-29",
        "reviewed_on": "", "review_due": "", "valid_until": "",
        "scan_file": (io.BytesIO(content), name)})


def _post_import(auth, _rid, content, name):
    return multipart(auth, "/admin/customer/import/", {"file": (io.BytesIO(content), name)})


UPLOADS = {
    "damage_photo": Upload(
        "service_advisor", PHOTOS_ONLY, lambda: make_reception(complete=False).id,
        _post_damage, lambda rid: bool(reload(Reception, rid).damages)),
    "reception_signature": Upload(
        "service_advisor", NO_SIGNATURE, lambda: make_reception().id,
        _post_reception_signature, lambda rid: reload(Reception, rid).signed_at is not None),
    "handover_signature": Upload(
        "service_advisor", NO_SIGNATURE, _handover_ready, _post_handover_signature,
        lambda rid: reload(Reception, rid).handover.completed_at is not None),
    "inspection_photo": Upload(
        "safety_officer", PHOTOS_ONLY, lambda: make_inspection().id, _post_inspection_photo,
        lambda iid: reload(InspectionAnswer, reload_inspection_item(iid)).photo_id is not None),
    "hazard_evidence": Upload(
        "safety_officer", PHOTOS_ONLY, lambda: make_hazard().id, _post_hazard_evidence,
        lambda hid: reload(Hazard, hid).rectified_at is not None),
    "emergency_plan": Upload(
        "safety_officer", PHOTOS_OR_PDF, lambda: None, _post_plan,
        lambda _rid: rows(EmergencyPlan) > 0),
    "training_materials": Upload(
        "trainer", PHOTOS_OR_PDF, lambda: None, _post_materials,
        lambda _rid: rows(TrainingSession) > 0),
    "certificate_scan": Upload(
        "trainer", PHOTOS_OR_PDF, lambda: make_employee().id, _post_scan,
        lambda _rid: rows(Certificate) > 0),
    # Not kept as a file: read into rows to check, by its content (xlsx or csv).
    "customer_import": Upload(
        "followup_agent", "", lambda: None, _post_import, lambda _rid: rows(ImportBatch) > 0),
}
# What a refused import says, by what the file really is.
IMPORT_REFUSED = ("第一行须为列名", "这不是可读取的 Excel（xlsx）文件",
                  "此文件既不是 xlsx 文件，也不是 CSV 文本文件")


def test_every_upload_field_is_tested_here():
    """A new file field (or a new place that reads uploads) must be added to UPLOADS."""
    views = Path(__file__).parents[1] / "backoffice" / "views"
    found = {
        path.stem: len(re.findall(r"request\.files|\bFileField\(|store_signature\(",
                                  path.read_text()))
        for path in views.glob("*.py")
    }
    assert {name: n for name, n in found.items() if n} == {
        "archives": 1,  # customer_import
        "checklists": 3,  # damage_photo, reception_signature, handover_signature
        "safety": 3,  # inspection_photo, hazard_evidence, emergency_plan
        "training": 3,  # the helper that reads both, training_materials, certificate_scan
    }


@pytest.mark.parametrize("field", UPLOADS)
def test_a_file_that_only_says_it_is_a_photo_or_pdf_is_refused(client, auth, field):
    """An HTML page, a script, an executable or a broken image, named .jpg/.pdf/.png,
    is refused with a message in Chinese, and nothing of the form is saved."""
    upload = UPLOADS[field]
    auth.login_as(upload.role)
    record_id = upload.setup()
    files_before = stored_files()
    for n, (what, content) in enumerate(DISGUISED.items()):
        name = NAMES[n % len(NAMES)]
        response = upload(auth, record_id, content, name)
        html = response.get_data(as_text=True)
        assert response.status_code in (200, 400), (field, what, name)
        if upload.refused:
            assert upload.refused in html, (field, what, name)
        else:
            assert any(message in html for message in IMPORT_REFUSED), (field, what, name)
        assert not upload.saved(record_id), (field, what, name)
        assert stored_files() == files_before, (field, what, name)


def noisy_png(size: int) -> bytes:
    """A PNG of about `size` bytes: a large signature."""
    side = int((size / 3) ** 0.5)
    return noise_picture(side, side, "PNG")


@pytest.mark.parametrize("field", ["reception_signature", "handover_signature"])
def test_signatures_are_kept_up_to_their_limit_and_refused_past_it_in_words(
        app, client, auth, field):
    """A signature of up to 512 KB is kept (as base64 in the form, longer than the 500 kB
    Werkzeug allows a multipart form's field: the signature form is not multipart); a
    larger one is refused saying so, with the limit, and nothing is saved."""
    upload = UPLOADS[field]
    auth.login_as(upload.role)
    large = noisy_png(480 * 1024)
    assert len(base64.b64encode(large)) > 500_000
    assert len(large) <= files.MAX_SIGNATURE_BYTES
    record_id = upload.setup()
    assert upload(auth, record_id, large, "").status_code == 200
    assert upload.saved(record_id)

    record_id = upload.setup()
    files_before = stored_files()
    response = upload(auth, record_id, noisy_png(600 * 1024), "")
    assert "签名超过了 512 KB" in response.get_data(as_text=True)
    assert not upload.saved(record_id)
    assert stored_files() == files_before


@pytest.mark.parametrize("field", UPLOADS)
def test_a_file_over_the_size_limit_is_refused(app, client, auth, field):
    """A file just over the limit (MAX_UPLOAD_MB, 10 MB by default) is refused with a
    message in Chinese saying the limit; nothing is saved."""
    assert app.config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024
    upload = UPLOADS[field]
    auth.login_as(upload.role)
    record_id = upload.setup()
    files_before = stored_files()
    big = PNG + b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 1 - len(PNG))
    response = upload(auth, record_id, big, "照片.png")
    assert response.status_code == 413
    assert TOO_LARGE in response.get_data(as_text=True)
    assert not upload.saved(record_id)
    assert stored_files() == files_before


def test_the_content_check_refuses_what_is_not_an_image_and_keeps_what_is(app):
    """files.store: by content only; real images of either kind pass, PDFs where
    documents are allowed, nothing else; the limit holds one byte past it."""
    assert files.store(PNG, "damage_photo").mimetype == "image/png"
    assert files.store(JPEG, "damage_photo").mimetype == "image/jpeg"
    assert files.store(PDF, "certificate_scan", files.DOCUMENTS).mimetype == "application/pdf"
    with pytest.raises(files.FileRefused, match="只能上传照片（JPEG 或 PNG）。"):
        files.store(PDF, "damage_photo")
    for what, content in DISGUISED.items():
        with pytest.raises(files.FileRefused):
            files.store(content, what, files.DOCUMENTS)
    limit = app.config["MAX_CONTENT_LENGTH"]
    with pytest.raises(files.FileRefused, match="10 MB"):
        files.store(PDF + b"\x00" * (limit + 1 - len(PDF)), "x", files.DOCUMENTS)
    with pytest.raises(files.FileRefused, match="文件是空的"):
        files.store(b"", "x")
    db.session.rollback()


def test_a_decompression_bomb_is_refused(app):
    """A small PNG that claims a picture of 100 million pixels is not kept."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")
    assert len(out.getvalue()) < app.config["MAX_CONTENT_LENGTH"]
    with pytest.raises(files.FileRefused):
        files.store(out.getvalue(), "damage_photo")


def test_good_files_are_kept_in_the_database(client, auth):
    """The accepted file is the bytes sent, in the database (not the disk), whatever
    its name says."""
    upload = UPLOADS["certificate_scan"]
    auth.login_as(upload.role)
    employee_id = upload.setup()
    response = upload(auth, employee_id, JPEG, "scan.pdf")
    assert response.status_code == 200
    certificate = db.session.scalars(select(Certificate)).one()
    kept = db.session.get(StoredFile, certificate.scan_id)
    assert (kept.mimetype, kept.data, kept.purpose) == ("image/jpeg", JPEG, "certificate_scan")


# -- downloads: only to the roles that may read the record's area --------------------------

def _keep(content: bytes, purpose: str, allowed_types=files.DOCUMENTS) -> StoredFile:
    stored = files.store(content, purpose, allowed_types)
    db.session.flush()
    return stored


def _damage_photo():
    reception = make_reception(complete=False)
    photo = _keep(JPEG, "damage_photo")
    reception.damages = [{"area": "front", "kind": "scratch", "note": "", "photo_id": photo.id}]
    db.session.commit()
    return f"/admin/reception/file/?id={photo.id}", JPEG


def _reception_signature():
    reception = make_reception(signed=True)
    return f"/admin/reception/file/?id={reception.signature_id}", PNG


def _handover_signature():
    reception = reload(Reception, _handover_ready())
    signature = _keep(PNG, "signature")
    reception.handover.signature_id = signature.id
    db.session.commit()
    return f"/admin/reception/file/?id={signature.id}", PNG


def _inspection_photo():
    inspection = make_inspection()
    photo = _keep(PNG, "inspection_photo")
    inspection.answers[0].photo_id = photo.id
    db.session.commit()
    return f"/admin/safety_inspection/file/?id={photo.id}", PNG


def _hazard_evidence():
    photo = _keep(JPEG, "evidence_photo")
    make_hazard(evidence_photo_id=photo.id)
    return f"/admin/safety_inspection/file/?id={photo.id}", JPEG


def _emergency_plan():
    plan_file = _keep(PDF, "emergency_plan")
    db.session.add(EmergencyPlan(title="火灾事故应急预案", file_id=plan_file.id))
    db.session.commit()
    return f"/admin/safety_inspection/file/?id={plan_file.id}", PDF


def _training_materials():
    materials = _keep(PDF, "training_materials")
    session = make_session(materials_id=materials.id)
    return f"/admin/training_session/materials/?id={session.id}", PDF


def _certificate_scan():
    scan = _keep(JPEG, "certificate_scan")
    certificate = make_certificate(scan_id=scan.id)
    return f"/admin/certificate/scan/?id={certificate.id}", JPEG


DOWNLOADS = {
    "damage_photo": ("checklists", _damage_photo),
    "reception_signature": ("checklists", _reception_signature),
    "handover_signature": ("checklists", _handover_signature),
    "inspection_photo": ("safety", _inspection_photo),
    "hazard_evidence": ("safety", _hazard_evidence),
    "emergency_plan": ("safety", _emergency_plan),
    "training_materials": ("training", _training_materials),
    "certificate_scan": ("training", _certificate_scan),
}


@pytest.mark.parametrize("kind", DOWNLOADS)
def test_a_file_is_served_only_to_roles_that_read_its_area(client, auth, kind):
    """403 for a role without read access to the record's area; for the others the
    bytes kept, as their real type, inline only because that is a photo or a PDF,
    under a neutral name, with nosniff."""
    area, make = DOWNLOADS[kind]
    url, content = make()
    for role in ROLES:
        make_user(role)
        auth.login(role)
        response = client.get(url)
        if not allowed(role, area, "R"):
            assert response.status_code == 403, (kind, role)
            assert content not in response.data
        else:
            assert response.status_code == 200, (kind, role)
            assert response.data == content
            assert response.mimetype == files.sniff(content)
            assert response.mimetype in files.DOCUMENTS
            disposition = response.headers["Content-Disposition"]
            assert re.fullmatch(r"inline; filename=file-\d+", disposition), disposition
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "private" in response.headers["Cache-Control"]
        auth.logout()
    assert client.get(url).status_code == 302  # signed out: to the sign-in page


def test_a_file_is_served_only_through_its_own_record(client, auth):
    """A file id that belongs to another area's record is not found through this one's
    download address (ids are not a way around the permission)."""
    scan_url, _content = _certificate_scan()
    scan_id = db.session.scalars(select(Certificate)).one().scan_id
    signature_url, _png = _reception_signature()
    signature_id = int(signature_url.rsplit("=", 1)[1])
    auth.login_as("admin")
    assert client.get(scan_url).status_code == 200
    assert client.get(f"/admin/reception/file/?id={scan_id}").status_code == 404
    assert client.get(f"/admin/safety_inspection/file/?id={signature_id}").status_code == 404


def test_a_damage_photo_taken_days_after_the_reception_began_is_served(client, auth, freeze):
    """A reception left open (the customer walked away mid-way) and finished days later
    still shows its damage photo."""
    freeze(datetime(2026, 11, 23, 9, 0))
    reception = make_reception(complete=False)
    freeze(datetime(2026, 11, 27, 10, 0))
    auth.login_as("service_advisor")
    _post_damage(auth, reception.id, JPEG, "伤.jpg")
    (damage,) = reload(Reception, reception.id).damages
    assert reload(Reception, reception.id).created_at < clock.now() - timedelta(days=3)
    assert client.get(f"/admin/reception/file/?id={damage['photo_id']}").status_code == 200
