"""On a tablet held upright (800×1280): the advisor books a customer into a free slot of
the day schedule, and when the customer arrives lands in a reception already filled in."""
from datetime import datetime

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Appointment, Reception

from ..factories import make_customer, make_user, make_vehicle
from .browsing import sign_in
from .test_checklists_browser import no_sideways_scrolling

MORNING = datetime(2026, 11, 27, 8, 40)


def test_book_from_the_schedule_then_arrive_into_a_filled_in_reception(page, freeze):
    freeze(MORNING)
    page.set_viewport_size({"width": 800, "height": 1280})
    advisor = make_user("service_advisor", "advisor", display_name="陈刚")
    make_vehicle(owner=make_customer(name="王先生"), plate_number="粤B97531")

    sign_in(page, "advisor")
    page.goto("/admin/appointment_schedule/")
    assert "2026-11-27 星期五" in page.inner_text("#schedule-day")
    page.click(f'td[data-advisor="{advisor.id}"][data-slot="09:00"] a.book-slot')
    page.wait_for_url("**/admin/appointment/new/**")
    assert page.input_value("#slot") == "09:00"
    assert page.input_value("#day") == "2026-11-27"

    page.fill("#find-car", "7531")
    page.press("#find-car", "Enter")
    page.wait_for_load_state("networkidle")
    assert page.input_value("#slot") == "09:00"  # the search keeps the chosen slot
    assert "粤B97531 · 王先生" in page.inner_text("#found-cars")
    page.select_option("#kind", "repair")
    page.fill("#description", "刹车时有异响，左前轮明显")
    page.click("#book")
    page.wait_for_url("**/admin/appointment/details/**")
    assert "已预约：粤B97531，2026-11-27 09:00，服务顾问 陈刚。" in page.inner_text("body")
    no_sideways_scrolling(page)

    db.session.rollback()  # end the test's read snapshot: the server wrote since
    appointment = db.session.scalars(select(Appointment)).one()
    assert (appointment.status, appointment.kind) == ("confirmed", "repair")

    freeze(datetime(2026, 11, 27, 8, 55))  # the customer drives in
    page.goto("/admin/appointment_schedule/")
    arrivals = page.locator(f'#arrivals-table tr[data-appointment="{appointment.id}"]')
    assert "粤B97531" in arrivals.inner_text()
    arrivals.locator("button.arrive").click()
    page.wait_for_url("**/admin/reception/checklist/**")
    assert "粤B97531" in page.inner_text("#reception header")
    assert page.input_value("#form-consultation textarea[name=described_faults]") == (
        "刹车时有异响，左前轮明显")
    no_sideways_scrolling(page)

    db.session.rollback()
    reception = db.session.scalars(select(Reception)).one()
    assert reception.described_faults == "刹车时有异响，左前轮明显"
    assert reception.visit.kind == "repair"
    appointment = db.session.get(Appointment, appointment.id)
    assert (appointment.status, appointment.reception_id) == ("arrived", reception.id)
