"""In a real browser: an agent records a due call from the queue; the second call appears."""
from datetime import timedelta

from backoffice import clock

from ..factories import make_call, make_customer, make_user, make_vehicle
from .browsing import sign_in


def test_agent_records_a_due_call_and_the_second_call_is_planned(page):
    agent = make_user("followup_agent", "agent", display_name="李丽")
    customer = make_customer(name="回访客户", agent=agent)
    make_vehicle(owner=customer, plate_number="粤B24680")
    today = clock.today()
    make_call(customer=customer, vehicle=customer.vehicles[0], agent=agent,
              due_from=today - timedelta(days=1), due_by=today + timedelta(days=3))

    sign_in(page, "agent")

    # The home page lists the call due today; one click opens its record form.
    page.click("section[data-area=followups] a:has-text('回访客户')")
    page.wait_for_url("**/admin/follow_up_call/edit/**")
    page.select_option("#reached", "yes", force=True)
    page.check("input[name=topics][value=car_and_service]")
    page.check("input[name=topics][value=car_care]")
    page.fill("#key_points", "车辆正常，客户对保养满意")
    page.select_option("#satisfaction", "satisfied", force=True)
    page.click("input[type=submit][value='保存']")
    page.wait_for_url("**/admin/")
    assert "二次回访已安排在" in page.inner_text("body")

    # The queue shows the second call, within the next 7 days.
    page.goto("/admin/queue/")
    week = page.inner_text("#queue-week + .table-responsive")
    assert "回访客户" in week
    assert "二次回访" in week
    today_section = page.inner_text("#queue-today + .table-responsive")
    assert "回访客户" not in today_section
