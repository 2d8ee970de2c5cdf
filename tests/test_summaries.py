"""Monthly and yearly summaries: the figures on a known month, the screen, filing, the PDF."""
import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import event, func, select

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import (
    Complaint,
    Event,
    FollowUpCall,
    Invitation,
    Letter,
    Summary,
)
from backoffice.summaries import period_bounds, summary_figures

from .factories import make_customer, make_user, make_vehicle, make_visit

NOW = datetime(2026, 12, 2, 10, 0)  # a Wednesday, Asia/Shanghai: November is over
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def nov(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute)


def dec(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute)


def add(row):
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def agents(freeze):
    """Two follow-up agents, 张敏 (A) and 李强 (B), on 2 December 2026."""
    freeze(NOW)
    return (
        make_user("followup_agent", "agent_a", display_name="张敏"),
        make_user("followup_agent", "agent_b", display_name="李强"),
    )


def task(agent, due_by: date, *attempts, kind="first", previous=None) -> list[FollowUpCall]:
    """One planned call and its retries; each attempt is (called_at, reached) or None
    for an attempt still planned."""
    customer = make_customer()
    rows = []
    for number, attempt in enumerate(attempts or [None], 1):
        row = FollowUpCall(
            customer=customer, kind=kind, agent=agent, attempt=number,
            previous_call=rows[-1] if rows else previous,
            due_from=due_by - timedelta(days=4), due_by=due_by,
        )
        if attempt:
            row.status, row.called_at, row.reached = "made", attempt[0], attempt[1]
        rows.append(add(row))
    return rows


def incoming(agent, kind: str, at: datetime) -> FollowUpCall:
    return add(FollowUpCall(customer=make_customer(), kind=kind, direction="in", agent=agent,
                            status="made", called_at=at, reached="yes"))


def item(owner, kind: str, opened_on: date, **fields) -> Complaint:
    return add(Complaint(customer=make_customer(), kind=kind, owner=owner, opened_on=opened_on,
                         summary="保养后异响", **fields))


def letter(sender, kind: str, sent_on: date | None, **fields) -> Letter:
    return add(Letter(customer=make_customer(), kind=kind, subject="通知", sender=sender,
                      sent_on=sent_on, **fields))


def notice(agent, invitation, *attempts) -> list[FollowUpCall]:
    rows = []
    for number, attempt in enumerate(attempts, 1):
        row = FollowUpCall(customer=invitation.customer, invitation=invitation, kind="notice",
                           agent=agent, attempt=number, previous_call=rows[-1] if rows else None,
                           due_by=invitation.event.event_on - timedelta(days=14))
        if attempt:
            row.status, row.called_at, row.reached = "made", attempt[0], attempt[1]
        rows.append(add(row))
    return rows


def november(a, b) -> None:
    """A month with every case in it; the totals are worked out beside each record."""
    # Archives built in November (archived_on in the month; due 2 days after the visit).
    def visit(visited_at, archived_at=None, by=None):
        return make_visit(vehicle=make_vehicle(), visited_at=visited_at,
                          archived_at=archived_at, archived_by=by)

    visit(nov(2), nov(3), a)                     # A built, on time (due 11-04)
    visit(nov(5), nov(9), a)                     # A built, late (due 11-07)
    visit(nov(10), nov(12, 18), b)               # B built, on time: on the due day
    visit(datetime(2026, 10, 30), nov(1), b)     # B built in November, on time (due 11-01)
    visit(nov(28), dec(1), a)                    # built in December: not counted
    visit(nov(20))                               # not archived yet: counted
    visit(dec(1, 0, 30))                         # a December visit (local time): not counted
    visit(nov(15)).soft_delete(clock.now())      # deleted: not counted
    # archives: A built 2, on time 1; B built 2, on time 2; team 4, 3, 75.0%; 1 not archived

    # First calls of A, due in November.
    t1 = task(a, date(2026, 11, 6), (nov(5), "yes"))              # made on time, reached
    task(a, date(2026, 11, 10), (nov(12), "yes"))                 # made late, reached
    task(a, date(2026, 11, 15), (nov(13), "no_answer"), (nov(14), "yes"))  # on time, reached
    task(a, date(2026, 11, 20), (nov(18), "no_answer"), (nov(19), "no_answer"), None)
    # ... the last: made on time (the first attempt), never reached
    task(a, date(2026, 11, 25))                                   # due, not made
    t6 = task(a, date(2026, 11, 30), (nov(29), "no_answer"), (dec(1), "yes"))
    t6[1].due_by = date(2026, 12, 2)  # the retry moved out of the month: still this task
    task(a, date(2026, 11, 10), (nov(9), "yes"))[0].soft_delete(clock.now())  # deleted
    # A first: due 6, made 5, on time 4 (11-05, 11-13, 11-18, 11-29), reached 4
    # Second calls of A: the first call made points to it, as followups.py plans it.
    task(a, date(2026, 11, 20), (nov(19), "yes"), kind="second", previous=t1[0])
    closed = task(a, date(2026, 11, 28), kind="second")[0]
    closed.status, closed.close_reason = "closed", "客户要求不再回访"
    # A second: due 2, made 1, on time 1, reached 1
    task(b, date(2026, 11, 8), (nov(8, 17), "yes"))               # on the last day: on time
    task(b, date(2026, 11, 12), (nov(14), "no_answer"), (nov(15), "yes"))  # late, reached
    task(b, date(2026, 12, 3), (nov(30), "yes"))                  # due in December
    task(b, date(2026, 10, 31), (nov(1), "yes"))                  # due in October
    task(b, date(2026, 11, 22), (nov(21), "refused"), kind="second")
    # B first: due 2, made 2, on time 1, reached 2; B second: due 1, made 1, on time 1,
    # reached 0. Team first: 8, 7, 5, 6 (62.5%); second: 3, 2, 2, 1 (66.7%)

    # Incoming calls, by the local day they were taken.
    incoming(a, "inquiry", nov(3))
    incoming(a, "inquiry", nov(20))
    incoming(a, "complaint", nov(21))
    incoming(b, "inquiry", nov(30, 23, 30))
    incoming(b, "complaint", dec(1, 0, 10))  # December
    # A: 2 inquiries, 1 complaint; B: 1 inquiry; team 3 and 1

    # Requests (escalated when still without a solution after opened + 2 days).
    item(a, "request", date(2026, 11, 2), resolved_at=nov(3), answered_at=nov(3, 15),
         closed_at=nov(3, 16))                           # in time, answered the same day
    item(a, "request", date(2026, 11, 5), resolved_at=nov(9), answered_at=nov(10),
         closed_at=nov(10))                              # escalated, answered late
    item(a, "request", date(2026, 11, 20), resolved_at=nov(21))  # not answered: late
    item(b, "request", date(2026, 11, 10), resolved_at=nov(12, 23, 30),
         answered_at=nov(12, 23, 50))                    # solved on the due day, same day
    item(b, "request", date(2026, 11, 28))               # open past 11-30: escalated
    item(b, "request", date(2026, 11, 30))               # due 12-02, today: not yet
    # A: opened 3, solved 3, escalated 1, same day 1, late 2, closed 2
    # B: opened 3, solved 1, escalated 1, same day 1, late 0, closed 0

    # Complaints and how they ended.
    item(a, "complaint", date(2026, 11, 4), severity="high", closed_at=nov(6),
         satisfaction="satisfied")
    item(a, "complaint", date(2026, 11, 15), severity="medium", closed_at=nov(20),
         satisfaction="dissatisfied")
    item(b, "complaint", date(2026, 11, 25), severity="low", closed_at=nov(26),
         satisfaction="neutral")
    item(b, "complaint", date(2026, 11, 27), severity="high")
    item(b, "complaint", date(2026, 10, 31), severity="medium", closed_at=nov(2),
         satisfaction="satisfied")                       # opened in October
    # A: opened 2, closed 2, high 1, medium 1, satisfied 1, dissatisfied 1
    # B: opened 2, closed 1, high 1, low 1, neutral 1

    # Letters sent.
    letter(a, "notice", date(2026, 11, 3))
    letter(a, "invitation", date(2026, 11, 10))
    letter(a, "invitation", date(2026, 11, 11))
    letter(b, "reply", date(2026, 11, 12))
    letter(b, "notice", date(2026, 11, 30))
    letter(b, "notice", date(2026, 12, 1))               # December
    letter(b, "reply", None, due_on=date(2026, 11, 20))  # not sent
    # A: notice 1, invitation 2; B: notice 1, reply 1

    # An event held on 11-20, three customers invited; one in December.
    fair = add(Event(name="冬季免费检测", kind="free_inspection", event_on=date(2026, 11, 20)))
    first, second, third = (add(Invitation(event=fair, customer=make_customer()))
                            for _ in range(3))
    notice(a, first, (datetime(2026, 11, 5), "yes"))
    notice(b, second, (datetime(2026, 11, 5), "no_answer"), (datetime(2026, 11, 6), "yes"))
    notice(b, third, None)
    later = add(Event(name="新春联谊会", kind="gathering", event_on=date(2026, 12, 15)))
    notice(a, add(Invitation(event=later, customer=make_customer())), (nov(30), "yes"))
    # events: held 1, invited 3, notice calls made 3, customers told 2
    db.session.commit()


def expected_agent(name, archives, first, second, inbound, requests, complaints, letters):
    def calls(due, made, on_time, reached, share):
        return {"due": due, "made": made, "on_time": on_time, "reached": reached,
                "on_time_share": share}

    return {
        "name": name,
        "archives": dict(zip(("built", "on_time", "on_time_share"), archives, strict=True)),
        "calls": {"first": calls(*first), "second": calls(*second)},
        "inbound": dict(zip(("inquiry", "complaint"), inbound, strict=True)),
        "requests": dict(zip(
            ("opened", "resolved", "escalated", "answered_same_day", "answered_late", "closed"),
            requests, strict=True,
        )),
        "complaints": {
            "opened": complaints[0], "closed": complaints[1],
            "severity": dict(zip(("high", "medium", "low"), complaints[2], strict=True)),
            "satisfaction": dict(zip(("satisfied", "neutral", "dissatisfied"), complaints[3],
                                     strict=True)),
        },
        "letters": dict(zip(("notice", "invitation", "reply"), letters, strict=True)),
    }


# -- the figures -------------------------------------------------------------------------------

def test_summary_figures_on_a_known_month(app, agents):
    """Are the figures of a month whose totals are known by hand exactly those totals?"""
    a, b = agents
    november(a, b)
    figures = summary_figures(*NOVEMBER)
    assert json.loads(json.dumps(figures)) == figures  # plain JSON, as it is stored

    assert (figures["starts_on"], figures["ends_on"]) == ("2026-11-01", "2026-11-30")
    assert figures["agents"] == {
        str(a.id): expected_agent(
            "张敏", archives=(2, 1, 50.0),
            first=(6, 5, 4, 4, 66.7), second=(2, 1, 1, 1, 50.0), inbound=(2, 1),
            requests=(3, 3, 1, 1, 2, 2), complaints=(2, 2, (1, 1, 0), (1, 0, 1)),
            letters=(1, 2, 0),
        ),
        str(b.id): expected_agent(
            "李强", archives=(2, 2, 100.0),
            first=(2, 2, 1, 2, 50.0), second=(1, 1, 1, 0, 100.0), inbound=(1, 0),
            requests=(3, 1, 1, 1, 0, 0), complaints=(2, 1, (1, 0, 1), (0, 1, 0)),
            letters=(1, 0, 1),
        ),
    }
    team = expected_agent(
        None, archives=(4, 3, 75.0),
        first=(8, 7, 5, 6, 62.5), second=(3, 2, 2, 1, 66.7), inbound=(3, 1),
        requests=(6, 4, 2, 2, 2, 2), complaints=(4, 3, (2, 1, 1), (1, 1, 1)),
        letters=(2, 2, 1),
    )
    del team["name"]
    team["archives"]["not_archived"] = 1
    team["events"] = {"held": 1, "invitations": 3, "notice_calls_made": 3, "customers_reached": 2}
    assert figures["overall"] == team


def test_an_empty_period_has_zeros_and_no_shares(app, agents):
    figures = summary_figures(date(2026, 1, 1), date(2026, 1, 31))
    assert figures["agents"] == {}
    assert figures["overall"]["archives"] == {
        "built": 0, "on_time": 0, "on_time_share": None, "not_archived": 0,
    }
    assert figures["overall"]["calls"]["first"]["on_time_share"] is None


def test_summary_figures_take_a_fixed_number_of_queries(app, agents):
    """However many records and agents, the figures cost the same few queries."""
    a, b = agents
    november(a, b)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        summary_figures(*NOVEMBER)
        few = len(statements)
        for n in range(5):  # more agents, more calls
            task(make_user("followup_agent", f"more{n}"), date(2026, 11, 9), (nov(8), "yes"))
        statements.clear()
        summary_figures(*NOVEMBER)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == few <= 12


@pytest.mark.parametrize(
    ("period", "day", "bounds"),
    [
        ("month", date(2026, 11, 17), (date(2026, 11, 1), date(2026, 11, 30))),
        ("month", date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
        ("month", date(2026, 12, 1), (date(2026, 12, 1), date(2026, 12, 31))),
        ("month", date(2026, 2, 14), (date(2026, 2, 1), date(2026, 2, 28))),
        ("month", date(2028, 2, 29), (date(2028, 2, 1), date(2028, 2, 29))),
        ("month", date(2026, 1, 31), (date(2026, 1, 1), date(2026, 1, 31))),
        ("year", date(2026, 7, 4), (date(2026, 1, 1), date(2026, 12, 31))),
        ("year", date(2028, 12, 31), (date(2028, 1, 1), date(2028, 12, 31))),
    ],
)
def test_period_bounds(period, day, bounds):
    assert period_bounds(period, day) == bounds


def test_unknown_period_is_an_error():
    with pytest.raises(ValueError, match="week"):
        period_bounds("week", date(2026, 11, 17))


# -- the screen --------------------------------------------------------------------------------

@pytest.fixture
def supervisor(auth, agents):
    user = make_user("supervisor", display_name="王主管")
    auth.login("supervisor")
    return user


def create(auth, period="month", starts_on="2026-11-17"):
    return auth.post("/admin/summary/new/", {"period": period, "starts_on": starts_on})


def only_summary() -> Summary:
    return db.session.scalar(select(Summary))


def test_supervisor_creates_a_monthly_summary_with_its_figures(client, auth, supervisor, agents):
    november(*agents)
    response = create(auth)
    summary = only_summary()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/summary/details/?id={summary.id}")
    assert (summary.period, summary.starts_on, summary.ends_on) == ("month", *NOVEMBER)
    assert summary.filed_at is None
    expected = summary_figures(*NOVEMBER)
    assert summary.figures["overall"] == expected["overall"]
    assert summary.figures["agents"] == expected["agents"]


def test_yearly_summary_covers_the_calendar_year(client, auth, supervisor):
    create(auth, "year", "2026-05-05")
    summary = only_summary()
    assert (summary.starts_on, summary.ends_on) == (date(2026, 1, 1), date(2026, 12, 31))
    assert str(summary) == "2026"
    # The label's colon is the language's: 期间：, Period: .
    page = f"/admin/summary/details/?id={summary.id}"
    assert "期间：2026-01-01" in client.get(page).get_data(as_text=True)
    client.get("/lang/en")
    assert "Period: 2026-01-01" in client.get(page).get_data(as_text=True)


def test_a_second_summary_of_the_same_period_is_refused(client, auth, supervisor):
    create(auth)
    response = create(auth, starts_on="2026-11-30")
    assert response.status_code == 200
    assert "2026-11 的月度小结已存在" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Summary)) == 1
    create(auth, "year", "2026-11-01")  # the year is another summary
    assert db.session.scalar(select(func.count()).select_from(Summary)) == 2


def test_a_period_not_begun_is_refused(client, auth, supervisor):
    response = create(auth, starts_on="2027-01-01")
    assert "此期间尚未开始" in response.get_data(as_text=True)
    assert only_summary() is None


@pytest.mark.parametrize("role", ["followup_agent", "service_advisor", "manager"])
def test_only_the_supervisor_and_admin_create_and_file(client, auth, agents, role):
    """Readers of the area see summaries, but only the supervisor (or admin) writes them."""
    summary = add(Summary(period="month", starts_on=NOVEMBER[0], ends_on=NOVEMBER[1],
                          figures=summary_figures(*NOVEMBER)))
    auth.login_as(role)
    assert client.get("/admin/summary/").status_code == 200
    assert client.get(f"/admin/summary/details/?id={summary.id}").status_code == 200
    assert client.get("/admin/summary/new/").status_code == 403
    assert create(auth).status_code == 403
    for button in ("file", "recalculate"):
        response = auth.post(f"/admin/summary/{button}/?id={summary.id}",
                             {"version": summary.version})
        assert response.status_code == 403
    db.session.refresh(summary)
    assert summary.filed_at is None


def test_admin_may_create_and_file(client, auth, agents):
    auth.login_as("admin")
    create(auth)
    summary = only_summary()
    auth.post(f"/admin/summary/file/?id={summary.id}", {"version": summary.version})
    db.session.refresh(summary)
    assert summary.filed_at is not None


def test_filing_records_who_and_when(client, auth, supervisor):
    create(auth)
    summary = only_summary()
    response = auth.post(f"/admin/summary/file/?id={summary.id}", {"version": summary.version})
    assert response.status_code == 302
    db.session.refresh(summary)
    assert summary.filed_by_id == supervisor.id
    assert summary.filed_at == clock.now()
    page = client.get(f"/admin/summary/details/?id={summary.id}").get_data(as_text=True)
    assert "已归档" in page
    assert 'id="summary-file"' not in page
    assert 'id="summary-recalculate"' not in page


def test_the_list_offers_editing_on_drafts_only(client, auth, supervisor):
    create(auth)
    create(auth, starts_on="2026-10-01")
    filed, draft = sorted(db.session.scalars(select(Summary)), key=lambda s: s.starts_on)
    auth.post(f"/admin/summary/file/?id={filed.id}", {"version": filed.version})
    page = client.get("/admin/summary/").get_data(as_text=True)
    edits = re.findall(r'href="/admin/summary/edit/\?[^"]*&amp;id=(\d+)"', page)
    views = re.findall(r'href="/admin/summary/details/\?[^"]*&amp;id=(\d+)"', page)
    assert edits == [str(draft.id)]
    assert sorted(views) == sorted([str(draft.id), str(filed.id)])


def test_a_filed_summary_is_frozen(client, auth, supervisor, agents):
    """Once filed, nothing changes it: not new records, a recount, or an edit."""
    a, b = agents
    november(a, b)
    create(auth)
    summary = only_summary()
    auth.post(f"/admin/summary/file/?id={summary.id}", {"version": summary.version})
    db.session.refresh(summary)
    filed = json.dumps(summary.figures, sort_keys=True)

    letter(a, "reply", date(2026, 11, 15))  # new facts about November
    task(b, date(2026, 11, 16), (nov(16), "yes"))
    response = auth.post(f"/admin/summary/recalculate/?id={summary.id}",
                         {"version": summary.version}, follow_redirects=True)
    assert "此总结已归档，不能再修改" in response.get_data(as_text=True)

    edit = client.get(f"/admin/summary/edit/?id={summary.id}")
    assert edit.status_code == 302
    assert edit.headers["Location"].endswith(f"/admin/summary/details/?id={summary.id}")
    auth.post(f"/admin/summary/edit/?id={summary.id}",
              {"comments": "改写", "version": summary.version})
    auth.post(f"/admin/summary/file/?id={summary.id}", {"version": summary.version})

    db.session.refresh(summary)
    assert json.dumps(summary.figures, sort_keys=True) == filed
    assert summary.comments is None
    assert summary.filed_by_id == supervisor.id


def test_a_draft_is_recounted_and_commented(client, auth, supervisor, agents):
    a, _b = agents
    create(auth)
    summary = only_summary()
    assert summary.figures["overall"]["letters"]["reply"] == 0
    letter(a, "reply", date(2026, 11, 15))
    auth.post(f"/admin/summary/recalculate/?id={summary.id}", {"version": summary.version})
    db.session.refresh(summary)
    assert summary.figures["overall"]["letters"]["reply"] == 1
    assert summary.figures["agents"][str(a.id)]["letters"]["reply"] == 1

    response = auth.post(f"/admin/summary/edit/?id={summary.id}",
                         {"comments": "  回访按时率需提高。\n", "version": summary.version})
    assert response.status_code == 302
    db.session.refresh(summary)
    assert summary.comments == "回访按时率需提高。"
    assert (summary.period, summary.starts_on) == ("month", NOVEMBER[0])


def test_a_button_pressed_on_a_stale_page_changes_nothing(client, auth, supervisor, agents):
    """Filing freezes what the supervisor saw: not figures recounted since."""
    create(auth)
    summary = only_summary()
    seen = summary.version
    letter(agents[0], "notice", date(2026, 11, 15))
    auth.post(f"/admin/summary/recalculate/?id={summary.id}", {"version": seen})
    response = auth.post(f"/admin/summary/file/?id={summary.id}", {"version": seen},
                         follow_redirects=True)
    assert "他人修改" in response.get_data(as_text=True)
    db.session.refresh(summary)
    assert summary.filed_at is None


def test_list_shows_type_period_and_state(client, auth, supervisor):
    create(auth)
    create(auth, "year", "2026-01-01")
    html = client.get("/admin/summary/").get_data(as_text=True)
    for text in ("月度小结", "年度总结", "2026-11", "2026", "草稿"):
        assert text in html, text


def test_details_page_shows_the_figures_in_chinese(client, auth, supervisor, agents):
    november(*agents)
    create(auth)
    html = client.get(f"/admin/summary/details/?id={only_summary().id}").get_data(as_text=True)
    for text in ("月度小结 · 2026-11", "草稿", "客户档案", "跟踪服务电话", "客户要求", "投诉",
                 "信函", "活动", "张敏", "李强", "62.5%", "75.0%", "data:image/svg+xml;base64,"):
        assert text in html, text
    assert html.index("张敏") < html.index("李强")  # numbered in the order they were added


def test_pdf_is_chinese_with_the_font_embedded_and_the_chart(client, auth, supervisor, agents):
    november(*agents)
    create(auth)
    response = client.get(f"/admin/summary/pdf/?id={only_summary().id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    # 月度小结_2026-11.pdf
    assert "filename*=UTF-8''%E6%9C%88%E5%BA%A6%E5%B0%8F%E7%BB%93_2026-11.pdf" in (
        response.headers["Content-Disposition"])
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    for word in ("月度小结", "2026-11", "客户档案", "跟踪服务电话", "客户要求", "投诉",
                 "信函", "活动", "张敏", "李强", "62.5%"):
        assert word in text, word
    fonts = {
        font.get_object()["/BaseFont"]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        if "/FontFile2" in font.get_object().get("/FontDescriptor", {})
    }
    assert fonts, "the CJK font must be embedded"
    # The chart's bars are drawn in its colours (#3366cc: made).
    content = b"".join(page.get_contents().get_data() for page in reader.pages)
    assert b".2 .4 .8 rg" in content
