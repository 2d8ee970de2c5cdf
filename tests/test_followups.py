"""Follow-up service: the clock's rules, the queues, escalation, complaints, letters, events."""
import io
import re
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from backoffice import rules
from backoffice.extensions import db
from backoffice.models import (
    AuditLog,
    Complaint,
    FollowUpCall,
    Invitation,
    Letter,
    LetterTemplate,
    Setting,
    Substitution,
)

from .conftest import Auth
from .factories import (
    make_call,
    make_complaint,
    make_customer,
    make_event,
    make_user,
    make_vehicle,
    make_visit,
    pdf_text,
)
from .forms import page_form

NOW = datetime(2026, 11, 27, 10, 0)
TODAY = NOW.date()


# -- the clock's rules, at their edges ---------------------------------------------------------

@pytest.mark.parametrize(
    ("completed", "window"),
    [
        (date(2026, 11, 27), (date(2026, 11, 30), date(2026, 12, 4))),
        (date(2026, 12, 28), (date(2026, 12, 31), date(2027, 1, 4))),   # over the year end
        (date(2028, 2, 26), (date(2028, 2, 29), date(2028, 3, 4))),     # leap day
        (date(2026, 1, 31), (date(2026, 2, 3), date(2026, 2, 7))),      # month end
    ],
)
def test_first_call_window(completed, window):
    """Day 3 to day 7 after the car was picked up or the visit ended."""
    assert rules.first_call_window(completed) == window


def test_second_call_window_and_a_late_first_call():
    """7 to 14 days after the first call, counted from when it was made (even late)."""
    assert rules.second_call_window(date(2026, 12, 2)) == (date(2026, 12, 9), date(2026, 12, 16))
    # A first call due by 12-04 but made on 12-10 (late): the second follows that day.
    assert rules.second_call_window(date(2026, 12, 10)) == (date(2026, 12, 17),
                                                            date(2026, 12, 24))
    assert rules.second_call_window(date(2026, 12, 25)) == (date(2027, 1, 1), date(2027, 1, 8))


def test_escalation_notice_and_letter_days():
    assert rules.escalation_due(date(2026, 11, 30)) == date(2026, 12, 2)
    assert rules.escalation_due(date(2026, 12, 31)) == date(2027, 1, 2)
    assert rules.event_notice_due(date(2027, 1, 10)) == date(2026, 12, 27)
    assert rules.event_notice_due(date(2026, 3, 1)) == date(2026, 2, 15)
    assert rules.letter_due(date(2026, 12, 30)) == date(2027, 1, 1)


def test_rules_take_the_settings():
    custom = {"first_call_from_days": 2, "first_call_to_days": 5, "escalation_days": 1}
    assert rules.first_call_window(date(2026, 11, 27), custom) == (date(2026, 11, 29),
                                                                   date(2026, 12, 2))
    assert rules.escalation_due(date(2026, 11, 27), custom) == date(2026, 11, 28)
    assert rules.second_call_window(date(2026, 11, 27), custom) == (date(2026, 12, 4),
                                                                    date(2026, 12, 11))


# -- planning ------------------------------------------------------------------------------------

@pytest.fixture
def agent(auth, freeze):
    freeze(NOW)
    user = make_user("followup_agent", "agent", display_name="李丽")
    auth.login("agent")
    return user


def test_the_state_filter_finds_what_each_call_shows(app):
    """The SQL of each call state (the list's filter, the home pages' counts) agrees with
    the state a call shows, windows without a start or an end included."""
    from backoffice import followups

    day = timedelta(days=1)
    windows = [(None, None), (None, TODAY), (None, TODAY - day), (TODAY, None),
               (TODAY + day, None), (TODAY - day, TODAY + day), (TODAY + day, TODAY + 2 * day),
               (TODAY - 2 * day, TODAY - day), (TODAY, TODAY)]
    customer = make_customer()
    calls = [make_call(customer, due_from=start, due_by=end) for start, end in windows]
    calls.append(make_call(customer, status="made", called_at=NOW, reached="reached"))
    for state in followups.CALL_STATES:
        found = set(db.session.scalars(select(FollowUpCall.id).where(
            followups.call_state_clause(state, TODAY))))
        assert found == {c.id for c in calls if followups.call_state(c, TODAY) == state}, state


def test_completing_a_visit_plans_the_first_call_for_the_customers_agent(client, auth, agent):
    advisor = make_user("service_advisor", "advisor")
    vehicle = make_vehicle(owner=make_customer(agent=agent))
    form = {"vehicle": str(vehicle.id), "kind": "maintenance", "visited_at": "2026-11-27 09:00",
            "completed_at": "2026-11-27 09:50", "mileage": "1000", "advisor": str(advisor.id)}
    assert auth.post("/admin/visit/new/", form).status_code == 302
    call = db.session.scalar(select(FollowUpCall))
    assert (call.kind, call.due_from, call.due_by) == ("first", date(2026, 11, 30),
                                                       date(2026, 12, 4))
    assert call.agent_id == agent.id
    assert call.vehicle_id == vehicle.id


def test_an_open_visit_plans_no_call_and_no_call_twice(client, auth, agent):
    visit = make_visit()
    form = {"vehicle": str(visit.vehicle_id), "kind": "maintenance",
            "visited_at": "2026-11-27 09:00", "mileage": "10000", "version": str(visit.version)}
    auth.post(f"/admin/visit/edit/?id={visit.id}", form)
    assert db.session.scalar(select(func.count()).select_from(FollowUpCall)) == 0
    form.update(completed_at="2026-11-27 09:50", version=str(visit.version))
    auth.post(f"/admin/visit/edit/?id={visit.id}", form)
    db.session.refresh(visit)
    form.update(service_items="改", version=str(visit.version))
    auth.post(f"/admin/visit/edit/?id={visit.id}", form)
    assert db.session.scalar(select(func.count()).select_from(FollowUpCall)) == 1


def test_without_an_agent_the_least_busy_agent_gets_the_call(app, freeze):
    from backoffice import followups

    freeze(NOW)
    busy = make_user("followup_agent", "busy")
    idle = make_user("followup_agent", "idle")
    make_call(agent=busy)
    visit = make_visit(completed_at=NOW)
    call = followups.plan_first_call(visit)
    assert call.agent == idle


def record_form(**overrides) -> dict:
    form = {"called_at": "2026-12-01 10:00", "reached": "yes", "topics": ["car_and_service",
            "car_care"], "key_points": "车辆正常", "satisfaction": "satisfied", "answered": "y",
            "version": "1"}
    return {**form, **overrides}


def test_recording_the_first_call_plans_the_second(client, auth, agent, freeze):
    call = make_call(customer=make_customer(agent=agent), agent=agent,
                     due_from=date(2026, 11, 30), due_by=date(2026, 12, 4))
    freeze(datetime(2026, 12, 1, 10, 30))
    response = auth.post(f"/admin/follow_up_call/edit/?id={call.id}", record_form(),
                         follow_redirects=True)
    assert "二次回访已安排在 2026-12-08 至 2026-12-15" in response.get_data(as_text=True)
    db.session.expire_all()
    call = db.session.get(FollowUpCall, call.id)
    assert call.status == "made"
    assert call.topics == ["car_and_service", "car_care"]
    second = db.session.scalar(select(FollowUpCall).where(FollowUpCall.kind == "second"))
    assert (second.due_from, second.due_by, second.agent_id) == (
        date(2026, 12, 8), date(2026, 12, 15), agent.id)


def test_a_call_not_reached_is_retried_until_the_attempts_run_out(client, auth, agent, freeze):
    call = make_call(agent=agent, due_from=date(2026, 11, 30), due_by=date(2026, 12, 4))
    freeze(datetime(2026, 11, 30, 10))
    for attempt in (1, 2, 3):
        current = db.session.scalar(select(FollowUpCall).where(FollowUpCall.status == "planned"))
        assert current.attempt == attempt
        auth.post(f"/admin/follow_up_call/edit/?id={current.id}",
                  record_form(reached="no_answer", called_at="2026-11-30 10:00",
                              version=str(current.version)))
    calls = db.session.scalars(select(FollowUpCall).order_by(FollowUpCall.id)).all()
    assert [(c.attempt, c.status, c.reached) for c in calls] == [
        (1, "made", "no_answer"), (2, "made", "no_answer"), (3, "made", "no_answer")]
    assert calls[1].previous_call_id == call.id
    assert calls[1].due_from == date(2026, 12, 1)


def test_a_late_call_stays_visible_until_closed_with_a_reason(client, auth, agent, freeze):
    call = make_call(customer=make_customer(name="逾期客户"), agent=agent,
                     due_from=date(2026, 11, 20), due_by=date(2026, 11, 24))
    queue = client.get("/admin/queue/").get_data(as_text=True)
    assert "逾期客户" in queue.split('id="queue-today"')[0]  # in the "late" section
    refused = auth.post(f"/admin/follow_up_call/edit/?id={call.id}",
                        {"version": "1", "reached": ""})
    assert "记录通话结果" in refused.get_data(as_text=True)
    auth.post(f"/admin/follow_up_call/edit/?id={call.id}",
              {"version": "1", "close_reason": "客户已换车，号码停用"})
    assert db.session.get(FollowUpCall, call.id).status == "closed"
    assert "逾期客户" not in client.get("/admin/queue/").get_data(as_text=True)


def test_a_made_call_cannot_be_closed(client, auth, agent):
    call = make_call(agent=agent, status="made", reached="yes", called_at=NOW)
    response = auth.post(f"/admin/follow_up_call/edit/?id={call.id}",
                         {"version": "1", "close_reason": "x"}, follow_redirects=True)
    assert "已拨打的电话不能关闭" in response.get_data(as_text=True)


def test_incoming_inquiry_is_recorded(client, auth, agent):
    customer = make_customer(name="来电客户")
    form = {"customer": str(customer.id), "kind": "inquiry", "direction": "in",
            "called_at": "2026-11-27 09:30", "reached": "yes", "requests": "问保养价格",
            "answered": "y", "answer": "小保养 480 元"}
    assert auth.post("/admin/follow_up_call/new/", form).status_code == 302
    call = db.session.scalar(select(FollowUpCall))
    assert (call.direction, call.status, call.agent_id) == ("in", "made", agent.id)
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_call_record_pdf(client, auth, agent):
    call = make_call(customer=make_customer(name="记录客户"), agent=agent, status="made",
                     reached="yes", called_at=NOW, key_points="客户很满意")
    response = client.get(f"/admin/follow_up_call/pdf/?id={call.id}")
    text = pdf_text(response.data)
    for word in ("跟踪服务电话记录表", "记录客户", "客户很满意", "李丽"):
        assert word in text


# -- queues, reassignment, substitutes -----------------------------------------------------------

def queue_names(client, agent_id=None) -> dict[str, set[str]]:
    html = client.get("/admin/queue/", query_string={"agent": agent_id} if agent_id else {})
    html = html.get_data(as_text=True)
    sections = {}
    for name, start, end in (("late", 'id="queue-late"', 'id="queue-today"'),
                             ("today", 'id="queue-today"', 'id="queue-week"'),
                             ("week", 'id="queue-week"', "<h6 class=\"mt-3\">")):
        chunk = html.split(start)[1].split(end)[0]
        sections[name] = set(re.findall(r'archive/\?id=\d+">([^<]+)</a>', chunk))
    return sections


def test_queue_sections_follow_the_clock(client, auth, agent, freeze):
    for name, start, end in (("早到", -6, -1), ("今日", -2, 2), ("下周", 3, 7), ("远期", 9, 14)):
        make_call(customer=make_customer(name=name), agent=agent,
                  due_from=TODAY + timedelta(days=start), due_by=TODAY + timedelta(days=end))
    make_call(customer=make_customer(name="别人的"), agent=make_user("followup_agent", "b"))
    assert queue_names(client) == {"late": {"早到"}, "today": {"今日"}, "week": {"下周"}}
    freeze(NOW + timedelta(days=3))
    assert queue_names(client) == {"late": {"早到", "今日"}, "today": {"下周"},
                                   "week": {"远期"}}


def test_home_page_lists_the_calls_due_today_one_click_from_recording(client, auth, agent):
    call = make_call(customer=make_customer(name="今天打"), agent=agent)
    html = client.get("/admin/").get_data(as_text=True)
    assert f"/admin/follow_up_call/edit/?id={call.id}" in html
    assert "今日待拨打电话" in html


def test_supervisor_reassigns_calls(app, client, auth, freeze):
    freeze(NOW)
    first = make_user("followup_agent", "first", display_name="甲")
    second = make_user("followup_agent", "second", display_name="乙")
    calls = [make_call(agent=first) for _ in range(3)]
    auth.login_as("supervisor")
    overview = client.get("/admin/queue/").get_data(as_text=True)
    assert "甲" in overview
    assert "乙" in overview
    ids = [str(c.id) for c in calls[:2]]
    response = auth.post("/admin/follow_up_call/action/", {"action": "reassign", "rowid": ids})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 个待拨打电话" in page
    auth.post("/admin/follow_up_call/reassign/", {"ids": ",".join(ids), "agent": second.id})
    db.session.expire_all()
    assert [db.session.get(FollowUpCall, c.id).agent_id for c in calls] == [
        second.id, second.id, first.id]


def test_the_supervisor_opens_an_agents_queue_to_reassign_it(client, auth, freeze):
    freeze(NOW)
    first = make_user("followup_agent", "first", display_name="甲")
    call = make_call(customer=make_customer(name="甲的客户"), agent=first)
    auth.login_as("supervisor")
    response = client.get(f"/admin/queue/?agent={first.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "甲的客户" in html
    assert f"/admin/follow_up_call/reassign/?ids={call.id}" in html


def test_agents_cannot_reassign(client, auth, agent):
    call = make_call(agent=agent)
    assert auth.post("/admin/follow_up_call/action/",
                     {"action": "reassign", "rowid": call.id}).status_code == 403
    assert client.get(f"/admin/follow_up_call/reassign/?ids={call.id}").status_code == 403


def test_a_substitute_takes_the_open_calls_and_they_come_back(app, client, auth, freeze):
    freeze(NOW)
    away = make_user("followup_agent", "away", display_name="休假者")
    stand_in = make_user("followup_agent", "standin", display_name="代理人")
    make_call(customer=make_customer(name="休假者的客户"), agent=away)
    auth.login_as("supervisor")
    form = {"absent_agent": away.id, "substitute": stand_in.id,
            "starts_on": "2026-11-27", "ends_on": "2026-11-30", "reason": "年假"}
    assert auth.post("/admin/substitution/new/", form).status_code == 302
    auth.logout()
    theirs = Auth(app.test_client())
    theirs.login("standin")
    assert "休假者的客户" in queue_names(theirs.client)["today"]
    mine = Auth(app.test_client())
    mine.login("away")
    assert queue_names(mine.client)["today"] == set()
    freeze(datetime(2026, 12, 1, 9))
    assert queue_names(theirs.client)["today"] == set()
    assert "休假者的客户" in queue_names(mine.client)["late"] | queue_names(mine.client)["today"]


def test_only_the_supervisor_appoints_substitutes(client, auth, agent):
    assert client.get("/admin/substitution/new/").status_code == 403
    assert client.get("/admin/substitution/").status_code == 200


def test_substitution_is_checked(app, client, auth, freeze):
    freeze(NOW)
    agent = make_user("followup_agent", "a1")
    auth.login_as("supervisor")
    response = auth.post("/admin/substitution/new/", {
        "absent_agent": agent.id, "substitute": agent.id,
        "starts_on": "2026-11-30", "ends_on": "2026-11-27"}, follow_redirects=True)
    assert "代理人必须是另一位业务员" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Substitution)) == 0


# -- requests, escalation, complaints ----------------------------------------------------------

def test_an_unanswered_request_is_escalated_after_2_days(app, client, auth, agent, freeze):
    call = make_call(customer=make_customer(name="待答复客户"), agent=agent)
    auth.post(f"/admin/follow_up_call/edit/?id={call.id}", record_form(
        called_at="2026-11-27 10:00", answered="", requests="能否提供代步车",
        follow_up_item="查询代步车政策"))
    item = db.session.scalar(select(Complaint))
    assert (item.kind, item.opened_on, item.owner_id) == ("request", TODAY, agent.id)
    supervisor = Auth(app.test_client())
    make_user("supervisor")
    supervisor.login("supervisor")
    for day, escalated in ((29, False), (30, True)):  # due on 11-29; past it on 11-30
        freeze(datetime(2026, 11, day, 9))
        home = supervisor.client.get("/admin/").get_data(as_text=True)
        assert ("已上报主管的待答复事项" in home) == escalated, day
        page = client.get(f"/admin/complaint/details/?id={item.id}").get_data(as_text=True)
        assert ("已上报业务主管" in page) == escalated


def test_an_answer_is_due_the_day_the_solution_is_found(client, auth, agent, freeze):
    item = make_complaint(kind="request", owner=agent, opened_on=TODAY)
    form = {"kind": "request", "customer": str(item.customer_id), "summary": item.summary,
            "severity": "medium", "resolution": "可提供代步车", "version": "1"}
    auth.post(f"/admin/complaint/edit/?id={item.id}", form)
    freeze(NOW + timedelta(days=1))
    page = client.get(f"/admin/complaint/details/?id={item.id}").get_data(as_text=True)
    assert "未当天答复客户" in page
    db.session.expire_all()
    item = db.session.get(Complaint, item.id)
    auth.post(f"/admin/complaint/edit/?id={item.id}",
              {**form, "answered": "y", "close": "y", "version": str(item.version)})
    item = db.session.get(Complaint, item.id)
    assert item.closed_at is not None


def test_the_complaint_lifecycle(client, auth, agent, freeze):
    """Receive → analyse → resolve → track → feed back; closing needs the feedback."""
    customer = make_customer(name="投诉客户")
    form = {"customer": str(customer.id), "kind": "complaint", "direction": "in",
            "called_at": "2026-11-27 09:00", "reached": "yes",
            "requests": "保养后发动机异响", "satisfaction": "dissatisfied", "answered": "y"}
    auth.post("/admin/follow_up_call/new/", form)
    item = db.session.scalar(select(Complaint))
    assert (item.kind, item.summary, item.due_on) == ("complaint", "保养后发动机异响",
                                                      date(2026, 11, 30))
    base = {"kind": "complaint", "customer": str(customer.id), "summary": item.summary,
            "severity": "high", "due_on": "2026-11-30"}
    steps = [
        ({"cause": "机油加注过量"}, "analysed_at", "已分析原因"),
        ({"resolution": "已抽出多余机油"}, "resolved_at", "已解决"),
        ({"tracking": "三天后回访无异响"}, "tracked_at", "已跟踪"),
    ]
    filled = {}
    for fields, stamp, label in steps:
        filled.update(fields)
        item = db.session.get(Complaint, item.id)
        auth.post(f"/admin/complaint/edit/?id={item.id}",
                  {**base, **filled, "version": str(item.version)})
        db.session.expire_all()
        assert getattr(db.session.get(Complaint, item.id), stamp) is not None
        assert label in client.get("/admin/complaint/").get_data(as_text=True)
    item = db.session.get(Complaint, item.id)
    refused = auth.post(f"/admin/complaint/edit/?id={item.id}",
                        {**base, **filled, "close": "y", "version": str(item.version)},
                        follow_redirects=True)
    assert "先填写：向客户反馈的结果、客户满意度" in refused.get_data(as_text=True)
    freeze(NOW + timedelta(days=2))
    item = db.session.get(Complaint, item.id)
    auth.post(f"/admin/complaint/edit/?id={item.id}",
              {**base, **filled, "feedback": "已电话反馈", "satisfaction": "satisfied",
               "close": "y", "version": str(item.version)})
    listed = client.get("/admin/complaint/").get_data(as_text=True)
    assert "已反馈结案" in listed
    age = re.search(r'<td class="col-age">\s*(\d+)\s*</td>', listed).group(1)
    assert age == "2"


def test_complaint_deadline_comes_from_its_risk_level(client, auth, agent):
    customer = make_customer()
    for severity, due in (("high", "2026-11-28"), ("low", "2026-12-04")):
        auth.post("/admin/complaint/new/", {"kind": "complaint", "customer": str(customer.id),
                                            "summary": severity, "severity": severity})
        item = db.session.scalar(select(Complaint).where(Complaint.summary == severity))
        assert str(item.due_on) == due


def test_settings_change_the_clock(client, auth, agent):
    db.session.add(Setting(key="escalation_days", value="5"))
    db.session.commit()
    customer = make_customer()
    auth.post("/admin/complaint/new/", {"kind": "request", "customer": str(customer.id),
                                        "summary": "问题"})
    assert db.session.scalar(select(Complaint.due_on)) == date(2026, 12, 2)


# -- letters and events ------------------------------------------------------------------------

def test_bulk_letter_to_a_filtered_customer_list(client, auth, agent):
    make_customer(name="王一", mobile="13800000001")
    make_customer(name="王二", mobile="13800000002")
    make_customer(name="李三", mobile="13800000003")
    template = LetterTemplate(name="提醒", kind="notice", subject="{客户名称}，该保养了",
                              body="尊敬的{客户名称}：请来保养。")
    db.session.add(template)
    db.session.commit()
    page = client.get("/admin/letter/compose/", query_string={"search": "王",
                                                              "template": template.id})
    html = page.get_data(as_text=True)
    assert "已选择 2 位客户" in html
    response = auth.post("/admin/letter/compose/?search=%E7%8E%8B", {
        "send": "1", "kind": "notice", "channel": "post", "subject": "{客户名称}，该保养了",
        "body": "尊敬的{客户名称}：请来保养。"})
    assert response.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert len(pages) == 2
    assert "尊敬的王一" in pages[0].extract_text() + pages[1].extract_text()
    letters = db.session.scalars(select(Letter).order_by(Letter.id)).all()
    assert {letter.subject for letter in letters} == {"王一，该保养了", "王二，该保养了"}
    assert {letter.sent_on for letter in letters} == {TODAY}
    assert {letter.sender_id for letter in letters} == {agent.id}


def test_customer_list_links_carry_the_filter(client, auth, agent):
    html = client.get("/admin/customer/?search=%E7%8E%8B").get_data(as_text=True)
    assert "/admin/letter/compose/?search=%E7%8E%8B" in html
    assert "/admin/event/invite/?search=%E7%8E%8B" in html


def test_inviting_customers_plans_notice_calls_and_letters_follow(client, auth, agent, freeze):
    event = make_event(name="冬季检测", event_on=date(2026, 12, 20))
    customers = [make_customer(name=f"受邀{n}", agent=agent) for n in range(3)]
    ids = ",".join(str(c.id) for c in customers)
    auth.post(f"/admin/event/invite/?ids={ids}", {"event": event.id})
    auth.post(f"/admin/event/invite/?ids={ids}", {"event": event.id})  # no one twice
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 3
    notices = db.session.scalars(select(FollowUpCall).where(FollowUpCall.kind == "notice")).all()
    assert len(notices) == 3
    assert {n.due_by for n in notices} == {date(2026, 12, 6)}
    freeze(datetime(2026, 12, 1, 10))
    notice = notices[0]
    auth.post(f"/admin/follow_up_call/edit/?id={notice.id}",
              record_form(called_at="2026-12-01 10:00", topics=["events"]))
    letter = db.session.scalar(select(Letter))
    assert (letter.kind, letter.due_on, letter.sent_on) == ("invitation", date(2026, 12, 3), None)
    page = client.get(f"/admin/event/details/?id={event.id}").get_data(as_text=True)
    assert "1 / 3" in page  # notified by phone
    assert "0 / 1" in page  # letters sent
    auth.post("/admin/letter/action/", {"action": "sent", "rowid": letter.id})
    assert db.session.get(Letter, letter.id).sent_on == date(2026, 12, 1)
    assert "1 / 1" in client.get(f"/admin/event/details/?id={event.id}").get_data(as_text=True)


def test_archive_page_shows_calls_letters_and_complaints(client, auth, agent):
    customer = make_customer(name="全档案")
    make_call(customer=customer, agent=agent, status="made", reached="yes", called_at=NOW,
              key_points="很满意的回访")
    db.session.add(Letter(customer=customer, kind="notice", subject="保养通知信",
                          channel="post", sent_on=TODAY))
    db.session.commit()
    make_complaint(customer=customer, summary="噪音投诉")
    html = client.get(f"/admin/customer/archive/?id={customer.id}").get_data(as_text=True)
    for text in ("很满意的回访", "保养通知信", "噪音投诉"):
        assert html.count(text) == 1, text  # once, in its table below the sheet
    title = html.split("<title>")[1].split("</title>")[0]
    assert "<table" not in title


def test_admin_changes_a_setting_and_the_clock_follows(client, auth, freeze):
    freeze(NOW)
    auth.login_as("admin")
    page = client.get("/admin/settings/").get_data(as_text=True)
    assert "首次回访：送修/来访后第几天起" in page
    form = page_form(page).data()
    bad = auth.post("/admin/settings/", {**form, "first_call_from_days": "-1"})
    assert "0 到 365 之间的整数" in bad.get_data(as_text=True)
    auth.post("/admin/settings/", {**form, "first_call_from_days": "２"})  # full-width too
    assert db.session.get(Setting, "first_call_from_days").value == "2"
    assert db.session.get(Setting, "escalation_days") is None  # defaults are not stored
    visit = make_visit(completed_at=NOW)
    from backoffice import followups, settings

    settings.forget()
    assert followups.plan_first_call(visit).due_from == date(2026, 11, 29)


def test_settings_saved_over_someone_elses_are_refused(app, client, auth, freeze):
    auth.login_as("admin")
    mine = page_form(client.get("/admin/settings/").get_data(as_text=True)).data()
    other = Auth(app.test_client())
    other.login("admin")
    theirs = page_form(other.client.get("/admin/settings/").get_data(as_text=True)).data()
    assert other.post("/admin/settings/", {**theirs, "escalation_days": "5"}).status_code == 302
    refused = auth.post("/admin/settings/", {**mine, "first_call_from_days": "2"},
                        follow_redirects=True)
    assert "此记录已被他人修改并保存" in refused.get_data(as_text=True)
    assert db.session.get(Setting, "escalation_days").value == "5"
    assert db.session.get(Setting, "first_call_from_days") is None
    for odd in ("½", "一", "١٢", "1e3", "-0"):  # numbers to Python or a person, not here
        bad = auth.post("/admin/settings/", {**page_form(
            client.get("/admin/settings/").get_data(as_text=True)).data(), "escalation_days": odd})
        assert "之间的整数" in bad.get_data(as_text=True), odd


def test_only_admin_opens_the_settings(client, auth, freeze):
    auth.login_as("supervisor")
    assert client.get("/admin/settings/").status_code == 403


def test_the_advisor_of_the_visit_never_follows_it_up(app, freeze):
    """Even when the customer's agent served the visit, another agent makes the call."""
    from backoffice import followups

    freeze(NOW)
    both = make_user("followup_agent", "both")
    other = make_user("followup_agent", "other")
    visit = make_visit(vehicle=make_vehicle(owner=make_customer(agent=both)),
                       completed_at=NOW, advisor=both)
    assert followups.plan_first_call(visit).agent == other


def test_a_deleted_substitution_moves_nothing(app, client, auth, freeze):
    freeze(NOW)
    away = make_user("followup_agent", "away")
    stand_in = make_user("followup_agent", "standin")
    make_call(customer=make_customer(name="留在原处"), agent=away)
    row = Substitution(absent_agent=away, substitute=stand_in, starts_on=TODAY,
                       ends_on=TODAY + timedelta(days=2), deleted_at=NOW)
    db.session.add(row)
    db.session.commit()
    auth.login("away")
    assert "留在原处" in queue_names(client)["today"]


# -- recording a call: the form, its checks, what follows a correction ---------------------------

def test_the_record_form_says_whom_to_call_and_why(client, auth, agent):
    """The agent opening 记录 from the queue sees the customer (to their archive), the
    number to tap, the vehicle, the call's type, attempt and window, and the visit."""
    customer = make_customer(name="待回访客户", mobile="13912345678", agent=agent)
    vehicle = make_vehicle(owner=customer, plate_number="粤B12345")
    visit = make_visit(vehicle=vehicle, visited_at=datetime(2026, 11, 20, 9),
                       completed_at=datetime(2026, 11, 20, 16))
    make_call(customer, vehicle=vehicle, visit=visit, agent=agent, attempt=2)
    queue = client.get("/admin/queue/").get_data(as_text=True)
    edit_url = re.search(r'href="(/admin/follow_up_call/edit/\?id=\d+[^"]*)"', queue).group(1)
    html = client.get(edit_url.replace("&amp;", "&")).get_data(as_text=True)
    heading = html.split('id="call-heading"')[1].split("</dl>")[0]
    assert f'href="/admin/customer/archive/?id={customer.id}">待回访客户</a>' in heading
    assert '<a href="tel:13912345678">13912345678</a>' in heading
    for text in ("粤B12345 朗逸", "首次回访", "第 2 次", "2026-11-27 – 2026-12-01",
                 f"/admin/visit/details/?id={visit.id}", "完工 2026-11-20 16:00"):
        assert text in heading, text
    assert 'name="_add_another"' not in html


def test_a_number_is_a_link_only_for_roles_that_see_it(app):
    from flask import g

    from backoffice.views.followups import phone_link

    for role, shown in (("followup_agent", '<a href="tel:13912345678">13912345678</a>'),
                        ("manager", "139****5678")):
        with app.test_request_context("/"):
            g.role = role
            assert str(phone_link("13912345678")) == shown


@pytest.mark.parametrize(("called_at", "refusal"), [
    ("2026-11-27 10:30", "通话时间不能晚于现在"),
    ("2026-11-20 15:00", "通话时间不能早于所跟进的送修/来访（2026-11-20 16:00）"),
])
def test_a_call_time_in_the_future_or_before_the_visit_is_refused(client, auth, agent,
                                                                  called_at, refusal):
    visit = make_visit(visited_at=datetime(2026, 11, 20, 9),
                       completed_at=datetime(2026, 11, 20, 16))
    call = make_call(visit.customer, visit=visit, agent=agent)
    response = auth.post(f"/admin/follow_up_call/edit/?id={call.id}",
                         record_form(called_at=called_at, answered="", requests="要代步车"),
                         follow_redirects=True)
    assert refusal in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FollowUpCall, call.id).status == "planned"
    assert db.session.scalar(select(func.count()).select_from(FollowUpCall)) == 1
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_a_call_is_not_closed_without_a_reason(client, auth, agent):
    """A closing reason of spaces only reaches the view as "" (the forms strip their
    text): that is no reason, and the call stays planned."""
    call = make_call(agent=agent)
    response = auth.post(f"/admin/follow_up_call/edit/?id={call.id}",
                         {"version": "1", "reached": "", "close_reason": ""},
                         follow_redirects=True)
    assert "记录通话结果" in response.get_data(as_text=True)
    db.session.expire_all()
    call = db.session.get(FollowUpCall, call.id)
    assert (call.status, call.close_reason) == ("planned", None)


def test_correcting_a_call_time_moves_the_calls_it_planned(client, auth, agent, freeze):
    """The second call follows the first call's corrected time while it is still planned
    (the move audited); a call already made stays as it was."""
    first = make_call(agent=agent, due_from=date(2026, 11, 30), due_by=date(2026, 12, 4))
    freeze(datetime(2026, 12, 1, 10, 30))
    auth.post(f"/admin/follow_up_call/edit/?id={first.id}", record_form())
    second = db.session.scalar(select(FollowUpCall).where(FollowUpCall.kind == "second"))
    assert (second.due_from, second.due_by) == (date(2026, 12, 8), date(2026, 12, 15))
    response = auth.post(f"/admin/follow_up_call/edit/?id={first.id}",
                         record_form(called_at="2026-11-30 15:00", version="2"),
                         follow_redirects=True)
    assert "二次回访已安排在 2026-12-07 至 2026-12-14" in response.get_data(as_text=True)
    db.session.expire_all()
    second = db.session.get(FollowUpCall, second.id)
    assert (second.due_from, second.due_by) == (date(2026, 12, 7), date(2026, 12, 14))
    audit = db.session.scalar(select(AuditLog).where(
        AuditLog.model == "follow_up_call", AuditLog.record_id == str(second.id),
        AuditLog.action == "update"))
    assert audit.changes["due_from"] == ["2026-12-08", "2026-12-07"]
    assert audit.username == "agent"
    second.status, second.called_at, second.reached = "made", NOW, "yes"
    db.session.commit()
    auth.post(f"/admin/follow_up_call/edit/?id={first.id}",
              record_form(called_at="2026-11-30 09:00", version="3"))
    db.session.expire_all()
    second = db.session.get(FollowUpCall, second.id)
    assert (second.due_from, second.due_by) == (date(2026, 12, 7), date(2026, 12, 14))


def test_a_visit_completed_at_another_time_moves_its_planned_first_call(app, freeze):
    from backoffice import followups

    freeze(NOW)
    make_user("followup_agent", "agent")
    visit = make_visit(completed_at=datetime(2026, 11, 27, 16))
    first = followups.plan_first_call(visit)
    db.session.commit()
    assert (first.due_from, first.due_by) == (date(2026, 11, 30), date(2026, 12, 4))
    visit.completed_at = datetime(2026, 11, 25, 16)
    assert followups.plan_first_call(visit) is None  # none new: the same call, moved
    assert (first.due_from, first.due_by) == (date(2026, 11, 28), date(2026, 12, 2))
    first.status = "made"
    visit.completed_at = datetime(2026, 11, 26, 16)
    followups.plan_first_call(visit)
    assert (first.due_from, first.due_by) == (date(2026, 11, 28), date(2026, 12, 2))
    assert db.session.scalar(select(func.count()).select_from(FollowUpCall)) == 1


def test_a_request_added_when_correcting_a_call_opens_its_item_once(client, auth, agent):
    call = make_call(agent=agent)
    auth.post(f"/admin/follow_up_call/edit/?id={call.id}",
              record_form(called_at="2026-11-27 09:00"))
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    unanswered = record_form(called_at="2026-11-27 09:00", answered="", requests="能否上门取车",
                             follow_up_item="问经理")
    for version, told in (("2", True), ("3", False)):
        response = auth.post(f"/admin/follow_up_call/edit/?id={call.id}",
                             {**unanswered, "version": version}, follow_redirects=True)
        assert ("已登记：待答复事项“问经理”" in response.get_data(as_text=True)) == told
    items = db.session.scalars(select(Complaint)).all()
    assert [(i.kind, i.summary, i.call_id) for i in items] == [("request", "问经理", call.id)]


def test_a_complaint_goes_through_each_stage_before_closing(client, auth, agent):
    """Closing, or solving, with the cause not analysed is refused (DOMAIN.md
    "Complaints": receive, analyse, resolve, track, feed back)."""
    item = make_complaint(owner=agent)
    form = {"kind": "complaint", "customer": str(item.customer_id), "summary": item.summary,
            "severity": "medium", "due_on": "2026-11-30", "version": "1"}
    for fields, missing in (
        ({"resolution": "已更换滤芯"}, "原因分析"),
        ({"resolution": "已更换滤芯", "tracking": "无异味", "feedback": "已告知",
          "satisfaction": "satisfied", "close": "y"}, "原因分析"),
        ({"cause": "滤芯堵塞", "close": "y"}, "解决办法、跟踪处理、向客户反馈的结果、客户满意度"),
    ):
        response = auth.post(f"/admin/complaint/edit/?id={item.id}", {**form, **fields},
                             follow_redirects=True)
        assert f"请按环节依次处理，先填写：{missing}。" in response.get_data(as_text=True)
    db.session.expire_all()
    item = db.session.get(Complaint, item.id)
    assert (item.closed_at, item.resolution, item.cause) == (None, None, None)


def test_an_item_closed_before_the_stages_were_checked_stays_editable(client, auth, agent):
    """Closed with feedback only (as once allowed): a new owner or summary is saved."""
    item = make_complaint(owner=agent, feedback="已告知", satisfaction="satisfied",
                          closed_at=NOW, due_on=date(2026, 11, 30))
    form = {"kind": "complaint", "customer": str(item.customer_id), "summary": "空调有异味",
            "severity": "medium", "due_on": "2026-11-30", "feedback": "已告知",
            "satisfaction": "satisfied", "close": "y", "version": str(item.version)}
    response = auth.post(f"/admin/complaint/edit/?id={item.id}", form)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, item.id).summary == "空调有异味"


def test_a_deadline_before_the_complaint_was_opened_is_refused(client, auth, agent):
    customer = make_customer()
    response = auth.post("/admin/complaint/new/", {
        "kind": "complaint", "customer": str(customer.id), "summary": "噪音",
        "severity": "low", "due_on": "2026-11-26"}, follow_redirects=True)
    assert "期限不能早于登记日期（2026-11-27）" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_a_higher_risk_level_brings_the_automatic_deadline_closer(client, auth, agent):
    """The deadline follows the level while it is the automatic one, not once set by hand."""
    automatic = make_complaint(owner=agent, due_on=date(2026, 11, 30))  # medium: 3 days
    by_hand = make_complaint(owner=agent, due_on=date(2026, 12, 10))
    for item in (automatic, by_hand):
        auth.post(f"/admin/complaint/edit/?id={item.id}", {
            "kind": "complaint", "customer": str(item.customer_id), "summary": item.summary,
            "severity": "high", "due_on": str(item.due_on), "version": "1"})
    db.session.expire_all()
    assert db.session.get(Complaint, automatic.id).due_on == date(2026, 11, 28)
    assert db.session.get(Complaint, by_hand.id).due_on == date(2026, 12, 10)


def test_overlapping_substitutions_are_refused(app, client, auth, freeze):
    """An agent away twice at once, or two agents standing in for each other, cannot be."""
    freeze(NOW)
    away = make_user("followup_agent", "away", display_name="张三")
    first = make_user("followup_agent", "first", display_name="李四")
    other = make_user("followup_agent", "other", display_name="王五")
    auth.login_as("supervisor")
    existing = {"absent_agent": away.id, "substitute": first.id,
                "starts_on": "2026-11-30", "ends_on": "2026-12-04"}
    assert auth.post("/admin/substitution/new/", existing).status_code == 302
    for form in (
        {"absent_agent": away.id, "substitute": other.id,
         "starts_on": "2026-12-04", "ends_on": "2026-12-08"},
        {"absent_agent": first.id, "substitute": away.id,
         "starts_on": "2026-11-27", "ends_on": "2026-11-30"},
        {"absent_agent": other.id, "substitute": away.id,
         "starts_on": "2026-12-01", "ends_on": "2026-12-01"},
    ):
        response = auth.post("/admin/substitution/new/", form, follow_redirects=True)
        assert "与已有的代理安排冲突：张三 → 李四（2026-11-30 至 2026-12-04）" in response.get_data(
            as_text=True), form
    assert auth.post("/admin/substitution/new/", {**existing, "starts_on": "2026-12-05",
                                                  "ends_on": "2026-12-06"}).status_code == 302
    row = db.session.scalar(select(Substitution).order_by(Substitution.id))
    assert auth.post(f"/admin/substitution/edit/?id={row.id}",
                     {**existing, "reason": "年假", "version": "1"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Substitution)) == 2


def test_inviting_late_warns_and_the_notice_calls_are_due_today(client, auth, agent):
    """Ten days before the event the 2-week notice is past: said, and the calls are due
    today, not already late; inviting the same customers again says they all were."""
    event = make_event(event_on=date(2026, 12, 7))
    ids = ",".join(str(make_customer(agent=agent).id) for _ in range(2))
    response = auth.post(f"/admin/event/invite/?ids={ids}", {"event": event.id},
                         follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "已来不及在活动前 14 天（2026-11-23 前）通知" in html
    notices = db.session.scalars(select(FollowUpCall)).all()
    assert {(n.due_from, n.due_by) for n in notices} == {(TODAY, TODAY)}
    again = auth.post(f"/admin/event/invite/?ids={ids}", {"event": event.id},
                      follow_redirects=True).get_data(as_text=True)
    assert "这些客户都已邀请过" in again
    assert "已邀请 0 位客户" not in again
    assert db.session.scalar(select(func.count()).select_from(FollowUpCall)) == 2


def test_reassigning_no_calls_says_none_were_selected(app, client, auth, freeze):
    freeze(NOW)
    agent = make_user("followup_agent", "a1")
    made = make_call(agent=agent, status="made", reached="yes", called_at=NOW)
    auth.login_as("supervisor")
    for ids in ("", str(made.id)):
        response = auth.post("/admin/follow_up_call/reassign/", {
            "ids": ids, "agent": agent.id, "url": "/admin/follow_up_call/"},
            follow_redirects=True)
        html = response.get_data(as_text=True)
        assert "没有选中待拨打的电话，未做任何分配" in html
        assert "个电话已分配给" not in html
    outside = auth.post("/admin/follow_up_call/reassign/", {"url": "https://example.com/"})
    assert outside.headers["Location"] == "/admin/queue/"
