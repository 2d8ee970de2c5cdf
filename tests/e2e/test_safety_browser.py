"""On a phone (390×844) on the workshop floor: an inspection with one failed item raises a
hazard, which is rectified and then verified by the safety officer."""
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Hazard, SafetyInspection

from ..factories import PASSWORD, make_template, make_user
from .test_checklists_browser import no_sideways_scrolling, tap


def test_a_failed_item_raises_a_hazard_rectified_and_verified_on_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    make_user("safety_officer", "officer", display_name="孙安")
    template = make_template("daily", areas=("workshop",))

    page.goto("/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
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
