"""Reception and handover: steps, signatures, amendments, extra work, guarantee, PDFs."""
import base64
import io
import re
import threading
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from backoffice import clock, rules
from backoffice.extensions import db
from backoffice.models import (
    Amendment,
    AuditLog,
    Customer,
    ExtraWork,
    FollowUpCall,
    Handover,
    Reception,
    StoredFile,
    Vehicle,
    Visit,
)

from .conftest import Auth
from .factories import (
    PNG,
    SIGNATURE,
    make_customer,
    make_reception,
    make_user,
    make_vehicle,
    pdf_text,
    reload,
)

NOW = datetime(2026, 11, 27, 10, 0)


# -- the guarantee, at its edges ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("kind", "completed", "mileage", "until", "km"),
    [
        ("assembly", date(2026, 11, 27), 50000, date(2027, 3, 7), 70000),
        ("level2", date(2026, 11, 27), 50000, date(2026, 12, 27), 55000),
        ("minor", date(2026, 11, 27), 50000, date(2026, 12, 7), 52000),
        ("minor", date(2026, 12, 25), 0, date(2027, 1, 4), 2000),      # over the year end
        ("level2", date(2028, 2, 1), 100, date(2028, 3, 2), 5100),     # through a leap February
    ],
)
def test_quality_guarantee(kind, completed, mileage, until, km):
    """The last day and odometer reading, whichever comes first, from the completion."""
    assert rules.quality_guarantee(kind, completed, mileage) == (until, km)


def test_a_shop_may_promise_more_never_less():
    more = {"guarantee_minor_days": 30, "guarantee_minor_km": 3000}
    less = {"guarantee_minor_days": 5, "guarantee_minor_km": 1000}
    day = date(2026, 11, 27)
    assert rules.quality_guarantee("minor", day, 0, more) == (date(2026, 12, 27), 3000)
    assert rules.quality_guarantee("minor", day, 0, less) == (date(2026, 12, 7), 2000)
    with pytest.raises(ValueError, match="unknown work kind"):
        rules.quality_guarantee("paint", day, 0)


# -- starting a reception -------------------------------------------------------------------------

def test_find_the_car_by_the_plates_end_and_start(client, auth, advisor):
    vehicle = make_vehicle(plate_number="粤B86420", current_mileage=9000)
    page = client.get("/admin/reception/new/?q=6420").get_data(as_text=True)
    assert "粤B86420" in page
    response = auth.post("/admin/reception/new/", {"vehicle": vehicle.id, "kind": "repair"})
    reception = db.session.scalar(select(Reception))
    assert response.headers["Location"].endswith(f"/admin/reception/checklist/?id={reception.id}")
    assert (reception.visit.kind, reception.visit.advisor_id) == ("repair", advisor.id)
    assert reception.visit.visited_at == reception.started_at


def test_a_walk_in_is_filed_in_place(client, auth, advisor):
    form = {"name": "新客户", "mobile": "139 0000 1111", "plate_number": "粤b 13579",
            "vehicle_model": "凯美瑞", "kind": "maintenance"}
    assert auth.post("/admin/reception/new/", form).status_code == 302
    vehicle = db.session.scalar(select(Vehicle))
    assert (vehicle.plate_number, vehicle.owner.name, vehicle.owner.mobile) == (
        "粤B13579", "新客户", "13900001111")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("mobile", "123", "手机号码"), ("plate_number", "粤BI2345", "不使用字母 I 和 O"),
     ("plate_number", "粤B24680", "已有使用此车牌号的车辆")],
)
def test_a_walk_in_with_bad_data_is_refused(client, auth, advisor, field, value, message):
    make_vehicle(plate_number="粤B24680")
    form = {"name": "新客户", "mobile": "13900001111", "plate_number": "粤B13579",
            field: value}
    response = auth.post("/admin/reception/new/", form)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Reception)) == 0
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1


def test_a_walk_in_with_a_known_mobile_is_that_customer_or_refused(client, auth, advisor):
    """A mobile already on file belongs to its customer: another name is refused with a
    link to that customer, saving nothing; the same name files the car under them."""
    known = make_customer(name="王先生", mobile="13900001111")
    form = {"name": "李女士", "mobile": "13900001111", "plate_number": "粤B13579",
            "kind": "maintenance"}
    page = auth.post("/admin/reception/new/", form).get_data(as_text=True)
    assert "已有使用此手机号的客户" in page
    assert f'/admin/customer/archive/?id={known.id}">王先生</a>' in page
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 0
    assert db.session.scalar(select(func.count()).select_from(Reception)) == 0
    assert auth.post("/admin/reception/new/", {**form, "name": "王先生"}).status_code == 302
    vehicle = db.session.scalar(select(Vehicle))
    assert vehicle.customer_id == known.id
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1


@pytest.mark.parametrize("field", ["name", "vehicle_model"])
def test_a_walk_ins_text_longer_than_its_column_is_refused(client, auth, advisor, field):
    form = {"name": "新客户", "mobile": "13900001111", "plate_number": "粤B13579",
            "kind": "maintenance", field: "长" * 10_000}
    response = auth.post("/admin/reception/new/", form)
    assert "最多 100 个字符" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
    assert db.session.scalar(select(func.count()).select_from(Reception)) == 0


# -- the steps -------------------------------------------------------------------------------------

STEPS = {
    "covers": {"seat_cover": "y", "wheel_cover": "y", "floor_mat": "y"},
    "walk_around": {"mileage": "12500", "fuel_eighths": "5"},
    "damage": {},
    "belongings": {"spare_tyre": "y", "tools": "y", "valuables": "行车记录仪"},
    "consultation": {"described_faults": "刹车时有异响", "requests": "检查刹车系统"},
    "diagnosis": {"fault_confirmation": "前刹车片磨损到极限", "warranty_decision": "no",
                  "warranty_reason": "正常磨损件"},
    "documents": {"vehicle_licence": "y", "maintenance_book": "y"},
    "parts": {"parts_in_stock": "0", "parts_expected_on": "2026-11-28", "parts_note": "刹车片"},
    "estimate": {"estimate_amount": "680.50", "promised_at": "2026-11-28T17:00"},
}


def from_the_page(auth, page: str, url: str, data: dict, **kwargs):
    """POST `data` to `url` as a form on `page` would: with the record's version there."""
    found = re.search(r'name="version" value="(\d+)"', auth.client.get(page).get_data(as_text=True))
    return auth.post(url, {**({"version": found[1]} if found else {}), **data}, **kwargs)


def on_reception(auth, reception_id, action, data, **kwargs):
    """POST to one of the reception checklist's forms (step=..., damage, sign)."""
    sep = "&" if "?" in action else "?"
    return from_the_page(auth, f"/admin/reception/checklist/?id={reception_id}",
                         f"/admin/reception/{action}{sep}id={reception_id}", data, **kwargs)


def step(auth, reception_id, name, data):
    return on_reception(auth, reception_id, f"step/?step={name}", data)


def test_walking_through_every_step_saves_each(client, auth, advisor):
    reception = make_reception(vehicle=make_vehicle(current_mileage=10000), complete=False)
    for name, data in STEPS.items():
        response = step(auth, reception.id, name, data)
        assert response.status_code == 302, (name, response.get_data(as_text=True)[:500])
    reception = reload(Reception, reception.id)
    assert set(reception.steps_done) == set(STEPS)
    assert (reception.mileage, reception.fuel_eighths) == (12500, 5)
    assert reception.belongings == {"spare_tyre": True, "tools": True, "warning_triangle": False,
                                    "extinguisher": False}
    assert reception.parts_expected_on == date(2026, 11, 28)
    assert str(reception.estimate_amount) == "680.50"
    assert reception.promised_at.hour == 17
    assert reception.visit.mileage == 12500


def test_a_step_sent_from_an_older_page_saves_nothing(app, client, auth, advisor):
    """Two tablets on one checklist: the later save from a page older than the other's
    save is refused with a message, and what the other saved stays."""
    reception = make_reception(complete=False)
    page = f"/admin/reception/checklist/?id={reception.id}"
    mine = re.search(r'name="version" value="(\d+)"', client.get(page).get_data(as_text=True))[1]
    other = Auth(app.test_client())
    other.login("advisor")
    assert step(other, reception.id, "consultation", STEPS["consultation"]).status_code == 302
    for action, data in (
        ("step/?step=consultation", {"requests": "我的旧页面", "described_faults": "x"}),
        ("damage/", {"area": "front", "kind": "scratch"}),
        ("sign/", {"signature": SIGNATURE}),
    ):
        refused = auth.post(f"/admin/reception/{action}{'&' if '?' in action else '?'}"
                            f"id={reception.id}", {"version": mine, **data}, follow_redirects=True)
        assert "此记录已被他人修改并保存" in refused.get_data(as_text=True), action
    saved = reload(Reception, reception.id)
    assert saved.requests == STEPS["consultation"]["requests"]
    assert saved.damages == []
    assert saved.signed_at is None


def test_a_handover_step_sent_from_an_older_page_saves_nothing(app, client, auth, advisor):
    reception = make_reception(signed=True)
    page = f"/admin/handover/checklist/?reception={reception.id}"
    mine = re.search(r'name="version" value="(\d+)"', client.get(page).get_data(as_text=True))[1]
    assert handover_step(auth, reception.id, "quality", HANDOVER["quality"]).status_code == 302
    refused = auth.post(f"/admin/handover/step/?step=quality&reception={reception.id}",
                        {"version": mine, **HANDOVER["quality"], "quality_checked_by": "旧页面"},
                        follow_redirects=True)
    assert "此记录已被他人修改并保存" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Handover)).quality_checked_by == "质检员老张"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("covers", {"seat_cover": "y", "wheel_cover": "y"}, "请先安装好三件套"),
        ("walk_around", {"mileage": "-1", "fuel_eighths": "4"}, "不能小于 0"),
        ("walk_around", {"mileage": "9000", "fuel_eighths": "4"}, "里程低于上次记录的 10000 公里"),
        ("walk_around", {"mileage": "12000"}, "此项必须填写"),
        ("consultation", {"requests": "x"}, "此项必须填写"),
        ("diagnosis", {"fault_confirmation": "x", "warranty_reason": "y"}, "此项必须填写"),
        ("parts", {"parts_in_stock": "0"}, "请填写备品预计到货日期"),
        ("estimate", {"estimate_amount": "abc", "promised_at": "2026-11-28T17:00"}, "请填写数字"),
    ],
)
def test_a_step_with_bad_input_is_not_saved(client, auth, advisor, name, data, message):
    reception = make_reception(vehicle=make_vehicle(current_mileage=10000), complete=False)
    response = step(auth, reception.id, name, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert name not in reload(Reception, reception.id).steps_done


def test_a_lower_mileage_with_a_reason_is_kept_with_it(client, auth, advisor):
    reception = make_reception(vehicle=make_vehicle(current_mileage=10000), complete=False)
    response = step(auth, reception.id, "walk_around", {
        "mileage": "9000", "fuel_eighths": "4", "mileage_correction_reason": "更换过仪表"})
    assert response.status_code == 302
    assert reload(Reception, reception.id).visit.mileage_correction_reason == "更换过仪表"


def test_damage_with_a_photo_checked_by_content(client, auth, advisor):
    reception = make_reception(complete=False)
    on_reception(auth, reception.id, "damage/", {
        "area": "front", "kind": "scratch", "note": "前保险杠划痕",
        "photo": (io.BytesIO(PNG), "伤.png")}, content_type="multipart/form-data")
    refused = on_reception(auth, reception.id, "damage/", {
        "area": "left", "kind": "dent", "note": "左后门凹陷",
        "photo": (io.BytesIO(b"<script>x</script>"), "fake.png")
    }, content_type="multipart/form-data").get_data(as_text=True)
    assert "只能上传照片" in refused
    # Only the photo is refused: the damage entered stays on the form.
    assert '<option selected value="left">' in refused
    assert 'name="kind" value="dent" checked' in refused
    assert 'value="左后门凹陷"' in refused
    damages = reload(Reception, reception.id).damages
    assert len(damages) == 1
    photo = client.get(f"/admin/reception/file/?id={damages[0]['photo_id']}")
    assert photo.mimetype == "image/png"
    assert photo.data == PNG
    on_reception(auth, reception.id, "damage/", {"remove": "0"})
    assert reload(Reception, reception.id).damages == []


def test_stored_files_are_served_only_to_those_who_see_checklists(app, client, auth, advisor):
    reception = make_reception(signed=True)
    other = Auth(app.test_client())
    other.login_as("safety_officer")
    assert other.client.get(
        f"/admin/reception/file/?id={reception.signature_id}").status_code == 403
    assert client.get(f"/admin/reception/file/?id={reception.signature_id}").status_code == 200
    loose = StoredFile(purpose="training_scan", mimetype="image/png", size=1, sha256="0",
                       data=PNG)
    db.session.add(loose)
    db.session.commit()
    assert client.get(f"/admin/reception/file/?id={loose.id}").status_code == 404


# -- signing, read only, amendments --------------------------------------------------------------

@pytest.mark.parametrize("missing", list(STEPS))
def test_it_cannot_be_signed_with_a_step_missing(client, auth, advisor, missing):
    reception = make_reception()
    reception.steps_done = {k: v for k, v in reception.steps_done.items() if k != missing}
    db.session.commit()
    response = on_reception(auth, reception.id, "sign/", {"signature": SIGNATURE},
                            follow_redirects=True)
    assert "还不能签字" in response.get_data(as_text=True)
    assert reload(Reception, reception.id).signed_at is None


def test_the_steps_left_are_listed_as_the_language_lists(client, auth, advisor):
    """甲、乙 in Chinese, "A, B" in English (the English page read "A、B")."""
    reception = make_reception(complete=False)
    url = f"/admin/reception/checklist/?id={reception.id}"
    missing = re.search(r'id="sign-missing">(.*?)</p>', client.get(url).get_data(as_text=True),
                        re.S)[1]
    assert "</a>、<a" in missing
    client.get("/lang/en")
    missing = re.search(r'id="sign-missing">(.*?)</p>', client.get(url).get_data(as_text=True),
                        re.S)[1]
    assert "</a>, <a" in missing
    assert "、" not in missing


@pytest.mark.parametrize("signature", ["", "data:image/png;base64,xxx",
                                       "data:image/png;base64," + base64.b64encode(
                                           b"GIF89a....").decode()])
def test_a_signature_must_be_a_drawn_png(client, auth, advisor, signature):
    reception = make_reception()
    response = on_reception(auth, reception.id, "sign/", {"signature": signature},
                            follow_redirects=True)
    assert "请先在框内签名" in response.get_data(as_text=True)
    assert reload(Reception, reception.id).signed_at is None


def test_signing_keeps_the_signature_and_sends_the_car_in(client, auth, advisor):
    reception = make_reception()
    on_reception(auth, reception.id, "sign/",
                 {"signature": SIGNATURE, "signed_by_name": "王先生"})
    reception = reload(Reception, reception.id)
    assert reception.signed_by_name == "王先生"
    assert db.session.get(StoredFile, reception.signature_id).data == PNG
    assert reception.visit.service_items == "检查刹车"


def test_signed_is_read_only_and_an_amendment_keeps_the_original(client, auth, advisor):
    reception = make_reception(signed=True)
    response = step(auth, reception.id, "walk_around", {"mileage": "99999", "fuel_eighths": "8"})
    assert reload(Reception, reception.id).mileage == 12000
    assert "已签字" in client.get(response.headers["Location"]).get_data(as_text=True)
    auth.post(f"/admin/reception/amend/?id={reception.id}",
              {"field": "mileage", "amend-mileage": "12100", "amend-reason": "录入笔误"})
    reception = reload(Reception, reception.id)
    assert reception.mileage == 12000  # the signed value stays
    [amendment] = reception.amendments
    assert (amendment.old_value, amendment.new_value, amendment.reason) == ("12000", "12100",
                                                                            "录入笔误")
    assert db.session.scalar(select(AuditLog).where(
        AuditLog.model == "amendment", AuditLog.action == "create")) is not None
    page = client.get(f"/admin/reception/checklist/?id={reception.id}").get_data(as_text=True)
    assert "12000 → <strong>12100</strong>" in page


def test_an_amendment_needs_a_reason(client, auth, advisor):
    reception = make_reception(signed=True)
    auth.post(f"/admin/reception/amend/?id={reception.id}",
              {"field": "mileage", "amend-mileage": "12100"})
    assert db.session.scalar(select(func.count()).select_from(Amendment)) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mileage", "abc", "请填写整数"),
        ("mileage", "-5", ""),
        ("mileage", "9000", "里程不能低于上次记录的 10000 公里"),
        ("fuel_eighths", "99", "选项无效"),
        ("estimate_amount", "很贵", "请填写数字"),
        ("promised_at", "明天下午", "请填写有效的日期和时间"),
        ("warranty_decision", "也许", "选项无效"),
        ("parts_expected_on", "2026-02-30", "请填写有效的日期"),
        ("described_faults", "长" * 4001, ""),
        ("valuables", "长" * 2001, ""),
        ("reason", "长" * 201, ""),  # refused, not cut to fit
        ("described_faults", "  \u3000 ", "此项必须填写"),  # spaces are no answer
        ("parts_expected_on", "", "此项必须填写"),  # (the step's field may be left empty)
        ("reason", "   ", "此项必须填写"),
    ],
)
def test_an_amendment_is_checked_as_its_step_is(client, auth, advisor, field, value, message):
    """What the step would refuse, an amendment refuses too: with a message under the
    field, saving nothing."""
    reception = make_reception(vehicle=make_vehicle(current_mileage=10000), signed=True)
    data = {"field": "mileage", "amend-mileage": "12100", "amend-reason": "录入笔误"}
    if field != "reason":
        data["field"] = field
    response = auth.post(f"/admin/reception/amend/?id={reception.id}",
                         {**data, f"amend-{field}": value})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "更正未记录" in html
    assert re.search(r'text-danger small mt-1">[^<]*' + message, html)
    assert db.session.scalar(select(func.count()).select_from(Amendment)) == 0


def test_amendments_read_as_their_step_shows_them(client, auth, advisor):
    """On screen and in the PDF: labels, eighths and local times, not raw values."""
    reception = make_reception(signed=True, promised_at=datetime(2026, 11, 28, 17, 0))
    url = f"/admin/reception/amend/?id={reception.id}"
    for field, value in (("warranty_decision", "yes"), ("fuel_eighths", "5"),
                         ("promised_at", "2026-12-02T17:00")):
        response = auth.post(url, {"field": field, f"amend-{field}": value, "amend-reason": "更正"})
        assert response.status_code == 302
    page = client.get(f"/admin/reception/checklist/?id={reception.id}").get_data(as_text=True)
    text = pdf_text(client.get(f"/admin/reception/pdf/?id={reception.id}").data)
    for shown in (page, text):
        for value in ("不属于质量担保", "属于质量担保", "4/8", "5/8", "2026-11-28 17:00",
                      "2026-12-02 17:00"):
            assert value in shown, value
        assert "+08:00" not in shown


# -- extra work ------------------------------------------------------------------------------------

def test_extra_work_needs_consent_before_it_is_done(client, auth, advisor):
    reception = make_reception(signed=True)
    url = f"/admin/reception/extra/?id={reception.id}"
    auth.post(url, {"action": "add", "item": "更换刹车油", "extra_cost": "120",
                    "extra_hours": "0.5", "reason": "刹车油含水量超标"})
    work = db.session.scalar(select(ExtraWork))
    refused = auth.post(url, {"action": "done", "work": work.id}, follow_redirects=True)
    assert "客户尚未同意此增项" in refused.get_data(as_text=True)
    assert reload(ExtraWork, work.id).done_at is None
    auth.post(url, {"action": "consent", "work": work.id, "consent_how": "phone",
                    "consent_by": "王先生"})
    auth.post(url, {"action": "done", "work": work.id})
    work = reload(ExtraWork, work.id)
    assert (work.consent_how, work.consent_by, work.consent_taken_by_id) == (
        "phone", "王先生", advisor.id)
    assert work.done_at is not None


def test_consent_records_how_and_who(client, auth, advisor):
    reception = make_reception(signed=True)
    url = f"/admin/reception/extra/?id={reception.id}"
    auth.post(url, {"action": "add", "item": "四轮定位"})
    work = db.session.scalar(select(ExtraWork))
    auth.post(url, {"action": "consent", "work": work.id, "consent_how": "phone"})
    assert reload(ExtraWork, work.id).consent_at is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("extra_cost", "abc"), ("extra_cost", "-50"), ("extra_cost", "99999999999"),
     ("extra_hours", "-2"), ("extra_hours", "0.25"), ("item", "长" * 201),
     ("reason", "长" * 2001)],
)
def test_extra_work_with_bad_input_is_refused(client, auth, advisor, field, value):
    """Not saved without the bad value: refused with a message under the field, and what
    was typed stays in the form."""
    reception = make_reception(signed=True)
    form = {"action": "add", "item": "更换刹车油", "extra_cost": "120", "extra_hours": "0.5",
            field: value}
    response = auth.post(f"/admin/reception/extra/?id={reception.id}", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "维修增项未添加" in html
    assert re.search(r'text-danger small mt-1">', html)
    assert db.session.scalar(select(func.count()).select_from(ExtraWork)) == 0


def test_each_extra_work_action_is_confirmed(client, auth, advisor):
    reception = make_reception(signed=True)
    url = f"/admin/reception/extra/?id={reception.id}"
    added = auth.post(url, {"action": "add", "item": "四轮定位"}, follow_redirects=True)
    assert "已添加维修增项" in added.get_data(as_text=True)
    work = db.session.scalar(select(ExtraWork))
    agreed = auth.post(url, {"action": "consent", "work": work.id, "consent_how": "phone",
                             "consent_by": "王先生"}, follow_redirects=True)
    assert "已记录客户同意" in agreed.get_data(as_text=True)
    done = auth.post(url, {"action": "done", "work": work.id}, follow_redirects=True)
    assert "已标记为完成" in done.get_data(as_text=True)
    auth.post(url, {"action": "add", "item": "更换雨刮"})
    other = db.session.scalar(select(ExtraWork).where(ExtraWork.item == "更换雨刮"))
    declined = auth.post(url, {"action": "decline", "work": other.id}, follow_redirects=True)
    assert "客户不同意此增项" in declined.get_data(as_text=True)


def test_declined_extra_work_cannot_be_agreed_to(client, auth, advisor):
    reception = make_reception(signed=True)
    url = f"/admin/reception/extra/?id={reception.id}"
    auth.post(url, {"action": "add", "item": "四轮定位"})
    work = db.session.scalar(select(ExtraWork))
    auth.post(url, {"action": "decline", "work": work.id})
    refused = auth.post(url, {"action": "consent", "work": work.id, "consent_how": "phone",
                              "consent_by": "王先生"}, follow_redirects=True)
    assert "客户已对此增项作出决定" in refused.get_data(as_text=True)
    assert reload(ExtraWork, work.id).consent_at is None
    page = client.get(f"/admin/reception/checklist/?id={reception.id}").get_data(as_text=True)
    assert 'value="consent"' not in page


def test_no_extra_work_before_the_reception_is_signed(client, auth, advisor):
    reception = make_reception()
    refused = auth.post(f"/admin/reception/extra/?id={reception.id}",
                        {"action": "add", "item": "四轮定位"}, follow_redirects=True)
    assert "接车登记表签字后才能添加维修增项" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ExtraWork)) == 0


def test_no_extra_work_changes_after_the_handover(client, auth, advisor):
    """Once the customer signed the handover, extra work is neither added nor changed,
    and its buttons are gone."""
    reception = make_reception(signed=True)
    url = f"/admin/reception/extra/?id={reception.id}"
    auth.post(url, {"action": "add", "item": "四轮定位"})
    work = db.session.scalar(select(ExtraWork))
    client.get(f"/admin/handover/checklist/?reception={reception.id}")
    db.session.scalar(select(Handover)).completed_at = datetime(2026, 11, 28, 17, 0)
    db.session.commit()
    for data in ({"action": "add", "item": "更换雨刮"},
                 {"action": "consent", "work": work.id, "consent_how": "phone",
                  "consent_by": "王先生"},
                 {"action": "decline", "work": work.id}):
        refused = auth.post(url, data, follow_redirects=True).get_data(as_text=True)
        assert "车辆已交付，维修增项不能再更改" in refused
    assert db.session.scalar(select(func.count()).select_from(ExtraWork)) == 1
    work = reload(ExtraWork, work.id)
    assert (work.consent_at, work.declined) == (None, False)
    page = client.get(f"/admin/reception/checklist/?id={reception.id}").get_data(as_text=True)
    assert 'id="extra-work-form"' not in page
    assert 'value="consent"' not in page


# -- handover -------------------------------------------------------------------------------------

HANDOVER = {
    "quality": {"quality_passed": "y", "quality_checked_by": "质检员老张"},
    "cleaning": {"cleaned": "y", "covers_removed": "y"},
    "belongings": {"spare_tyre": "y", "tools": "y"},
    "explanation": {"work_explained": "y", "cautions": "新刹车片需磨合 200 公里"},
    "maintenance": {"maintenance_advice": "半年后保养", "next_maintenance_date": "2027-05-27",
                    "next_maintenance_km": "17000"},
    "old_parts": {"old_parts": "returned"},
    "settlement": {"settlement_amount": "680.50", "payment_method": "wechat",
                   "invoice_number": "No.12345"},
    "guarantee": {"work_kind": "minor", "mileage_out": "12010"},
}


def on_handover(auth, reception_id, action, data, **kwargs):
    """POST to one of the handover checklist's forms (step=..., sign)."""
    sep = "&" if "?" in action else "?"
    return from_the_page(auth, f"/admin/handover/checklist/?reception={reception_id}",
                         f"/admin/handover/{action}{sep}reception={reception_id}", data, **kwargs)


def handover_step(auth, reception_id, name, data):
    return on_handover(auth, reception_id, f"step/?step={name}", data)


def test_no_handover_before_the_reception_is_signed(client, auth, advisor):
    reception = make_reception()
    response = client.get(f"/admin/handover/checklist/?reception={reception.id}")
    assert response.headers["Location"].endswith(f"/admin/reception/checklist/?id={reception.id}")
    assert db.session.scalar(select(func.count()).select_from(Handover)) == 0


def test_nothing_is_ticked_before_the_quality_check(client, auth, advisor):
    reception = make_reception(signed=True)
    client.get(f"/admin/handover/checklist/?reception={reception.id}")
    handover_step(auth, reception.id, "cleaning", HANDOVER["cleaning"])
    handover = db.session.scalar(select(Handover))
    assert handover.steps_done == {}
    refused = handover_step(auth, reception.id, "quality", {"quality_checked_by": "老张"})
    assert "质检合格后才能交车" in refused.get_data(as_text=True)


def test_belongings_differences_must_be_explained(client, auth, advisor):
    reception = make_reception(signed=True)
    handover_step(auth, reception.id, "quality", HANDOVER["quality"])
    handover_step(auth, reception.id, "belongings", {"spare_tyre": "y"})
    assert "belongings" not in db.session.scalar(select(Handover)).steps_done
    handover_step(auth, reception.id, "belongings",
                  {"spare_tyre": "y", "differences": "随车工具客户自行取走"})
    handover = reload(Handover, db.session.scalar(select(Handover.id)))
    assert handover.belongings_found == {"spare_tyre": True, "tools": False}


def test_handing_over_completes_the_visit_and_plans_the_first_call(client, auth, advisor, freeze):
    agent = make_user("followup_agent", "agent")
    reception = make_reception(vehicle=make_vehicle(owner=make_customer(agent=agent)),
                               signed=True)
    for name, data in HANDOVER.items():
        response = handover_step(auth, reception.id, name, data)
        assert response.status_code == 302, (name, response.get_data(as_text=True)[:300])
    handover = db.session.scalar(select(Handover))
    assert (handover.guarantee_until, handover.guarantee_km) == (date(2026, 12, 7), 14010)
    freeze(NOW + timedelta(hours=6))
    on_handover(auth, reception.id, "sign/", {"signature": SIGNATURE, "signed_by_name": "王先生"})
    handover = reload(Handover, handover.id)
    assert handover.completed_at is not None
    visit = reload(Visit, reception.visit_id)
    assert visit.completed_at == handover.completed_at
    assert (visit.next_maintenance_date, visit.next_maintenance_km) == (date(2027, 5, 27), 17000)
    assert visit.vehicle.next_maintenance_date == date(2027, 5, 27)
    call = db.session.scalar(select(FollowUpCall))
    assert (call.kind, call.due_from, call.due_by, call.agent_id) == (
        "first", date(2026, 11, 30), date(2026, 12, 4), agent.id)
    again = handover_step(auth, reception.id, "settlement", HANDOVER["settlement"])
    assert "车辆已交付" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_the_handover_cannot_be_signed_with_steps_missing(client, auth, advisor):
    reception = make_reception(signed=True)
    handover_step(auth, reception.id, "quality", HANDOVER["quality"])
    response = on_handover(auth, reception.id, "sign/", {"signature": SIGNATURE},
                           follow_redirects=True)
    assert "还不能签字" in response.get_data(as_text=True)
    assert db.session.scalar(select(Handover)).completed_at is None


def test_the_handover_mileage_is_not_below_the_intake(client, auth, advisor):
    reception = make_reception(signed=True)  # 12000 km at reception
    handover_step(auth, reception.id, "quality", HANDOVER["quality"])
    refused = handover_step(auth, reception.id, "guarantee",
                            {"work_kind": "minor", "mileage_out": "11000"})
    assert "交车里程不能低于接车时的 12000 公里" in refused.get_data(as_text=True)
    handover = db.session.scalar(select(Handover))
    assert (handover.mileage_out, handover.guarantee_until) == (None, None)
    assert "guarantee" not in handover.steps_done


def test_handing_over_records_the_mileage_out_on_the_vehicle(client, auth, advisor):
    """The car leaves with more kilometres than it came with: the archive follows (audited)."""
    reception = make_reception(vehicle=make_vehicle(current_mileage=11000), signed=True)
    for name, data in HANDOVER.items():
        handover_step(auth, reception.id, name, data)
    on_handover(auth, reception.id, "sign/", {"signature": SIGNATURE})
    assert reload(Vehicle, reception.vehicle_id).current_mileage == 12010
    assert db.session.scalar(select(AuditLog).where(
        AuditLog.model == "vehicle", AuditLog.record_id == str(reception.vehicle_id),
        AuditLog.action == "update")) is not None


def test_belongings_refused_keep_what_was_entered(client, auth, advisor):
    reception = make_reception(signed=True)  # spare tyre and tools at reception
    handover_step(auth, reception.id, "quality", HANDOVER["quality"])
    page = handover_step(auth, reception.id, "belongings", {"tools": "y"}).get_data(as_text=True)
    assert "请说明与接车记录不一致之处" in page
    assert re.search(r'name="spare_tyre" value="y">', page)  # still unticked
    assert re.search(r'name="tools" value="y" checked>', page)
    long = handover_step(auth, reception.id, "belongings",
                         {"tools": "y", "differences": "备" * 2001}).get_data(as_text=True)
    assert "最多 2000 个字符" in long
    assert "备" * 2001 in long
    assert "belongings" not in db.session.scalar(select(Handover)).steps_done


def test_a_refused_form_gives_the_checklists_address_and_keeps_its_typing(
        client, auth, advisor):
    """A refused form is answered (200, not a redirect: what was typed stays) with the
    checklist's own address to show, at the refused form, and that form marked unsaved."""
    draft = make_reception(complete=False)
    signed = make_reception(signed=True)
    handover_step(auth, signed.id, "quality", HANDOVER["quality"])
    reception_page = "/admin/reception/checklist/?id={}#{}"
    handover_page = f"/admin/handover/checklist/?reception={signed.id}#{{}}"
    cases = [
        (step(auth, draft.id, "consultation", {"requests": "检查刹车"}),
         reception_page.format(draft.id, "step-consultation"), "form-consultation", "检查刹车"),
        (on_reception(auth, draft.id, "damage/", {"area": "wing", "note": "划痕一道"}),
         reception_page.format(draft.id, "step-damage"), "damage-form", "划痕一道"),
        (auth.post(f"/admin/reception/amend/?id={signed.id}",
                   {"field": "mileage", "amend-mileage": "13000"}),
         reception_page.format(signed.id, "amendments"), "amend-form", "13000"),
        (auth.post(f"/admin/reception/extra/?id={signed.id}",
                   {"action": "add", "item": "四轮定位", "extra_cost": "-1"}),
         reception_page.format(signed.id, "extra-work"), "extra-work-form", "四轮定位"),
        (handover_step(auth, signed.id, "settlement", {"invoice_number": "FP-2026-001"}),
         handover_page.format("step-settlement"), "form-settlement", "FP-2026-001"),
        (handover_step(auth, signed.id, "belongings", {"differences": "备" * 2001}),
         handover_page.format("step-belongings"), "form-belongings", "备" * 2001),
    ]
    for response, address, form, typed in cases:
        html = response.get_data(as_text=True)
        assert response.status_code == 200, address
        assert f'data-address="{address.replace("&", "&amp;")}"' in html
        assert re.search(rf'id="{form}"[^>]* data-unsaved-warning="unsaved"', html), form
        assert typed in html, form
        assert html.count('data-unsaved-warning="unsaved"') == 1, form
    shown = client.get(f"/admin/reception/checklist/?id={draft.id}").get_data(as_text=True)
    assert "data-address" not in shown
    assert 'data-unsaved-warning="unsaved"' not in shown


def test_the_handover_is_not_signed_while_extra_work_awaits_consent(client, auth, advisor):
    reception = make_reception(signed=True)
    auth.post(f"/admin/reception/extra/?id={reception.id}", {"action": "add", "item": "四轮定位"})
    for name, data in HANDOVER.items():
        handover_step(auth, reception.id, name, data)
    page = client.get(f"/admin/handover/checklist/?reception={reception.id}")
    assert 'id="signature-pad"' not in page.get_data(as_text=True)
    refused = on_handover(auth, reception.id, "sign/", {"signature": SIGNATURE},
                          follow_redirects=True)
    assert "客户尚未同意或拒绝以下维修增项：四轮定位" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Handover)).completed_at is None
    work = db.session.scalar(select(ExtraWork))
    auth.post(f"/admin/reception/extra/?id={reception.id}", {"action": "decline", "work": work.id})
    on_handover(auth, reception.id, "sign/", {"signature": SIGNATURE})
    assert db.session.scalar(select(Handover)).completed_at is not None


# -- PDFs -----------------------------------------------------------------------------------------

def embeds_a_cjk_font(pdf: bytes) -> bool:
    reader = PdfReader(io.BytesIO(pdf))
    return any(
        "/FontFile2" in font.get_object().get("/FontDescriptor", {})
        for page in reader.pages for font in page["/Resources"]["/Font"].values()
    )


def test_both_pdfs_carry_the_entered_chinese_text_and_the_font(client, auth, advisor):
    reception = make_reception(signed=True, described_faults="冷车启动时发动机抖动",
                               damages=[{"area": "front", "kind": "scratch", "note": "前杠划痕"}])
    for name, data in HANDOVER.items():
        handover_step(auth, reception.id, name, data)
    on_handover(auth, reception.id, "sign/", {"signature": SIGNATURE})
    intake = client.get(f"/admin/reception/pdf/?id={reception.id}")
    assert intake.mimetype == "application/pdf"
    text = pdf_text(intake.data)
    for word in ("接车登记表", "冷车启动时发动机抖动", "前杠划痕", "座椅套", "680.00"):
        assert word in text, word
    assert embeds_a_cjk_font(intake.data)
    sheet = client.get(f"/admin/handover/pdf/?reception={reception.id}")
    text = pdf_text(sheet.data)
    for word in ("交车单", "质检员老张", "新刹车片需磨合", "微信支付", "2026-12-07"):
        assert word in text, word
    assert embeds_a_cjk_font(sheet.data)
    images = [name for page in PdfReader(io.BytesIO(sheet.data)).pages
              for name in page["/Resources"].get("/XObject", {})]
    assert images, "the signature image is in the handover sheet"


def test_an_english_pdf_breaks_lines_between_words_and_still_wraps_chinese(
        client, auth, advisor):
    """English labels break between words (not 'descri' / 'bes'); a Chinese value longer
    than its cell still breaks inside, as in a Chinese PDF."""
    long_value = "冷车启动时发动机抖动并且仪表盘故障灯闪烁" * 6
    reception = make_reception(signed=True, described_faults=long_value)
    client.get("/lang/en")
    text = pdf_text(client.get(f"/admin/reception/pdf/?id={reception.id}").data)
    words = text.split()
    for word in ("describes", "confirmation", "Promised", "completion", "description"):
        assert word in words, word
    assert long_value not in text  # broken into lines,
    assert long_value in "".join(words)  # all of it there


def test_what_the_font_cannot_print_shows_as_a_mark_not_nothing(client, auth, advisor):
    """An emoji pasted from WeChat has no glyph in the Chinese font: it vanished from
    the printed sheet; now it prints as � (its presentation selector as nothing)."""
    reception = make_reception(signed=True, described_faults="刹车有异响😟，客户很着急❤️！")
    text = pdf_text(client.get(f"/admin/reception/pdf/?id={reception.id}").data)
    assert "刹车有异响\ufffd，客户很着急\ufffd！" in text


def test_a_pdfs_sentences_take_the_punctuation_of_its_language(client, auth, advisor):
    """The sheets put labels and values together with the language's marks: 不属于质量担保：
    wear in Chinese, "Not under warranty: wear" in English (no ：（）、 in English)."""
    reception = make_reception(signed=True, warranty_reason="wear", parts_in_stock=False,
                               parts_expected_on=clock.today(), parts_note="pads")
    url = f"/admin/reception/pdf/?id={reception.id}"
    chinese = pdf_text(client.get(url).data)
    assert "不属于质量担保：wear" in chinese
    assert "需订货，预计" in chinese
    client.get("/lang/en")
    english = pdf_text(client.get(url).data)
    assert "Not under warranty: wear" in english
    assert "To order, expected on" in english
    for mark in "：（）、，；":
        assert mark not in english, mark


def test_both_pdfs_show_the_extra_work_and_the_mileages(client, auth, advisor):
    """The extra work with its header, hours, reason and state on both sheets; the handover
    sheet's mileage out, and its next maintenance in a row of its own, no ASCII colon."""
    reception = make_reception(signed=True)
    url = f"/admin/reception/extra/?id={reception.id}"
    auth.post(url, {"action": "add", "item": "更换刹车油", "extra_cost": "120",
                    "extra_hours": "1.5", "reason": "刹车油含水量超标"})
    work = db.session.scalar(select(ExtraWork))
    auth.post(url, {"action": "consent", "work": work.id, "consent_how": "phone",
                    "consent_by": "王先生"})
    for name, data in HANDOVER.items():
        handover_step(auth, reception.id, name, data)
    on_handover(auth, reception.id, "sign/", {"signature": SIGNATURE})
    intake = pdf_text(client.get(f"/admin/reception/pdf/?id={reception.id}").data)
    sheet = pdf_text(client.get(f"/admin/handover/pdf/?reception={reception.id}").data)
    for text in (intake, sheet):
        for word in ("增加费用", "增加工时", "1.5", "刹车油含水量超标", "王先生"):
            assert word in text, word
    for word in ("交车时里程", "12010", "下次保养", "2027-05-27"):
        assert word in sheet, word
    assert not re.search(r"[\u4e00-\u9fff]: ", sheet)


class _Counter(BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_pdf_fetches_nothing_that_user_text_names(client, auth, advisor):
    """<img src="http://127.0.0.1:..."> or a file path in the text stays text."""
    server = HTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        hostile = (f'<img src="http://127.0.0.1:{port}/x.png"> <img src="/etc/passwd"> '
                   f'url(http://127.0.0.1:{port}/y)')
        reception = make_reception(described_faults=hostile, valuables="/etc/shadow")
        pdf = client.get(f"/admin/reception/pdf/?id={reception.id}").data
    finally:
        server.shutdown()
    assert _Counter.hits == []
    text = pdf_text(pdf)
    assert "/etc/passwd" in text
    assert "root:" not in text


# -- home page ------------------------------------------------------------------------------------

def test_the_advisors_home_page(client, auth, advisor):
    make_reception(complete=False, advisor=advisor)
    make_reception(signed=True, advisor=advisor, promised_at=NOW + timedelta(hours=2))
    home = client.get("/admin/").get_data(as_text=True)
    for text in ("填写中的接车登记", "待质检车辆", "今日应交车", "开始接车"):
        assert text in home, text


def test_pdfs_carry_the_shops_name_and_address(app, client, auth, advisor):
    app.config.update(SHOP_NAME="鹏程汽车销售服务有限公司", SHOP_ADDRESS="深圳市南山区科技路 8 号")
    reception = make_reception(signed=True)
    text = pdf_text(client.get(f"/admin/reception/pdf/?id={reception.id}").data)
    assert "鹏程汽车销售服务有限公司" in text
    assert "深圳市南山区科技路 8 号" in text
    assert "第 1 页" in text


def test_without_a_chinese_font_pdfs_fail_clearly(app, client, auth, advisor, monkeypatch):
    """No tofu: with no CJK font installed, the user gets a clear message instead."""
    from backoffice import pdf

    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    app.config["PDF_FONT_PATH"] = "/nonexistent/font.ttf"
    reception = make_reception(signed=True)
    response = client.get(f"/admin/reception/pdf/?id={reception.id}")
    assert response.status_code == 503
    assert "未找到中文 TrueType 字体" in response.get_data(as_text=True)
