"""Safety: templates, inspections on a phone, hazards rectified and verified, schedules,
equipment, plans, drills, accidents, the register and the monthly report."""
import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backoffice import clock, safety
from backoffice.extensions import db
from backoffice.models import (
    Accident,
    AuditLog,
    CorrectiveAction,
    Drill,
    EmergencyPlan,
    Equipment,
    Hazard,
    InspectionAnswer,
    InspectionItem,
    InspectionTemplate,
    SafetyInspection,
    StoredFile,
)

from .factories import PNG, make_hazard, make_inspection, make_template, make_user, pdf_text, reload
from .test_scale import counted

NOW = datetime(2026, 11, 27, 10, 0)
TODAY = NOW.date()


@pytest.fixture
def officer(auth, freeze):
    freeze(NOW)
    user = make_user("safety_officer", "officer", display_name="孙安")
    auth.login("officer")
    return user


def answers_of(inspection_id: int) -> list[InspectionAnswer]:
    return reload(SafetyInspection, inspection_id).answers


# -- templates ----------------------------------------------------------------------------------

def test_default_templates_hold_the_domain_list_once(app):
    assert safety.ensure_default_templates() == 4
    assert safety.ensure_default_templates() == 0
    templates = {t.name: t for t in db.session.scalars(select(InspectionTemplate))}
    fire = templates["消防器材月检"]
    assert fire.schedule == "monthly"
    assert {i.group for i in fire.items} == {"fire"}
    workshop = templates["车间日常安全检查"]
    assert workshop.schedule == "daily"
    assert "workshop" in workshop.areas
    groups = {i.group for i in workshop.items}
    assert groups == {"equipment", "people", "materials", "electrical_height"}
    assert "高处作业系好安全带" in {i.text for i in workshop.items}
    covered = set()
    for template in templates.values():
        covered.update(template.areas)
    assert covered == {"workshop", "warehouse", "paint_booth", "wash_bay", "office"}


def test_the_officer_edits_a_template_and_its_items(officer, client, auth):
    template = make_template()
    page = client.get(f"/admin/inspection_template/edit/?id={template.id}")
    assert page.status_code == 200
    assert "举升机保险装置完好" in page.get_data(as_text=True)
    items = sorted(template.items, key=lambda i: i.position)
    data = {"name": "车间周检", "schedule": "weekly", "areas": ["workshop", "wash_bay"],
            "version": template.version}
    for n, item in enumerate(items):
        data |= {f"items-{n}-id": item.id, f"items-{n}-group": item.group,
                 f"items-{n}-text": item.text, f"items-{n}-position": item.position}
    data |= {"items-3-group": "materials", "items-3-text": "油品分类存放", "items-3-position": 9}
    response = auth.post(f"/admin/inspection_template/edit/?id={template.id}", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    template = reload(InspectionTemplate, template.id)
    assert template.name == "车间周检"
    assert template.areas == ["workshop", "wash_bay"]
    assert "油品分类存放" in {i.text for i in template.items}


def test_a_template_needs_a_name(officer, auth):
    response = auth.post("/admin/inspection_template/new/", {"name": "", "schedule": "daily"})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(InspectionTemplate)) == 0


# -- inspections --------------------------------------------------------------------------------

def start(auth, template, area="workshop", kind="routine") -> int:
    response = auth.post("/admin/safety_inspection/new/",
                         {"template": template.id, "area": area, "kind": kind})
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(func.max(SafetyInspection.id)))


def test_starting_an_inspection_copies_the_template_items(officer, client, auth):
    template = make_template()
    page = client.get("/admin/safety_inspection/new/").get_data(as_text=True)
    assert template.name in page
    assert "洗车区" in page
    assert "节前检查" in page
    inspection_id = start(auth, template, "paint_booth", "holiday")
    inspection = reload(SafetyInspection, inspection_id)
    assert (inspection.area, inspection.kind, inspection.inspected_on) == (
        "paint_booth", "holiday", TODAY)
    assert inspection.inspector.username == "officer"
    assert [a.text for a in inspection.answers] == [i.text for i in template.items]
    assert all(a.result is None for a in inspection.answers)
    html = client.get(f"/admin/safety_inspection/fill/?id={inspection_id}").get_data(
        as_text=True)
    assert html.count('value="fail"') == 3
    assert "btn-lg" in html
    assert "喷漆房" in html


def test_starting_needs_area_template_and_kind(officer, client, auth):
    template = make_template()
    for data in ({"area": "workshop", "kind": "routine"},
                 {"template": template.id, "area": "roof", "kind": "routine"},
                 {"template": template.id, "area": "workshop", "kind": "whenever"}):
        response = auth.post("/admin/safety_inspection/new/", data, follow_redirects=True)
        assert "请选择区域、检查表模板和检查类型" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SafetyInspection)) == 0


def answer(auth, inspection_id, results: dict, sign=False, **extra):
    data = {f"result-{answer_id}": result for answer_id, result in results.items()} | extra
    if sign:
        data["sign"] = "1"
    data.setdefault("version", reload(SafetyInspection, inspection_id).version)
    return auth.post(f"/admin/safety_inspection/fill/?id={inspection_id}", data,
                     follow_redirects=True)


def test_a_failed_item_raises_a_hazard_due_by_its_level(officer, client, auth):
    inspection = make_inspection(inspector=officer)
    first, second, third = (a.id for a in inspection.answers)
    response = answer(auth, inspection.id, {first: "pass", second: "fail", third: "fail"},
                      **{f"level-{second}": "major", f"note-{second}": "两人未戴护目镜"})
    assert "检查结果已保存" in response.get_data(as_text=True)
    hazards = {h.answer_id: h for h in db.session.scalars(select(Hazard))}
    assert set(hazards) == {second, third}
    major, general = hazards[second], hazards[third]
    assert major.level == "major"
    assert major.deadline == TODAY + timedelta(days=3)
    assert general.level == "general"
    assert general.deadline == TODAY + timedelta(days=15)
    assert major.description == "佩戴劳动防护用品：两人未戴护目镜"
    assert (major.area, major.found_on, major.inspection_id) == ("workshop", TODAY, inspection.id)
    assert major.found_by.username == "officer"
    page = client.get(f"/admin/safety_inspection/fill/?id={inspection.id}").get_data(as_text=True)
    assert "已登记隐患，整改期限 2026-11-30" in page
    details = client.get(f"/admin/hazard/details/?id={major.id}").get_data(as_text=True)
    assert f'/admin/safety_inspection/fill/?id={inspection.id}">2026-11-27 车间</a>' in details
    # Saving again raises nothing twice; an item that passes after all takes its hazard back.
    answer(auth, inspection.id, {second: "fail", third: "pass"})
    remaining = db.session.scalars(select(Hazard)).all()
    assert [h.answer_id for h in remaining] == [second]


def test_the_hazard_follows_the_level_chosen_until_it_is_rectified(officer, client, auth,
                                                                     freeze):
    """Does a level chosen again change the hazard (and its deadline), and does the
    screen show the hazard's level?"""
    inspection = make_inspection(inspector=officer)
    item = inspection.answers[0].id
    fill = f"/admin/safety_inspection/fill/?id={inspection.id}"
    answer(auth, inspection.id, {item: "fail"}, **{f"level-{item}": "general"})
    hazard = db.session.scalars(select(Hazard)).one()
    assert (hazard.level, hazard.deadline) == ("general", TODAY + timedelta(days=15))

    freeze(NOW + timedelta(days=1))  # the deadline runs from the day it was found
    answer(auth, inspection.id, {item: "fail"}, **{f"level-{item}": "major"})
    hazard = reload(Hazard, hazard.id)
    assert (hazard.level, hazard.deadline) == ("major", TODAY + timedelta(days=3))
    page = client.get(fill).get_data(as_text=True)
    select_ = page.split(f'name="level-{item}"')[1].split("</select>")[0]
    assert '<option value="major" selected>' in select_
    assert '<option value="general" selected>' not in select_

    # Rectified: the level is shown, no longer chosen, and stays.
    on_hazard(auth, "rectify", hazard.id, {"measures": "已发放护目镜"})
    page = client.get(fill).get_data(as_text=True)
    assert f'name="level-{item}"' not in page
    assert "重大隐患" in page
    answer(auth, inspection.id, {item: "fail"}, **{f"level-{item}": "general"})
    assert reload(Hazard, hazard.id).level == "major"


def test_the_deadlines_per_level_are_settings(officer, auth):
    from backoffice import settings
    from backoffice.models import Setting

    db.session.add(Setting(key="hazard_days_major", value="1"))
    db.session.commit()
    settings.forget()
    inspection = make_inspection(inspector=officer)
    item = inspection.answers[0].id
    answer(auth, inspection.id, {item: "fail"}, **{f"level-{item}": "major"})
    assert db.session.scalar(select(Hazard.deadline)) == TODAY + timedelta(days=1)


def test_signing_needs_every_item_answered_then_the_inspection_is_read_only(
        officer, client, auth):
    inspection = make_inspection(inspector=officer)
    ids = [a.id for a in inspection.answers]
    response = answer(auth, inspection.id, {ids[0]: "pass"}, sign=True)
    assert "还有 2 项未检查" in response.get_data(as_text=True)
    assert reload(SafetyInspection, inspection.id).signed_at is None
    response = answer(auth, inspection.id, {ids[1]: "na", ids[2]: "fail"}, sign=True)
    assert "检查已签署" in response.get_data(as_text=True)
    signed = reload(SafetyInspection, inspection.id)
    assert signed.signed_at is not None
    assert signed.signed_by.username == "officer"
    # Read-only: no more changes, and the page offers none.
    response = answer(auth, inspection.id, {ids[0]: "fail", ids[1]: "fail"})
    assert "该检查已签署，不能再修改" in response.get_data(as_text=True)
    assert [a.result for a in answers_of(inspection.id)] == ["pass", "na", "fail"]
    assert db.session.scalar(select(func.count()).select_from(Hazard)) == 1
    html = client.get(f"/admin/safety_inspection/fill/?id={inspection.id}").get_data(
        as_text=True)
    assert 'id="sign-inspection"' not in html
    assert 'id="save-inspection"' not in html
    assert html.count("disabled") >= 9
    assert "由 孙安 于" in html


def test_an_inspection_photo_is_kept_and_served_to_safety_only(officer, client, auth):
    inspection = make_inspection(inspector=officer)
    item = inspection.answers[0].id
    answer(auth, inspection.id, {item: "fail"},
           **{f"photo-{item}": (io.BytesIO(PNG), "现场.png")})
    photo_id = reload(InspectionAnswer, item).photo_id
    assert photo_id
    response = client.get(f"/admin/safety_inspection/file/?id={photo_id}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == PNG
    unrelated = StoredFile(purpose="signature", mimetype="image/png", size=len(PNG), data=PNG,
                           sha256="0" * 64)
    db.session.add(unrelated)
    db.session.commit()
    assert client.get(f"/admin/safety_inspection/file/?id={unrelated.id}").status_code == 404
    auth.logout()
    auth.login_as("service_advisor")
    assert client.get(f"/admin/safety_inspection/file/?id={photo_id}").status_code == 403


def test_a_file_that_is_not_a_photo_is_refused(officer, auth):
    inspection = make_inspection(inspector=officer)
    item = inspection.answers[0].id
    response = answer(auth, inspection.id, {item: "pass"},
                      **{f"photo-{item}": (io.BytesIO(b"MZ\x90\x00not an image"), "a.exe")})
    text = inspection.answers[0].text
    assert f"{text}：只能上传照片（JPEG 或 PNG）" in response.get_data(as_text=True)
    assert reload(InspectionAnswer, item).photo_id is None
    assert reload(InspectionAnswer, item).result == "pass"
    auth.client.get("/lang/en")  # the item's name, then the reason, as English says it
    response = answer(auth, inspection.id, {item: "pass"},
                      **{f"photo-{item}": (io.BytesIO(b"MZ\x90\x00not an image"), "a.exe")})
    assert f"{text}: " in response.get_data(as_text=True)


def test_the_inspection_pdf_lists_the_findings(officer, client, auth):
    inspection = make_inspection(inspector=officer)
    ids = [a.id for a in inspection.answers]
    answer(auth, inspection.id, {ids[0]: "pass", ids[1]: "fail", ids[2]: "na"},
           **{f"note-{ids[1]}": "两人未戴护目镜"})
    response = client.get(f"/admin/safety_inspection/pdf/?id={inspection.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in ("安全检查记录", "车间", "孙安", "举升机保险装置完好", "合格", "不合格",
                     "两人未戴护目镜", "2026-12-12", "检查结果"):
        assert expected in text, expected
    assert "通话结果" not in text  # (the column was headed "call result")


def test_the_inspection_list_shows_results_and_state(officer, client, auth):
    inspection = make_inspection(inspector=officer)
    ids = [a.id for a in inspection.answers]
    answer(auth, inspection.id, {ids[0]: "pass", ids[1]: "fail"})
    left = len(ids) - 2
    with counted() as statements:
        html = client.get("/admin/safety_inspection/").get_data(as_text=True)
    assert "合格 1" in html
    assert "不合格 1" in html
    assert f"待检查 {left}" in html
    assert "填写中" in html
    # The page's answers are counted by the database, not loaded (an inspection holds
    # dozens: 20 inspections' answers were most of the page's time).
    assert not [s for s in statements if "inspection_answer.note" in s], statements
    # The export says the same (the officer may not export).
    auth.logout()
    auth.login_as("admin")
    csv = client.get("/admin/safety_inspection/export/csv/").get_data(as_text=True)
    assert f"合格 1 不合格 1 待检查 {left}" in csv
    assert client.get(f"/admin/safety_inspection/edit/?id={inspection.id}").headers[
        "Location"].endswith(f"/admin/safety_inspection/fill/?id={inspection.id}")


def on_hazard(auth, step: str, hazard_id: int, data: dict, **kwargs):
    """POST the hazard page's rectify or verify form, as shown now (its version)."""
    return auth.post(f"/admin/hazard/{step}/?id={hazard_id}",
                     {"version": reload(Hazard, hazard_id).version, **data}, **kwargs)


def test_the_inspection_list_keeps_the_columns_that_matter_on_a_phone(officer, client):
    """At a phone's width, are the less needed columns hidden (by a stylesheet: the
    Content-Security-Policy allows no inline style)?"""
    make_inspection(inspector=officer)
    html = client.get("/admin/safety_inspection/").get_data(as_text=True)
    assert '<div class="inspection-list">' in html
    assert 'href="/static/safety.css"' in html
    css = client.get("/static/safety.css").get_data(as_text=True)
    phone = css.split("@media (max-width: 575.98px)")[1]
    for column in ("template", "kind", "inspector"):
        assert f".inspection-list .col-{column}" in phone.split("display: none")[0]
    assert 'class="col-template"' in html


# -- hazards ------------------------------------------------------------------------------------

def test_the_hazard_lifecycle_with_a_failed_verification(officer, client, auth, freeze):
    responsible = make_user("service_advisor", "repairer", display_name="周修")
    hazard = make_hazard(level="major", deadline=TODAY + timedelta(days=3),
                         responsible=responsible)
    details = f"/admin/hazard/details/?id={hazard.id}"
    assert "待整改" in client.get(details).get_data(as_text=True)

    # Rectifying needs the measures.
    response = on_hazard(auth, "rectify", hazard.id, {"measures": " "},
                         follow_redirects=True)
    assert "请填写采取了哪些整改措施" in response.get_data(as_text=True)
    assert reload(Hazard, hazard.id).rectified_at is None

    # Verification before rectification is refused.
    response = on_hazard(auth, "verify", hazard.id, {"result": "pass"},
                         follow_redirects=True)
    assert "只有已整改的隐患才能复查" in response.get_data(as_text=True)

    freeze(NOW + timedelta(days=1))
    response = on_hazard(auth, "rectify", hazard.id, {
        "measures": "关闭配电箱门并加锁", "evidence": "整改后照片",
        "photo": (io.BytesIO(PNG), "after.png")}, follow_redirects=True)
    assert "整改情况已登记" in response.get_data(as_text=True)
    rectified = reload(Hazard, hazard.id)
    assert rectified.rectified_by.username == "officer"
    assert rectified.evidence_photo_id
    assert safety.hazard_state(rectified, clock.today()) == "rectified"
    assert client.get(f"/admin/safety_inspection/file/?id={rectified.evidence_photo_id}"
                      ).status_code == 200

    # A failed check needs a new deadline from today on; then the hazard is open again.
    for bad in ("", "2026-11-27", "not a day"):
        response = on_hazard(auth, "verify", hazard.id, {"result": "fail", "new_deadline": bad},
                             follow_redirects=True)
        assert "请设定今天或以后的新整改期限" in response.get_data(as_text=True)
    assert reload(Hazard, hazard.id).verified_at is None
    response = on_hazard(auth, "verify", hazard.id, {
        "result": "fail", "note": "锁未安装", "new_deadline": "2026-12-01"},
        follow_redirects=True)
    assert "未整改到位，隐患已重新打开" in response.get_data(as_text=True)
    reopened = reload(Hazard, hazard.id)
    assert reopened.failed_verifications == 1
    assert reopened.deadline == date(2026, 12, 1)
    assert reopened.rectified_at is None
    assert reopened.closed_at is None
    assert reopened.verification_note == "锁未安装"
    assert safety.hazard_state(reopened, clock.today()) == "open"

    # Rectified again and verified: closed, and nothing more can change it.
    on_hazard(auth, "rectify", hazard.id, {"measures": "已安装挂锁"})
    response = on_hazard(auth, "verify", hazard.id, {"result": "pass", "note": "复查合格"},
                         follow_redirects=True)
    assert "复查通过，隐患已销号" in response.get_data(as_text=True)
    closed = reload(Hazard, hazard.id)
    assert closed.closed_at
    assert closed.verified_by.username == "officer"
    assert safety.hazard_state(closed, clock.today()) == "closed"
    on_hazard(auth, "rectify", hazard.id, {"measures": "再改一次"})
    assert reload(Hazard, hazard.id).measures == "已安装挂锁"
    assert "已结案" in client.get(details).get_data(as_text=True)

    changes = db.session.scalars(select(AuditLog).where(
        AuditLog.model == "hazard", AuditLog.record_id == str(hazard.id))).all()
    assert len(changes) >= 5  # created, rectified, failed, rectified, closed


def test_a_second_rectification_from_an_older_page_is_refused_and_said(officer, client,
                                                                        auth):
    """Two tabs on one hazard: is the second rectification refused, with a message?"""
    hazard = make_hazard()
    second_tab = {"version": hazard.version, "measures": "张贴警示标识"}
    on_hazard(auth, "rectify", hazard.id, {"measures": "关闭配电箱门并加锁"})
    response = auth.post(f"/admin/hazard/rectify/?id={hazard.id}", second_tab,
                         follow_redirects=True)
    assert "此记录已被他人修改并保存" in response.get_data(as_text=True)
    assert reload(Hazard, hazard.id).measures == "关闭配电箱门并加锁"
    # Sent for a rectified hazard from its current page (not shown there): said too.
    response = on_hazard(auth, "rectify", hazard.id, {"measures": "张贴警示标识"},
                         follow_redirects=True)
    assert "该隐患已整改" in response.get_data(as_text=True)
    assert reload(Hazard, hazard.id).measures == "关闭配电箱门并加锁"


def test_only_the_safety_staff_may_rectify_or_verify(app, client, auth, freeze):
    freeze(NOW)
    hazard = make_hazard(measures=None)
    auth.login_as("manager")
    assert on_hazard(auth, "rectify", hazard.id, {"measures": "x"}).status_code == 403
    assert on_hazard(auth, "verify", hazard.id, {"result": "pass"}).status_code == 403
    page = client.get(f"/admin/hazard/details/?id={hazard.id}").get_data(as_text=True)
    assert 'id="rectify-form"' not in page
    assert 'id="verify-form"' not in page


@pytest.mark.parametrize(("deadline_offset", "state"), [(1, "open"), (0, "open"),
                                                        (-1, "overdue")])
def test_overdue_is_after_the_deadline_day(app, freeze, deadline_offset, state):
    freeze(NOW)
    hazard = make_hazard(deadline=TODAY + timedelta(days=deadline_offset))
    assert safety.hazard_state(hazard, TODAY) == state
    for each in safety.HAZARD_STATES:  # the list filter agrees with the state shown
        found = db.session.scalar(select(func.count()).select_from(Hazard).where(
            safety.hazard_state_clause(each, TODAY)))
        assert found == (each == state), each


def test_the_overdue_filter_lists_the_overdue_hazards(officer, client):
    make_hazard(description="已销号的旧隐患", deadline=TODAY - timedelta(days=30),
                closed_at=NOW - timedelta(days=29))
    make_hazard(description="配电箱未上锁", deadline=TODAY)
    make_hazard(description="消防通道堆放轮胎", deadline=TODAY - timedelta(days=1))
    html = client.get("/admin/hazard/").get_data(as_text=True)
    # Open ones first, the nearest deadline on top; closed ones after.
    overdue, due_today = html.index("消防通道堆放轮胎"), html.index("配电箱未上锁")
    assert overdue < due_today < html.index("已销号的旧隐患")
    assert "已逾期" in html
    home = client.get("/admin/").get_data(as_text=True)
    assert "超期未整改的隐患" in home
    link = home.split("超期未整改的隐患")[0].rsplit('href="', 1)[1].split('"')[0]
    listed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "消防通道堆放轮胎" in listed
    assert "配电箱未上锁" not in listed


@pytest.mark.parametrize("role", ["safety_officer", "manager", "admin"])
def test_overdue_major_hazards_are_on_the_home_pages(app, client, auth, freeze, role):
    freeze(NOW)
    make_hazard(level="general", deadline=TODAY - timedelta(days=5))
    auth.login_as(role)
    assert "超期未整改的重大隐患" not in client.get("/admin/").get_data(as_text=True)
    make_hazard(level="major", deadline=TODAY - timedelta(days=1))
    home = client.get("/admin/").get_data(as_text=True)
    assert "超期未整改的重大隐患" in home


def test_a_new_hazard_gets_its_deadline_from_the_level(officer, auth):
    response = auth.post("/admin/hazard/new/", {
        "description": "喷漆房排风扇异响", "area": "paint_booth", "level": "major",
        "found_on": "2026-11-26"})
    assert response.status_code == 302, response.get_data(as_text=True)
    hazard = db.session.scalars(select(Hazard)).one()
    assert hazard.deadline == date(2026, 11, 29)
    assert hazard.found_by.username == "officer"
    response = auth.post("/admin/hazard/new/", {"description": "", "area": "workshop",
                                                "level": "general", "found_on": "2026-11-26"})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Hazard)) == 1


def test_a_hazard_form_may_leave_the_deadline_empty_but_not_give_impossible_dates(
        officer, client, auth):
    """Is the deadline optional in the browser too, and are a deadline before the day
    found and a day found later than today refused?"""
    page = client.get("/admin/hazard/new/").get_data(as_text=True)
    deadline = page.split('id="deadline"')[0].rsplit("<input", 1)[1] + page.split(
        'id="deadline"')[1].split(">", 1)[0]
    assert "required" not in deadline
    assert "留空时按隐患级别自动设定" in page
    form = {"description": "喷漆房排风扇异响", "area": "paint_booth", "level": "major"}
    for dates, message in (
            ({"found_on": "2026-11-28"}, "不能是将来的日期或时间"),
            ({"found_on": "2026-11-26", "deadline": "2026-11-25"}, "整改期限不能早于发现日期")):
        response = auth.post("/admin/hazard/new/", form | dates)
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Hazard)) == 0
    hazard = make_hazard(found_on=TODAY - timedelta(days=2))
    response = auth.post(f"/admin/hazard/edit/?id={hazard.id}", form | {
        "found_on": str(hazard.found_on), "deadline": str(TODAY - timedelta(days=3)),
        "version": str(hazard.version)})
    assert "整改期限不能早于发现日期" in response.get_data(as_text=True)
    assert reload(Hazard, hazard.id).deadline == hazard.deadline


# -- schedules ----------------------------------------------------------------------------------

def signed_inspection(template, area, day):
    inspection = make_inspection(template, area, day)
    inspection.signed_at = clock.now()
    db.session.commit()
    return inspection


@pytest.mark.parametrize(("schedule", "last", "state"), [
    ("daily", TODAY, None), ("daily", TODAY - timedelta(days=1), "due"),
    ("daily", TODAY - timedelta(days=2), "overdue"),
    ("weekly", TODAY - timedelta(days=6), None), ("weekly", TODAY - timedelta(days=7), "due"),
    ("weekly", TODAY - timedelta(days=8), "overdue"),
    ("monthly", date(2026, 10, 28), None), ("monthly", date(2026, 10, 27), "due"),
    ("monthly", date(2026, 10, 26), "overdue"),
])
def test_inspections_are_due_on_their_schedule(app, freeze, schedule, last, state):
    freeze(NOW)
    template = make_template(schedule, areas=("workshop",))
    signed_inspection(template, "workshop", last)
    make_inspection(template, "workshop", TODAY)  # unsigned: does not count
    [row] = safety.schedule(TODAY)
    assert row["last"] == last
    assert (row["overdue"], row["due_now"]) == {
        None: (False, False), "due": (False, True), "overdue": (True, True)}[state]


def test_the_officer_sees_what_is_due_per_area_and_template(officer, client):
    template = make_template("weekly", areas=("workshop", "warehouse", "office"))
    signed_inspection(template, "workshop", TODAY - timedelta(days=2))
    signed_inspection(template, "warehouse", TODAY - timedelta(days=9))
    home = client.get("/admin/").get_data(as_text=True)
    assert f"车间：{template.name}" not in home
    assert f"配件仓库：{template.name} · 自 2026-11-25 起超期" in home
    assert f"办公区和接待区：{template.name} · 今天到期" in home  # never inspected
    assert f"/admin/safety_inspection/new/?area=office&amp;template={template.id}" in home


def test_a_due_inspection_started_today_links_to_the_one_in_progress(officer, client):
    """Does the home page go on with today's unsigned inspection, not start a second?"""
    template = make_template("daily", areas=("paint_booth", "workshop"))
    started = make_inspection(template, "paint_booth", TODAY, inspector=officer)
    make_inspection(template, "workshop", TODAY - timedelta(days=1))  # left unsigned
    home = client.get("/admin/").get_data(as_text=True)
    assert f"喷漆房：{template.name} · 今天到期" in home
    assert f"/admin/safety_inspection/fill/?id={started.id}" in home
    assert "/admin/safety_inspection/new/?area=paint_booth" not in home
    assert f"/admin/safety_inspection/new/?area=workshop&amp;template={template.id}" in home


# -- equipment ----------------------------------------------------------------------------------

def test_a_stopped_piece_stays_stopped_until_repaired(officer, client, auth):
    lift = Equipment(name="2号举升机", kind="lift", area="workshop", service_interval_days=90,
                     last_service_on=date(2026, 9, 1), next_service_on=date(2026, 11, 30))
    db.session.add(lift)
    db.session.commit()
    form = {"name": "2号举升机", "kind": "lift", "area": "workshop",
            "service_interval_days": "90", "last_service_on": "2026-09-01",
            "next_service_on": "2026-11-30"}
    response = auth.post(f"/admin/equipment/edit/?id={lift.id}",
                         form | {"status": "stopped", "version": 1})
    assert "请填写停用原因" in response.get_data(as_text=True)
    assert reload(Equipment, lift.id).status == "in_service"
    response = auth.post(f"/admin/equipment/edit/?id={lift.id}", form | {
        "status": "stopped", "stopped_reason": "液压油泄漏", "version": 1})
    assert response.status_code == 302
    assert reload(Equipment, lift.id).status == "stopped"
    assert "停用的设备" in client.get("/admin/").get_data(as_text=True)
    response = auth.post(f"/admin/equipment/edit/?id={lift.id}", form | {
        "status": "in_service", "stopped_reason": "液压油泄漏", "version": 2})
    assert "停用设备在（其详情页）登记维修后恢复使用" in response.get_data(as_text=True)
    assert reload(Equipment, lift.id).status == "stopped"

    # A maintenance does not end the stop; a repair does.
    auth.post(f"/admin/equipment/service/?id={lift.id}",
              {"kind": "maintenance", "done_on": "2026-11-26", "done_by": "厂家"})
    piece = reload(Equipment, lift.id)
    assert piece.status == "stopped"
    assert piece.next_service_on == date(2027, 2, 24)
    response = auth.post(f"/admin/equipment/service/?id={lift.id}",
                         {"kind": "repair", "done_on": "2026-11-28"}, follow_redirects=True)
    assert "请选择保养或维修" in response.get_data(as_text=True)  # not in the future
    auth.post(f"/admin/equipment/service/?id={lift.id}",
              {"kind": "repair", "done_on": "2026-11-27", "notes": "更换油封"})
    piece = reload(Equipment, lift.id)
    assert piece.status == "in_service"
    assert piece.stopped_reason is None
    assert piece.last_service_on == TODAY
    assert [s.kind for s in piece.services] == ["repair", "maintenance"]  # latest first
    details = client.get(f"/admin/equipment/details/?id={lift.id}").get_data(as_text=True)
    assert "更换油封" in details
    assert "厂家" in details


def test_services_due_and_overdue_show_with_the_inspections(officer, client):
    db.session.add_all([
        Equipment(name="空气压缩机", kind="compressor", area="workshop",
                  next_service_on=TODAY - timedelta(days=1)),
        Equipment(name="扒胎机", kind="tyre_changer", area="workshop",
                  next_service_on=TODAY + timedelta(days=7)),
        Equipment(name="烤漆房", kind="spray_booth", area="paint_booth",
                  next_service_on=TODAY + timedelta(days=8)),
    ])
    db.session.commit()
    home = client.get("/admin/").get_data(as_text=True)
    assert "设备保养已超期" in home
    assert "设备保养 7 天内到期" in home
    link = home.split("设备保养 7 天内到期")[0].rsplit('href="', 1)[1].split('"')[0]
    listed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "扒胎机" in listed
    assert "烤漆房" not in listed
    assert "空气压缩机" not in listed


# -- plans, drills, accidents, the register --------------------------------------------------------

def test_an_emergency_plan_keeps_its_pdf(officer, client, auth):
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = auth.post("/admin/emergency_plan/new/", {
        "title": "火灾事故应急预案", "edition": "2026 版",
        "upload": (io.BytesIO(pdf), "预案.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = db.session.scalars(select(EmergencyPlan)).one()
    served = client.get(f"/admin/safety_inspection/file/?id={plan.file_id}")
    assert served.mimetype == "application/pdf"
    assert served.data == pdf
    # Its column is the plan's document (文件), not the verb "file" (归档).
    page = client.get("/admin/emergency_plan/").get_data(as_text=True)
    assert "预案文件" in page
    assert "归档" not in page
    response = auth.post("/admin/emergency_plan/new/", {
        "title": "另一个预案", "upload": (io.BytesIO(b"<html>"), "x.html")},
        content_type="multipart/form-data")
    assert "只能上传照片（JPEG 或 PNG）或 PDF 文件" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EmergencyPlan)) == 1


def test_a_drill_is_recorded(officer, client, auth):
    plan = EmergencyPlan(title="火灾事故应急预案")
    db.session.add(plan)
    db.session.commit()
    response = auth.post("/admin/drill/new/", {
        "plan": plan.id, "scenario": "喷漆房起火疏散", "held_on": "2026-11-20",
        "participants": "车间全体 32 人", "duration_minutes": "45",
        "findings": "两名新员工不熟悉集合点", "improvements": "入职培训讲解疏散路线"})
    assert response.status_code == 302, response.get_data(as_text=True)
    drill = db.session.scalars(select(Drill)).one()
    assert (drill.plan_id, drill.duration_minutes) == (plan.id, 45)
    assert auth.post("/admin/drill/new/", {"scenario": "", "held_on": ""}).status_code == 200


def test_an_accident_closes_when_every_corrective_action_is_done(officer, client, auth):
    owner = make_user("trainer", "owner", display_name="何培")
    form = {"happened_at": "2026-11-20 09:30:00", "area": "workshop", "place": "2 号工位",
            "people": "机修工 刘某", "description": "扳手滑脱划伤左手",
            "injuries": "轻微划伤", "cause": "工具磨损",
            "actions-0-action": "更换磨损工具", "actions-0-owner": owner.id,
            "actions-0-deadline": "2026-11-25", "actions-0-done_at": "2026-11-24 10:00:00",
            "actions-1-action": "工具安全再培训", "actions-1-owner": owner.id,
            "actions-1-deadline": "2026-12-10"}
    response = auth.post("/admin/accident/new/", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    accident = db.session.scalars(select(Accident)).one()
    assert len(accident.actions) == 2
    assert accident.closed_at is None
    html = client.get("/admin/accident/").get_data(as_text=True)
    assert "扳手滑脱划伤左手" in html
    actions = sorted(accident.actions, key=lambda a: a.id)
    edit = form | {"version": accident.version, "actions-0-id": actions[0].id,
                   "actions-1-id": actions[1].id, "actions-1-done_at": "2026-11-27 09:00:00"}
    response = auth.post(f"/admin/accident/edit/?id={accident.id}", edit)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert reload(Accident, accident.id).closed_at is not None
    assert db.session.scalar(select(func.count()).select_from(CorrectiveAction)) == 2


@pytest.mark.parametrize(("url", "form", "message"), [
    ("/admin/accident/new/", {"happened_at": "2026-11-27 10:30:00", "area": "workshop",
                              "description": "扳手滑脱划伤左手"}, "不能是将来的日期或时间"),
    ("/admin/equipment/new/", {"name": "1号举升机", "kind": "lift", "area": "workshop",
                               "status": "in_service", "last_service_on": "2026-11-28"},
     "不能是将来的日期或时间"),
    ("/admin/equipment/new/", {"name": "1号举升机", "kind": "lift", "area": "workshop",
                               "status": "in_service", "last_service_on": "2026-11-20",
                               "next_service_on": "2026-11-19"}, "下次保养不能早于上次保养"),
    ("/admin/drill/new/", {"scenario": "喷漆房起火疏散", "held_on": "2026-11-20",
                           "duration_minutes": "-30"}, "须在 1 到 1440 之间"),
])
def test_impossible_dates_and_durations_are_refused(officer, auth, url, form, message):
    """An accident still to come, a service in the future or before the last one, a
    drill of minus 30 minutes: refused, and said in Chinese?"""
    response = auth.post(url, form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    for model in (Accident, Equipment, Drill):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_the_register_of_violations_and_commendations(officer, client, auth):
    response = auth.post("/admin/safety_record/new/", {
        "kind": "commendation", "person": "电工 王某", "happened_on": "2026-11-24",
        "what": "及时排除充电桩线路隐患", "measure": "通报表扬"})
    assert response.status_code == 302
    html = client.get("/admin/safety_record/").get_data(as_text=True)
    assert "表彰" in html
    assert "电工 王某" in html
    assert auth.post("/admin/safety_record/new/", {"kind": "violation", "person": "",
                                                   "what": ""}).status_code == 200


# -- the monthly report -------------------------------------------------------------------------

@pytest.fixture
def october(app, freeze):
    """A fixed October 2026: two templates, inspections, hazards, a drill, an accident."""
    freeze(NOW)
    weekly = make_template("weekly", areas=("workshop", "warehouse"))
    monthly = make_template("monthly", areas=("office",))
    for day in (date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19)):
        signed_inspection(weekly, "workshop", day)
    signed_inspection(weekly, "warehouse", date(2026, 10, 5))
    signed_inspection(monthly, "office", date(2026, 10, 1))
    make_inspection(weekly, "warehouse", date(2026, 10, 26))  # unsigned: not done
    signed_inspection(weekly, "workshop", date(2026, 9, 28))  # September
    october_end = datetime(2026, 10, 31, 23, 0)
    make_hazard(level="major", found_on=date(2026, 10, 5), deadline=date(2026, 10, 8),
                closed_at=datetime(2026, 10, 7, 9, 0), rectified_at=datetime(2026, 10, 6))
    make_hazard(level="major", found_on=date(2026, 10, 20), deadline=date(2026, 10, 23))
    make_hazard(level="general", found_on=date(2026, 10, 1), deadline=date(2026, 10, 16),
                rectified_at=datetime(2026, 11, 2), closed_at=datetime(2026, 11, 3))
    make_hazard(level="general", found_on=date(2026, 9, 20), deadline=date(2026, 10, 5),
                rectified_at=datetime(2026, 10, 2), closed_at=october_end)
    make_hazard(level="general", found_on=date(2026, 10, 29), deadline=date(2026, 11, 13))
    db.session.add_all([
        Drill(scenario="疏散演练", held_on=date(2026, 10, 15)),
        Drill(scenario="灭火演练", held_on=date(2026, 11, 2)),
        Accident(happened_at=clock.aware(datetime(2026, 10, 31, 23, 30)), area="workshop",
                 description="滑倒"),
        Accident(happened_at=clock.aware(datetime(2026, 11, 1, 0, 10)), area="workshop",
                 description="碰伤"),
    ])
    db.session.commit()
    return weekly, monthly


def test_the_report_figures_on_a_fixed_month(october):
    weekly, monthly = october
    figures = safety.report_figures(date(2026, 10, 1))
    assert figures["inspections"] == [
        {"template": weekly.name, "area": "workshop", "scheduled": 5, "done": 3},
        {"template": weekly.name, "area": "warehouse", "scheduled": 5, "done": 1},
        {"template": monthly.name, "area": "office", "scheduled": 1, "done": 1},
    ]
    assert (figures["inspections_done"], figures["inspections_scheduled"]) == (5, 11)
    assert figures["hazards"] == {
        "major": {"found": 2, "closed": 1, "overdue": 1},
        "general": {"found": 2, "closed": 1, "overdue": 1},
    }
    assert (figures["drills"], figures["accidents"]) == (1, 1)
    # This month: scheduled so far (27 days: 4 started weeks); next month: nothing yet.
    november = safety.report_figures(date(2026, 11, 1))["inspections"]
    assert [row["scheduled"] for row in november] == [4, 4, 1]
    assert november[0]["done"] == 0
    december = safety.report_figures(date(2026, 12, 1))
    assert december["inspections_scheduled"] == 0


def test_the_report_on_screen_and_as_a_pdf(october, client, auth):
    make_user("manager", "boss", display_name="钱经理")
    auth.login("boss")
    html = client.get("/admin/safety_report/?month=2026-10").get_data(as_text=True)
    assert "2026-10" in html
    assert "重大" in html
    response = client.get("/admin/safety_report/pdf/?month=2026-10")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in ("安全生产月报", "2026-10", "配件仓库", "重大", "一般", "已开展演练", "事故"):
        assert expected in text, expected
    assert client.get("/admin/safety_report/?month=October").status_code == 400


# -- demo data ----------------------------------------------------------------------------------

def test_the_demo_has_hazards_in_every_state(app, runner, freeze):
    freeze(NOW)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    states = {safety.hazard_state(h, TODAY) for h in db.session.scalars(select(Hazard))}
    assert states == set(safety.HAZARD_STATES)
    assert db.session.scalar(select(func.count()).select_from(Equipment).where(
        Equipment.status == "stopped")) >= 1
    assert db.session.scalar(select(func.min(SafetyInspection.inspected_on))) <= \
        TODAY - timedelta(days=60)
    assert db.session.scalar(select(func.count()).select_from(Drill)) >= 1
    assert db.session.scalar(select(func.count()).select_from(Accident)) >= 1
    assert db.session.scalar(select(func.count()).select_from(InspectionItem)) > 10
