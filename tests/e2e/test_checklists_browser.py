"""On a tablet held upright (800×1280): a reception with a drawn signature, the handover,
and both PDFs; the signature pad when the tablet is turned round."""

import pytest

from ..factories import (
    make_customer,
    make_reception,
    make_user,
    make_vehicle,
    pdf_text,
)
from .browsing import sign_in


@pytest.fixture
def tablet(browser, live_server, page):
    page.set_viewport_size({"width": 800, "height": 1280})
    return page


def save_step(page, name):
    page.click(f"#save-{name}")
    page.wait_for_load_state("networkidle")
    assert f"#step-{name}" in page.url or "已保存" in page.inner_text("body"), name


def sign(page):
    canvas = page.locator("#signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 150)
    page.mouse.down()
    for x, y in ((120, 60), (220, 170), (330, 70), (450, 160)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.up()
    page.fill("#signed_by_name", "王先生")
    page.click("#signature-submit")
    page.wait_for_load_state("networkidle")


def no_sideways_scrolling(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def tap(page, selector):
    """Buttons made of labels (Bootstrap's toggles): tap the label."""
    page.locator(selector).locator("xpath=..").click()


def test_reception_signature_handover_and_both_pdfs(tablet):
    page = tablet
    make_user("service_advisor", "advisor", display_name="陈刚")
    make_vehicle(owner=make_customer(name="王先生"), plate_number="粤B97531", current_mileage=8000)

    sign_in(page, "advisor")

    page.goto("/admin/reception/new/")
    page.fill("#find-car", "7531")
    page.press("#find-car", "Enter")
    page.click(".found-car button[type=submit]")
    page.wait_for_url("**/admin/reception/checklist/**")
    no_sideways_scrolling(page)

    for name in ("seat_cover", "wheel_cover", "floor_mat"):
        tap(page, f"#form-covers input[name={name}]")
    save_step(page, "covers")
    page.fill("#form-walk_around input[name=mileage]", "8600")
    tap(page, "#form-walk_around input[name=fuel_eighths][value='5']")
    save_step(page, "walk_around")
    page.click("svg.car-outline g[data-area=left]")
    tap(page, "#damage-form input[name=kind][value=dent]")
    page.fill("#damage-form input[name=note]", "左后门凹陷")
    page.click("#damage-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "左侧" in page.inner_text("#damage-list")
    page.click("#save-damage")
    page.wait_for_load_state("networkidle")
    tap(page, "#form-belongings input[name=spare_tyre]")
    save_step(page, "belongings")
    page.fill("#form-consultation textarea[name=described_faults]", "空调不制冷")
    save_step(page, "consultation")
    page.fill("#form-diagnosis textarea[name=fault_confirmation]", "空调冷媒不足")
    tap(page, "#form-diagnosis input[name=warranty_decision][value=after_diagnosis]")
    page.fill("#form-diagnosis textarea[name=warranty_reason]", "需检测是否泄漏")
    save_step(page, "diagnosis")
    tap(page, "#form-documents input[name=vehicle_licence]")
    save_step(page, "documents")
    tap(page, "#form-parts input[name=parts_in_stock][value='1']")
    save_step(page, "parts")
    page.fill("#form-estimate input[name=estimate_amount]", "380")
    page.fill("#form-estimate input[name=promised_at]", "2030-01-01T17:00")
    save_step(page, "estimate")

    sign(page)
    assert "已签字" in page.inner_text("body")
    assert page.locator("#sign img.signature-image").is_visible()
    no_sideways_scrolling(page)

    intake = page.context.request.get(page.get_attribute("#reception-pdf", "href"))
    text = pdf_text(intake.body())
    assert "空调不制冷" in text
    assert "左后门凹陷" in text

    page.click("#go-handover")
    page.wait_for_url("**/admin/handover/checklist/**")
    tap(page, "#form-quality input[name=quality_passed]")
    page.fill("#form-quality input[name=quality_checked_by]", "质检员老张")
    save_step(page, "quality")
    tap(page, "#form-cleaning input[name=cleaned]")
    tap(page, "#form-cleaning input[name=covers_removed]")
    save_step(page, "cleaning")
    save_step(page, "belongings")
    tap(page, "#form-explanation input[name=work_explained]")
    save_step(page, "explanation")
    save_step(page, "maintenance")
    tap(page, "#form-old_parts input[name=old_parts][value=none]")
    save_step(page, "old_parts")
    page.fill("#form-settlement input[name=settlement_amount]", "380")
    tap(page, "#form-settlement input[name=payment_method][value=alipay]")
    save_step(page, "settlement")
    tap(page, "#form-guarantee input[name=work_kind][value=minor]")
    save_step(page, "guarantee")
    assert "质量保证至" in page.inner_text("#guarantee-result")
    sign(page)
    assert "已交车" in page.inner_text("body")
    no_sideways_scrolling(page)

    sheet = page.context.request.get(page.get_attribute("#handover-pdf", "href"))
    assert sheet.headers["content-type"] == "application/pdf"
    text = pdf_text(sheet.body())
    assert "质检员老张" in text
    assert "支付宝" in text


def test_the_signature_pad_follows_the_tablet_turned_round(tablet):
    """Turned to landscape, the pad's bitmap is its new size (ink under the finger) and
    what was signed before is kept."""
    page = tablet
    make_user("service_advisor", "advisor")
    reception = make_reception()
    sign_in(page, "advisor")
    page.goto(f"/admin/reception/checklist/?id={reception.id}#sign")
    page.click("#signature-submit")  # nothing signed yet: said, not sent
    assert page.is_visible("text=请先在框内签名。")
    canvas = page.locator("#signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 120, steps=5)
    page.mouse.up()
    assert not page.is_visible("text=请先在框内签名。")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_function("""() => {
        const c = document.getElementById('signature-pad');
        return c.width === Math.round(c.clientWidth * devicePixelRatio);
    }""")
    inked = page.evaluate("""() => {
        const c = document.getElementById('signature-pad');
        const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return pixels.some((value, i) => i % 4 !== 3 && value < 128);
    }""")
    assert inked, "the signature drawn before turning is kept"
    page.click("#signature-submit")
    page.wait_for_load_state("networkidle")
    assert "已签字" in page.inner_text("body"), page.inner_text("body")[:3000]


def test_a_signed_reception_is_corrected_by_an_amendment(tablet):
    """The amendment form shows the chosen field's input only, and sends with it: the
    other fields (required in their steps) neither hold the browser back nor go along."""
    from backoffice.extensions import db
    from backoffice.models import Amendment

    page = tablet
    make_user("service_advisor", "advisor")
    reception = make_reception(vehicle=make_vehicle(current_mileage=10000), signed=True)
    sign_in(page, "advisor")
    page.goto(f"/admin/reception/checklist/?id={reception.id}#amendments")
    page.select_option("#amend-field", "mileage")
    page.fill("#amend-mileage", "12100")
    page.fill("#amend-reason", "录入笔误")
    page.click("#amend-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "更正已记录" in page.inner_text("body")
    db.session.rollback()  # (what the server saved, not this session's snapshot)
    amendment = db.session.scalar(db.select(Amendment))
    assert (amendment.field, amendment.new_value, amendment.reason) == (
        "mileage", "12100", "录入笔误")


class Dialogs(list):
    """The dialogs a page opens, as (type, message), each answered as `answer` says."""

    def __init__(self, page, answer="accept"):
        super().__init__()
        self.answer = answer
        page.on("dialog", self._handle)

    def _handle(self, dialog):
        self.append((dialog.type, dialog.message))
        getattr(dialog, self.answer)()


def test_leaving_a_step_with_unsaved_typing_asks_first(tablet):
    """Typing not saved is not lost without a warning (reload, a link); an untouched page,
    saving a step and signing go without one."""
    page = tablet
    make_user("service_advisor", "advisor")
    draft = make_reception(complete=False)
    signed = make_reception(signed=True)
    sign_in(page, "advisor")
    dialogs = Dialogs(page)
    page.goto(f"/admin/reception/checklist/?id={draft.id}")
    for _ in range(2):  # ticked and unticked: as it came (and the browser asks only
        tap(page, "#form-covers input[name=seat_cover]")  # once the page was tapped)
    page.reload()
    assert dialogs == []

    page.fill("#form-consultation textarea[name=described_faults]", "空调不制冷")
    page.reload()
    assert [kind for kind, _ in dialogs] == ["beforeunload"]
    page.fill("#form-consultation textarea[name=described_faults]", "空调不制冷")
    save_step(page, "consultation")
    assert len(dialogs) == 1, "saving the step is not leaving it"

    page.goto(f"/admin/handover/checklist/?reception={signed.id}")
    page.fill("#form-quality input[name=quality_checked_by]", "质检员老张")
    dialogs.answer = "dismiss"
    page.click("text=接车记录")
    assert len(dialogs) == 2
    assert "/admin/handover/checklist/" in page.url
    assert page.input_value("#form-quality input[name=quality_checked_by]") == "质检员老张"


def test_a_refused_step_shows_the_checklists_address(tablet):
    """After a refused step the address bar shows the checklist (at that step), with what
    was typed and the messages on the page: reloading asks, then shows the checklist
    again, sending nothing."""
    page = tablet
    make_user("service_advisor", "advisor")
    reception = make_reception(vehicle=make_vehicle(current_mileage=10000), complete=False)
    sign_in(page, "advisor")
    dialogs = Dialogs(page)
    page.goto(f"/admin/reception/checklist/?id={reception.id}")
    page.fill("#form-walk_around input[name=mileage]", "9000")  # below the last reading
    tap(page, "#form-walk_around input[name=fuel_eighths][value='4']")
    page.click("#save-walk_around")
    page.wait_for_load_state("networkidle")
    checklist = f"/admin/reception/checklist/?id={reception.id}"
    assert page.url.endswith(checklist + "#step-walk_around")
    assert "未保存" in page.inner_text(".alert-danger")
    assert page.locator("#form-walk_around .text-danger").is_visible()
    assert page.input_value("#form-walk_around input[name=mileage]") == "9000"

    page.reload()
    assert [kind for kind, _ in dialogs] == ["beforeunload"]  # what was typed goes
    assert page.url.endswith(checklist + "#step-walk_around")
    assert "未保存" not in page.inner_text("body")  # shown again, not sent again
    assert page.input_value("#form-walk_around input[name=mileage]") == ""


def extra_work_waiting(page, item: str):
    """A signed reception whose extra work `item` waits for the customer's consent, and
    its advisor signed in on `page`."""
    from backoffice.extensions import db
    from backoffice.models import ExtraWork

    make_user("service_advisor", "advisor")
    reception = make_reception(signed=True)
    db.session.add(ExtraWork(reception=reception, item=item))
    db.session.commit()
    sign_in(page, "advisor")
    return reception


def test_declining_extra_work_asks_first(tablet):
    """不同意 has consequences (the work is not done, and not agreed to afterwards): it is
    recorded only once confirmed, in the page's language; it needs no name of who agreed
    (none is typed here)."""
    from backoffice.extensions import db
    from backoffice.models import ExtraWork

    page = tablet
    reception = extra_work_waiting(page, "四轮定位")
    dialogs = Dialogs(page, answer="dismiss")
    page.goto(f"/admin/reception/checklist/?id={reception.id}#extra-work")
    decline = page.locator(".extra-work-item button[value=decline]")
    decline.click()
    assert dialogs[0][0] == "confirm"
    assert "不同意“四轮定位”" in dialogs[0][1]
    assert "等待客户同意" in page.inner_text(".extra-work-item")
    db.session.rollback()  # (what the server saved, not this session's snapshot)
    assert not db.session.scalar(db.select(ExtraWork)).declined

    dialogs.answer = "accept"
    decline.click()
    page.wait_for_load_state("networkidle")
    assert "已记录：客户不同意此增项" in page.inner_text("body")
    db.session.rollback()
    assert db.session.scalar(db.select(ExtraWork)).declined

    page.goto(f"/lang/en?next=/admin/reception/checklist/?id={reception.id}")
    db.session.add(ExtraWork(reception=reception, item="Wheel alignment"))
    db.session.commit()
    page.reload()
    dialogs.answer = "dismiss"
    page.click(".extra-work-item button[value=decline]")
    assert dialogs[-1] == ("confirm", "Record that the customer declines “Wheel alignment”? "
                           "It will not be done, and it cannot be agreed to afterwards.")


def test_agreeing_to_extra_work_asks_who_agreed_before_sending(tablet):
    """同意 without who agreed is stopped by the browser, the way chosen kept (the server
    refused it, and the page came back with the choice reset)."""
    from backoffice.extensions import db
    from backoffice.models import ExtraWork

    page = tablet
    reception = extra_work_waiting(page, "更换刹车片")
    page.goto(f"/admin/reception/checklist/?id={reception.id}#extra-work")
    page.select_option(".extra-work-item select[name=consent_how]", "phone")
    page.click(".extra-work-item button[value=consent]")
    who = page.locator(".extra-work-item input[name=consent_by]")
    assert who.evaluate("input => input.matches(':invalid')")
    assert page.input_value(".extra-work-item select[name=consent_how]") == "phone"
    db.session.rollback()
    assert db.session.scalar(db.select(ExtraWork)).consent_at is None

    who.fill("张先生")
    page.click(".extra-work-item button[value=consent]")
    page.wait_for_load_state("networkidle")
    assert "已记录客户同意。" in page.inner_text("body")
    db.session.rollback()
    work = db.session.scalar(db.select(ExtraWork))
    assert (work.consent_by, work.consent_how) == ("张先生", "phone")


def test_the_step_pills_and_the_messages_close_are_big_enough_to_tap(tablet):
    """44×44 CSS px at least, as every target on the checklists (one line of pills may
    wrap, the message is no taller for its ×)."""
    page = tablet
    make_user("service_advisor", "advisor")
    reception = make_reception(complete=False)
    sign_in(page, "advisor")
    page.goto(f"/admin/reception/checklist/?id={reception.id}")
    for name in ("seat_cover", "wheel_cover", "floor_mat"):
        tap(page, f"#form-covers input[name={name}]")
    save_step(page, "covers")  # a message, with its ×
    close = page.locator(".alert .close")
    targets = [*page.locator(".step-nav a").all(), close]
    assert len(targets) == 11
    for target in targets:
        box = target.bounding_box()
        assert min(box["width"], box["height"]) >= 44, (target, box)
    assert page.locator(".alert").bounding_box()["height"] <= 50
    close.click()
    page.wait_for_selector(".alert", state="detached")


@pytest.mark.parametrize("role", ["service_advisor", "admin"])
def test_the_english_reception_list_fits_a_tablet(browser, live_server, page, role):
    """Upright (768 px) and turned (1024 px), the list is seen whole: neither the page nor
    the table scrolls sideways (the states' badges and the column labels are long in
    English), and a checklist in progress says how far it is."""
    from backoffice.extensions import db
    from backoffice.models import Handover

    advisor = make_user("service_advisor", "advisor", display_name="陈刚")
    make_user("admin", "boss")
    for n in range(4):
        reception = make_reception(vehicle=make_vehicle(owner=make_customer(name=f"欧阳建国{n}")),
                                   complete=n > 0, signed=n > 1, advisor=advisor)
        if n > 2:
            db.session.add(Handover(reception=reception, steps_done={}, belongings_found={},
                                    quality_passed=True))
    db.session.commit()
    sign_in(page, "advisor" if role == "service_advisor" else "boss")
    page.goto("/lang/en?next=/admin/reception/")
    assert "Quality check passed" in page.inner_text("table.model-list")
    assert "In progress 0/9" in page.inner_text("table.model-list")
    for width, height in ((768, 1024), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        no_sideways_scrolling(page)
        table = page.locator(".table-responsive")
        assert table.evaluate("box => box.scrollWidth <= box.clientWidth"), (
            width, table.evaluate("box => [box.scrollWidth, box.clientWidth]"))
