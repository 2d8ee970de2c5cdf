"""On a phone (390×844) on the workshop floor: an inspection with one failed item raises a
hazard, which is rectified and then verified by the safety officer."""
import io

from PIL import Image
from sqlalchemy import select

from backoffice import files
from backoffice.extensions import db
from backoffice.models import Hazard, InspectionAnswer, SafetyInspection, StoredFile

from ..factories import make_inspection, make_template, make_user, noise_picture
from .browsing import sign_in
from .test_checklists_browser import no_sideways_scrolling, tap


def test_a_failed_item_raises_a_hazard_rectified_and_verified_on_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    make_user("safety_officer", "officer", display_name="孙安")
    template = make_template("daily", areas=("workshop",))

    sign_in(page, "officer")
    # Never inspected: due today, one tap from the home page.
    page.click(f"text=车间：{template.name} · 今天到期")
    page.wait_for_url("**/admin/safety_inspection/new/**")
    no_sideways_scrolling(page)
    page.click("#start-inspection button[type=submit]")
    page.wait_for_url("**/admin/safety_inspection/fill/**")
    no_sideways_scrolling(page)

    db.session.rollback()  # end the test's read snapshot: the server wrote since
    inspection = db.session.scalars(select(SafetyInspection)).one()
    first, second, third = (a.id for a in inspection.answers)
    tap(page, f"input[name=result-{first}][value=pass]")
    tap(page, f"input[name=result-{second}][value=fail]")
    page.fill(f"input[name=note-{second}]", "两名学徒未戴护目镜")
    page.select_option(f"select[name=level-{second}]", "major")
    tap(page, f"input[name=result-{third}][value=na]")
    button = page.locator("#sign-inspection")
    assert button.bounding_box()["height"] >= 44  # a thumb's size
    button.click()
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "检查已签署" in body
    assert page.locator("#save-inspection").count() == 0  # read-only once signed
    db.session.rollback()
    hazard = db.session.scalars(select(Hazard)).one()
    assert f"已登记隐患，整改期限 {hazard.deadline:%Y-%m-%d}" in body
    assert hazard.level == "major"
    assert hazard.description == "佩戴劳动防护用品：两名学徒未戴护目镜"
    page.click(".badge-danger")  # the hazard raised, from the inspection
    page.wait_for_url(f"**/admin/hazard/details/?id={hazard.id}")
    no_sideways_scrolling(page)
    page.fill("#measures", "已为学徒配发护目镜并现场教育")
    page.fill("#evidence", "护目镜领用登记表")
    page.click("#rectify-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "整改情况已登记" in page.inner_text("body")

    page.fill("#note", "现场复查，均已佩戴")
    page.click("#verify-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "复查通过，隐患已销号" in page.inner_text("body")
    db.session.rollback()
    closed = db.session.get(Hazard, hazard.id)
    assert closed.closed_at is not None
    assert closed.verification_note == "现场复查，均已佩戴"
    no_sideways_scrolling(page)


def camera_photo() -> bytes:
    """A photo as a tablet's camera takes it: 2600×1950, some 4 MB of JPEG (three of
    them are more than a request may carry)."""
    return noise_picture(2600, 1950, "JPEG", quality=85)


def test_camera_photos_are_made_smaller_in_the_browser_before_they_are_sent(app, page):
    """Three camera photos on one inspection (12 MB together, over the 10 MB a request
    may carry) are saved, the inspection signed off the moment they are chosen: the
    browser waits for them, then sends each at most 2048 pixels on its long side, as
    JPEG, with the button that was pressed."""
    make_user("safety_officer", "officer", display_name="孙安")
    inspection = make_inspection()
    answers = [a.id for a in inspection.answers]
    photos = [camera_photo() for _answer in answers]
    assert sum(map(len, photos)) > app.config["MAX_CONTENT_LENGTH"]

    sign_in(page, "officer")
    page.goto(f"/admin/safety_inspection/fill/?id={inspection.id}")
    for answer_id, photo in zip(answers, photos, strict=True):
        tap(page, f"input[name=result-{answer_id}][value=pass]")
        page.set_input_files(f"input[name=photo-{answer_id}]", files=[
            {"name": f"IMG_{answer_id}.JPG", "mimeType": "image/jpeg", "buffer": photo}])
    with page.expect_navigation(url=f"**/fill/?id={inspection.id}"):
        page.click("#sign-inspection")  # the photos are still being made smaller
    assert "检查已签署" in page.inner_text("body")  # sent with the button pressed

    db.session.rollback()
    for answer_id in answers:
        answer = db.session.get(InspectionAnswer, answer_id)
        assert answer.result == "pass"
        stored = files.read(db.session.get(StoredFile, answer.photo_id))
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "JPEG"
            assert max(image.size) == 2048
            assert image.size == (2048, 1536)  # the photo's proportions kept
