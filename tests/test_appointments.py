"""Appointments: booking into slots at the edges, capacity and double booking, the
confirmation call and no-shows on a controlled clock, arrival into a filled-in reception,
the schedules, the preparation list and the home page."""
import threading
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from backoffice import appointments, clock
from backoffice.extensions import db
from backoffice.models import (
    Appointment,
    Customer,
    FollowUpCall,
    Reception,
    Setting,
    User,
    Vehicle,
    Visit,
)
from backoffice.permissions import ROLES, allowed

from .factories import (
    make_appointment,
    make_complaint,
    make_customer,
    make_part,
    make_parts_order,
    make_user,
    make_vehicle,
    pdf_text,
    reload,
)
from .forms import page_form

NOW = datetime(2026, 11, 27, 10, 0)  # a Friday, 10:00 in Shanghai
TODAY = NOW.date()
LATER = TODAY + timedelta(days=3)  # far enough ahead to need a confirmation call


def at(day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return clock.aware(datetime.combine(day, time(hour, minute)))


def book(auth, vehicle, slot="09:00", day=LATER, advisor=None, **extra):
    data = {"vehicle": vehicle.id, "kind": "maintenance", "description": "保养，刹车有点软",
            "day": day.isoformat(), "slot": slot, "advisor": advisor.id if advisor else None,
            "channel": "phone", **extra}
    return auth.post("/admin/appointment/new/", {k: v for k, v in data.items() if v is not None})


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Appointment))


def setting(key: str, value: int) -> None:
    db.session.add(Setting(key=key, value=str(value)))
    db.session.commit()


# -- finding the car, booking ---------------------------------------------------------------------

def test_the_car_is_found_by_plate_or_mobile(client, advisor):
    vehicle = make_vehicle(owner=make_customer(name="王先生", mobile="13812345678"),
                           plate_number="粤B97531")
    for term in ("7531", "粤B975", "13812345678", "5678", "王先"):
        html = client.get("/admin/appointment/new/", query_string={"q": term}).get_data(
            as_text=True)
        assert f'value="{vehicle.id}"' in html, term
        assert "粤B97531" in html, term
    html = client.get("/admin/appointment/new/", query_string={"q": "99999"}).get_data(
        as_text=True)
    assert "未找到车辆" in html


def test_a_booking_takes_the_slot_and_shows_everywhere(client, auth, advisor):
    vehicle = make_vehicle(plate_number="粤B97531")
    response = book(auth, vehicle, "09:00", advisor=advisor)
    assert response.status_code == 302, response.get_data(as_text=True)
    appointment = db.session.scalar(select(Appointment))
    assert (appointment.starts_at, appointment.ends_at) == (at(LATER, "09:00"),
                                                           at(LATER, "09:30"))
    assert (appointment.status, appointment.advisor_id, appointment.customer_id) == (
        "booked", advisor.id, vehicle.customer_id)
    assert appointment.booked_by_id == advisor.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已预约：粤B97531，2026-11-30 09:00，服务顾问 陈刚。" in page
    assert "应于 2026-11-29 电话确认" in page
    html = client.get("/admin/appointment_schedule/",
                      query_string={"day": LATER.isoformat()}).get_data(as_text=True)
    assert "粤B97531" in cell(html, advisor, LATER, "09:00")
    assert "1/12" in html
    week = client.get("/admin/appointment_schedule/week/",
                      query_string={"advisor": advisor.id, "day": LATER.isoformat()})
    assert "粤B97531" in week.get_data(as_text=True)
    listed = client.get("/admin/appointment/", query_string={"search": "7531"})
    assert "粤B97531" in listed.get_data(as_text=True)


def test_a_walk_in_customer_and_car_are_filed_with_the_booking(auth, advisor):
    response = auth.post("/admin/appointment/new/", {
        "name": "林女士", "mobile": "139 0000 1111", "plate_number": "粤b 12345",
        "kind": "repair", "description": "空调不制冷", "day": LATER.isoformat(),
        "slot": "10:00", "advisor": advisor.id, "channel": "walk_in"})
    assert response.status_code == 302, response.get_data(as_text=True)
    appointment = db.session.scalar(select(Appointment))
    assert appointment.vehicle.plate_number == "粤B12345"
    assert appointment.customer.name == "林女士"
    assert appointment.channel == "walk_in"


@pytest.mark.parametrize(("data", "message"), [
    ({}, "请选择车辆，或登记新客户和新车辆"),
    ({"name": "林女士", "mobile": "139000", "plate_number": "粤B12345"}, "手机号"),
    ({"name": "林女士", "mobile": "13900001111", "plate_number": "粤B1"}, "车牌"),
])
def test_bad_input_books_nothing_and_files_nobody(auth, advisor, data, message):
    response = auth.post("/admin/appointment/new/", {
        "kind": "repair", "day": LATER.isoformat(), "slot": "10:00", "advisor": advisor.id,
        "channel": "phone", **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "未能预约" in html
    assert message in html
    assert count() == 0
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


# -- slots and capacity, at their edges ----------------------------------------------------------

@pytest.mark.parametrize(("hhmm", "ok"), [
    ("08:00", True),    # the first slot begins at opening time
    ("17:30", True),    # the last one ends at closing time
    ("18:00", False),   # would end after closing
    ("07:30", False),   # before opening
    ("09:15", False),   # not a slot's start
])
def test_slots_run_from_opening_to_closing(app, freeze, hhmm, ok):
    freeze(NOW)
    appointment = Appointment(vehicle=make_vehicle())
    advisor = make_user("service_advisor", "advisor")
    if ok:
        appointments.place(appointment, advisor, at(LATER, hhmm))
        assert appointment.ends_at - appointment.starts_at == timedelta(minutes=30)
    else:
        with pytest.raises(appointments.BookingRefused, match="不是时段的开始时间"):
            appointments.place(appointment, advisor, at(LATER, hhmm))


def test_the_slot_running_now_may_be_booked_one_that_is_over_not(auth, advisor):
    refused = book(auth, make_vehicle(), "09:30", day=TODAY, advisor=advisor)  # 09:30–10:00
    assert "这个时段已经过去" in refused.get_data(as_text=True)
    assert count() == 0
    running = book(auth, make_vehicle(), "10:00", day=TODAY, advisor=advisor)  # 10:00–10:30
    assert running.status_code == 302


def test_double_booking_is_refused_the_neighbouring_slots_are_not(auth, advisor):
    assert book(auth, make_vehicle(), "09:00", advisor=advisor).status_code == 302
    refused = book(auth, make_vehicle(), "09:00", advisor=advisor)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "陈刚 09:00–09:30 已约满" in html
    assert count() == 1
    for slot in ("08:30", "09:30"):  # ends as the other begins; begins as it ends
        assert book(auth, make_vehicle(), slot, advisor=advisor).status_code == 302, slot
    other = make_user("service_advisor", "advisor2", display_name="刘洋")
    assert book(auth, make_vehicle(), "09:00", advisor=other).status_code == 302
    assert count() == 4


def test_a_cancelled_or_missed_appointment_frees_its_place(auth, advisor, freeze):
    first = make_appointment(advisor=advisor, starts_at=at(LATER, "09:00"))
    response = auth.post(f"/admin/appointment/cancel/?id={first.id}", {"reason": ""})
    assert "请填写取消原因" in auth.client.get(response.headers["Location"]).get_data(
        as_text=True)
    auth.post(f"/admin/appointment/cancel/?id={first.id}", {"reason": "客户出差"})
    assert reload(Appointment, first.id).status == "cancelled"
    assert book(auth, make_vehicle(), "09:00", advisor=advisor).status_code == 302


def test_two_desks_booking_the_last_place_at_once(app, freeze):
    """Both see the slot free; the advisor's row lock (PostgreSQL) or the write lock
    taken when the request begins (SQLite) makes the second one count the first."""
    freeze(NOW)
    advisor_id = make_user("service_advisor", "advisor").id
    vehicle_ids = [make_vehicle().id for _ in range(2)]
    db.session.commit()
    ready = threading.Barrier(2)
    results = []

    def desk(vehicle_id):
        with app.test_request_context("/admin/appointment/new/", method="POST"):
            ready.wait(timeout=10)
            vehicle = db.session.get(Vehicle, vehicle_id)
            appointment = Appointment(vehicle=vehicle, customer=vehicle.owner)
            try:
                appointments.place(appointment, db.session.get(User, advisor_id),
                                   at(LATER, "09:00"))
                db.session.add(appointment)
                db.session.commit()
                results.append("booked")
            except appointments.BookingRefused:
                db.session.rollback()
                results.append("refused")
            finally:
                db.session.remove()

    desks = [threading.Thread(target=desk, args=(v,)) for v in vehicle_ids]
    for thread in desks:
        thread.start()
    for thread in desks:
        thread.join(timeout=30)
    db.session.rollback()  # end this test's read snapshot: the desks wrote since
    assert sorted(results) == ["booked", "refused"]
    assert count() == 1


def test_more_places_per_slot_when_the_setting_says_so(auth, advisor):
    setting("appointments_per_slot", 2)
    assert book(auth, make_vehicle(), "09:00", advisor=advisor).status_code == 302
    assert book(auth, make_vehicle(), "09:00", advisor=advisor).status_code == 302
    third = book(auth, make_vehicle(), "09:00", advisor=advisor)
    assert "已约满" in third.get_data(as_text=True)
    assert count() == 2


def test_the_daily_capacity_per_advisor(auth, advisor):
    setting("appointments_per_day", 2)
    for slot in ("08:00", "13:00"):
        assert book(auth, make_vehicle(), slot, advisor=advisor).status_code == 302
    refused = book(auth, make_vehicle(), "17:30", advisor=advisor)
    assert "陈刚 2026-11-30 已有 2 个预约，已达每日上限" in refused.get_data(as_text=True)
    assert book(auth, make_vehicle(), "17:30", day=LATER + timedelta(days=1),
                advisor=advisor).status_code == 302
    assert count() == 3


def test_the_slot_length_is_a_setting(client, auth, advisor):
    setting("slot_minutes", 60)
    form = client.get("/admin/appointment/new/").get_data(as_text=True)
    assert '<option value="09:00">09:00–10:00</option>' in form
    assert 'value="09:30"' not in form
    assert book(auth, make_vehicle(), "09:00", advisor=advisor).status_code == 302
    assert db.session.scalar(select(Appointment.ends_at)) == at(LATER, "10:00")
    assert "选项无效" in book(auth, make_vehicle(), "09:30", advisor=advisor).get_data(
        as_text=True)


def test_a_car_is_booked_once_a_day(auth, advisor):
    vehicle = make_vehicle()
    assert book(auth, vehicle, "09:00", advisor=advisor).status_code == 302
    refused = book(auth, vehicle, "15:00", advisor=advisor)
    assert "这辆车 2026-11-30 已有预约（09:00）" in refused.get_data(as_text=True)


def test_moving_an_appointment_is_checked_like_booking(client, auth, advisor):
    taken = make_appointment(advisor=advisor, starts_at=at(LATER, "09:00"))
    moving = make_appointment(advisor=advisor, starts_at=at(LATER, "11:00"))
    data = {"kind": "repair", "description": "改为维修", "day": LATER.isoformat(),
            "slot": "09:00", "advisor": advisor.id, "channel": "phone",
            "version": moving.version}
    refused = auth.post(f"/admin/appointment/edit/?id={moving.id}", data)
    assert "已约满" in refused.get_data(as_text=True)
    kept = reload(Appointment, moving.id)
    assert (kept.starts_at, kept.kind) == (at(LATER, "11:00"), "maintenance")
    moved = auth.post(f"/admin/appointment/edit/?id={moving.id}", {**data, "slot": "14:00"})
    assert moved.status_code == 302
    assert reload(Appointment, moving.id).starts_at == at(LATER, "14:00")
    stale = auth.post(f"/admin/appointment/edit/?id={moving.id}", {**data, "slot": "15:00"})
    assert "此记录已被他人修改并保存" in stale.get_data(as_text=True)
    assert reload(Appointment, moving.id).starts_at == at(LATER, "14:00")
    assert reload(Appointment, taken.id).starts_at == at(LATER, "09:00")


def restore(auth, *appointments_):
    """The administrator's "restore" in the trash; the page it leads to."""
    response = auth.post("/admin/appointment/action/?trash=1",
                         {"action": "restore", "rowid": [a.id for a in appointments_]})
    return auth.client.get(response.headers["Location"]).get_data(as_text=True)


def live(*appointments_) -> list[bool]:
    db.session.expire_all()
    return [db.session.scalar(select(Appointment.deleted_at).where(
        Appointment.id == a.id).execution_options(include_deleted=True)) is None
        for a in appointments_]


def test_restoring_a_deleted_appointment_is_checked_like_booking(client, auth, advisor):
    """Deleting an appointment frees its place: is the place still free when it comes back
    from the trash (the slot, and the car once a day)?"""
    car = make_vehicle(plate_number="粤B97531")
    auth.logout()
    auth.login_as("admin")
    deleted = make_appointment(vehicle=car, advisor=advisor, starts_at=at(LATER, "09:00"))
    auth.post("/admin/appointment/delete/", {"id": deleted.id})
    gone_too = make_appointment(advisor=advisor, starts_at=at(LATER, "09:00"),
                                status="confirmed")  # booked into the freed slot, deleted too
    auth.post("/admin/appointment/delete/", {"id": gone_too.id})
    slot_taken = make_appointment(advisor=advisor, starts_at=at(LATER, "09:00"))

    page = restore(auth, deleted)
    assert ("未恢复任何记录：粤B97531 2026-11-30 09:00 的预约无法恢复。"
            "陈刚 09:00–09:30 已约满") in page
    assert live(deleted) == [False]

    db.session.delete(slot_taken)
    db.session.commit()
    same_car = make_appointment(vehicle=car, advisor=advisor, starts_at=at(LATER, "15:00"))
    assert "这辆车 2026-11-30 已有预约（15:00）" in restore(auth, deleted)
    assert live(deleted) == [False]

    db.session.delete(same_car)
    db.session.commit()
    assert "已约满" in restore(auth, deleted, gone_too)  # both in one slot: none comes back
    assert live(deleted, gone_too) == [False, False]
    assert "已恢复 1 条记录" in restore(auth, deleted)
    assert live(deleted) == [True]


def test_an_appointment_of_an_advisor_gone_since_is_not_restored(client, auth, advisor):
    auth.logout()
    auth.login_as("admin")
    deleted = make_appointment(advisor=advisor, starts_at=at(LATER, "09:00"))
    auth.post("/admin/appointment/delete/", {"id": deleted.id})
    advisor.active = False
    db.session.commit()
    assert "服务顾问账号已停用" in restore(auth, deleted)
    assert live(deleted) == [False]


def test_a_cancelled_appointment_comes_back_from_the_trash_whatever_took_its_slot(
        auth, advisor):
    """An appointment that holds no place (cancelled) is restored as it was."""
    cancelled = make_appointment(advisor=advisor, starts_at=at(LATER, "09:00"),
                                 status="cancelled", cancel_reason="客户出差")
    auth.logout()
    auth.login_as("admin")
    auth.post("/admin/appointment/delete/", {"id": cancelled.id})
    make_appointment(vehicle=cancelled.vehicle, advisor=advisor, starts_at=at(LATER, "09:00"))
    assert "已恢复 1 条记录" in restore(auth, cancelled)
    assert live(cancelled) == [True]


# -- the confirmation call and no-shows ----------------------------------------------------------

def to_confirm() -> list[int]:
    return list(db.session.scalars(select(Appointment.id).where(
        appointments.to_confirm_clause(clock.now()))))


def test_the_confirmation_call_is_due_the_day_before(client, auth, advisor, freeze):
    appointment = make_appointment(advisor=advisor, starts_at=at(LATER, "09:00"))
    assert to_confirm() == []
    freeze(datetime.combine(LATER - timedelta(days=1), time(8)))
    assert to_confirm() == [appointment.id]
    home = client.get("/admin/").get_data(as_text=True)
    assert "应打预约确认电话" in home
    freeze(datetime.combine(LATER, time(8, 59)))  # late, still to make before the slot
    assert to_confirm() == [appointment.id]
    listed = client.get("/admin/appointment/").get_data(as_text=True)
    assert 'badge-danger">应于 2026-11-29 确认' in listed
    freeze(datetime.combine(LATER, time(9, 30)))  # the slot is over: a no-show, not a call
    assert to_confirm() == []


def test_booked_within_a_day_it_is_confirmed_at_once(auth, advisor):
    book(auth, make_vehicle(), "09:00", day=TODAY + timedelta(days=1), advisor=advisor)
    appointment = db.session.scalar(select(Appointment))
    assert appointment.status == "confirmed"
    assert appointment.confirmed_at == clock.now()


def test_the_confirmation_call_is_recorded(client, auth, advisor):
    appointment = make_appointment(advisor=advisor, starts_at=at(LATER, "09:00"))
    auth.post(f"/admin/appointment/confirm/?id={appointment.id}",
              {"result": "not_reached", "note": "无人接听"})
    missed = reload(Appointment, appointment.id)
    assert (missed.status, missed.confirmation_attempts, missed.confirmation_note) == (
        "booked", 1, "无人接听")
    response = auth.post(f"/admin/appointment/confirm/?id={appointment.id}",
                         {"result": "confirmed"})
    assert "客户已确认到店" in client.get(response.headers["Location"]).get_data(as_text=True)
    confirmed = reload(Appointment, appointment.id)
    assert (confirmed.status, confirmed.confirmation_attempts) == ("confirmed", 2)
    assert confirmed.confirmed_by_id == advisor.id


def test_a_no_show_is_marked_after_the_slot_ends_and_goes_to_the_agent(
        client, auth, advisor, freeze):
    agent = make_user("followup_agent", "agent", display_name="李丽")
    vehicle = make_vehicle(owner=make_customer(agent=agent), plate_number="粤B24680")
    appointment = make_appointment(vehicle=vehicle, advisor=advisor,
                                   starts_at=at(TODAY, "09:00"))
    freeze(datetime.combine(TODAY, time(9, 29)))
    early = auth.post(f"/admin/appointment/no_show/?id={appointment.id}")
    assert "时段结束后才能标记爽约（09:30 起）" in client.get(
        early.headers["Location"]).get_data(as_text=True)
    assert reload(Appointment, appointment.id).status == "booked"
    assert db.session.scalar(select(func.count()).select_from(FollowUpCall)) == 0

    freeze(datetime.combine(TODAY, time(9, 30)))
    auth.post(f"/admin/appointment/no_show/?id={appointment.id}")
    missed = reload(Appointment, appointment.id)
    assert missed.status == "no_show"
    call = missed.no_show_call
    assert (call.kind, call.customer_id, call.vehicle_id, call.agent_id) == (
        "no_show", vehicle.customer_id, vehicle.id, agent.id)
    assert (call.due_from, call.due_by) == (TODAY, TODAY + timedelta(days=1))

    auth.logout()
    auth.login("agent")
    queue = client.get("/admin/queue/").get_data(as_text=True)
    today_section = queue.split('id="queue-today"')[1].split('id="queue-week"')[0]
    assert "粤B24680" in today_section
    assert "爽约回访" in today_section
    record = client.get(f"/admin/follow_up_call/details/?id={call.id}").get_data(as_text=True)
    assert "客户未按 2026-11-27 09:00 的预约到店（服务顾问 陈刚）" in record


def test_the_nightly_command_marks_only_the_slots_that_are_over(app, runner, freeze):
    freeze(NOW)
    advisor = make_user("service_advisor", "advisor")
    over = make_appointment(advisor=advisor, starts_at=at(TODAY, "09:00"))
    running = make_appointment(advisor=advisor, starts_at=at(TODAY, "10:00"))
    arrived = make_appointment(advisor=advisor, starts_at=at(TODAY, "08:00"), status="arrived")
    result = runner.invoke(args=["mark-no-shows"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    assert [reload(Appointment, a.id).status for a in (over, running, arrived)] == [
        "no_show", "booked", "arrived"]
    assert db.session.scalar(select(FollowUpCall.kind)) == "no_show"


# -- arrival ----------------------------------------------------------------------------------

def test_arrival_opens_the_reception_filled_in_from_the_appointment(client, auth, advisor):
    vehicle = make_vehicle(owner=make_customer(name="王先生"), plate_number="粤B97531")
    appointment = make_appointment(vehicle=vehicle, advisor=advisor, kind="repair",
                                   description="刹车时有异响，左前轮明显",
                                   starts_at=at(TODAY, "10:00"))
    order = make_parts_order([(make_part(stock=4), 2)], customer=vehicle.owner,
                             appointment=appointment)
    response = auth.post(f"/admin/appointment/arrive/?id={appointment.id}")
    assert response.status_code == 302
    reception = db.session.scalar(select(Reception))
    assert response.headers["Location"].endswith(
        f"/admin/reception/checklist/?id={reception.id}")
    assert (reception.vehicle_id, reception.customer_id, reception.advisor_id) == (
        vehicle.id, vehicle.customer_id, advisor.id)
    assert reception.described_faults == "刹车时有异响，左前轮明显"
    assert db.session.get(Visit, reception.visit_id).kind == "repair"
    arrived = reload(Appointment, appointment.id)
    assert (arrived.status, arrived.reception_id, arrived.arrived_at) == (
        "arrived", reception.id, clock.now())
    assert reload(type(order), order.id).reception_id == reception.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "粤B97531" in page
    consultation = page.split('id="form-consultation"')[1].split("</form>")[0]
    assert "刹车时有异响，左前轮明显" in consultation
    again = auth.post(f"/admin/appointment/arrive/?id={appointment.id}")
    assert "只有待到店的预约才能登记到店" in client.get(again.headers["Location"]).get_data(
        as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Reception)) == 1


def test_arrival_only_on_the_appointments_day(client, auth, advisor):
    appointment = make_appointment(advisor=advisor, starts_at=at(LATER, "10:00"))
    response = auth.post(f"/admin/appointment/arrive/?id={appointment.id}")
    assert "这是 2026-11-30 的预约，只能在当天接车" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Reception)) == 0


def test_who_may_receive_a_customer(client, auth, freeze):
    freeze(NOW)
    appointment = make_appointment(starts_at=at(TODAY, "10:00"))
    for role in ("supervisor", "followup_agent", "manager"):
        auth.login_as(role)
        assert auth.post(f"/admin/appointment/arrive/?id={appointment.id}").status_code == 403
        page = client.get(f"/admin/appointment/details/?id={appointment.id}")
        assert page.status_code == 200
        assert 'id="arrived"' not in page.get_data(as_text=True)
        auth.logout()
    assert reload(Appointment, appointment.id).status == "booked"


# -- the day, today's arrivals, the home page ---------------------------------------------------

def cell(html: str, advisor, day: date, slot: str) -> str:
    """One advisor's slot in a schedule page."""
    marker = f'data-advisor="{advisor.id}" data-day="{day}" data-slot="{slot}"'
    return html.split(marker)[1].split("</td>")[0]


def test_todays_arrivals_and_the_places_left(client, advisor):
    make_appointment(vehicle=make_vehicle(plate_number="粤B11111"), advisor=advisor,
                     starts_at=at(TODAY, "09:00"))
    make_appointment(vehicle=make_vehicle(plate_number="粤B22222"), advisor=advisor,
                     starts_at=at(TODAY, "11:00"))
    html = client.get("/admin/appointment_schedule/").get_data(as_text=True)
    arrivals = html.split('id="arrivals-table"')[1]
    assert arrivals.index("粤B11111") < arrivals.index("粤B22222")
    assert arrivals.count("no-show") == 1  # only the 09:00 slot is over
    assert arrivals.count("btn-success arrive") == 2
    assert "book-slot" in cell(html, advisor, TODAY, "10:30")
    assert "book-slot" not in cell(html, advisor, TODAY, "11:00")  # full
    assert "粤B22222" in cell(html, advisor, TODAY, "11:00")
    assert "book-slot" not in cell(html, advisor, TODAY, "09:30")  # over


def test_the_home_page_counts_the_advisors_own(client, auth, advisor, freeze):
    other = make_user("service_advisor", "advisor2")
    make_appointment(advisor=advisor, starts_at=at(TODAY, "11:00"))
    make_appointment(advisor=other, starts_at=at(TODAY, "11:00"))
    make_appointment(advisor=advisor, starts_at=at(TODAY, "08:00"))  # over, nobody came
    panel = client.get("/admin/").get_data(as_text=True).split('data-area="appointments"')[1]
    panel = panel.split("</section>")[0]
    assert "今日预约待到店" in panel
    assert "时段已过未到店：请标记爽约" in panel
    assert ">2</span>" in panel.split("今日预约待到店")[1].split("</li>")[0]
    auth.logout()
    auth.login_as("supervisor")
    panel = client.get("/admin/").get_data(as_text=True).split('data-area="appointments"')[1]
    assert ">3</span>" in panel.split("今日预约待到店")[1].split("</li>")[0]
    assert "登记预约" not in panel.split("</section>")[0]  # the supervisor only reads


# -- preparation ------------------------------------------------------------------------------

def test_the_preparation_list_for_tomorrow(client, advisor):
    tomorrow = TODAY + timedelta(days=1)
    customer = make_customer(name="王先生", wished_services="上门取送车")
    vehicle = make_vehicle(owner=customer, plate_number="粤B97531",
                           next_maintenance_date=tomorrow, current_mileage=15000)
    db.session.add(Visit(vehicle=vehicle, customer=customer, kind="maintenance",
                         visited_at=clock.now() - timedelta(days=180), mileage=10000,
                         service_items="更换机油、机油滤清器"))
    db.session.commit()
    make_complaint(customer=customer, summary="上次保养后有异响")
    appointment = make_appointment(vehicle=vehicle, advisor=advisor, kind="repair",
                                   description="刹车异响", starts_at=at(tomorrow, "09:00"))
    pads = make_part(stock=1, number="5Q0698151B", name="前刹车片")
    make_parts_order([(pads, 2)], customer=customer, appointment=appointment)
    other = make_user("service_advisor", "advisor2", display_name="刘洋")
    make_appointment(advisor=other, starts_at=at(tomorrow, "10:00"),
                     vehicle=make_vehicle(plate_number="粤B00001"))

    html = client.get("/admin/preparation/").get_data(as_text=True)
    sheet = html.split('id="preparation"')[1]
    assert "陈刚 · 2026-11-28 星期六 · 1 个预约" in sheet
    for text in ("粤B97531", "王先生", "刹车异响", "更换机油、机油滤清器", "上次保养后有异响",
                 "已到期：建议客户做保养", "5Q0698151B 前刹车片 × 2", "现有 1，缺 1",
                 "上门取送车"):
        assert text in sheet, text
    assert "粤B00001" not in sheet  # another advisor's: on request
    everyone = client.get("/admin/preparation/", query_string={"advisor": ""}).get_data(
        as_text=True)
    assert "刘洋 · 2026-11-28 星期六 · 1 个预约" in everyone
    assert "粤B00001" in everyone
    pdf = client.get("/admin/preparation/pdf/", query_string={"day": tomorrow.isoformat()})
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.data)
    assert "准备工作清单" in text
    assert "刹车异响" in text
    assert "前刹车片" in text


@pytest.mark.parametrize("role", list(ROLES))
def test_the_schedules_and_the_preparation_list_follow_the_matrix(client, auth, freeze, role):
    freeze(NOW)
    make_appointment(starts_at=at(TODAY + timedelta(days=1), "09:00"))
    auth.login_as(role)
    for url in ("/admin/appointment_schedule/", "/admin/appointment_schedule/week/",
                "/admin/preparation/", "/admin/preparation/pdf/"):
        expected = 200 if allowed(role, "appointments", "R") else 403
        assert client.get(url).status_code == expected, (role, url)


# -- settings ---------------------------------------------------------------------------------

def test_the_opening_hours_must_leave_a_slot(client, auth, freeze):
    freeze(NOW)
    auth.login_as("admin")
    form = client.get("/admin/settings/").get_data(as_text=True)
    assert "预约：每个时段的长度（分钟）" in form
    data = page_form(form).data()
    response = auth.post("/admin/settings/", {**data, "opening_hour": 18, "closing_hour": 9})
    assert "营业时间内排不下任何预约时段" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0
    auth.post("/admin/settings/", {**data, "opening_hour": 9, "slot_minutes": 60})
    assert db.session.get(Setting, "opening_hour").value == "9"


def test_the_demo_has_appointments_in_every_state(app, runner, freeze):
    freeze(NOW)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    states = set(db.session.scalars(select(Appointment.status)))
    assert states == {"booked", "confirmed", "arrived", "no_show", "cancelled"}
    assert db.session.scalar(select(func.count()).select_from(FollowUpCall).where(
        FollowUpCall.kind == "no_show")) == 1
