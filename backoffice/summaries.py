"""The figures of the supervisor's monthly and yearly summaries (DOMAIN.md "Reports").

`summary_figures` counts a period's follow-up work straight from the records, overall
and per agent, in a fixed handful of grouped queries whatever the period's size; the
result is plain JSON, stored on the summary and frozen with it once filed.
"""
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import aliased

from . import clock, followups, rules, settings
from .extensions import db
from .models import Complaint, Event, FollowUpCall, Invitation, Letter, User, Visit

CALL = FollowUpCall
PERIODS = ("month", "year")
CALL_KINDS = ("first", "second")
INBOUND_KINDS = ("inquiry", "complaint")
LETTER_KINDS = ("notice", "invitation", "reply")
SEVERITIES = ("high", "medium", "low")
SATISFACTION = ("satisfied", "neutral", "dissatisfied")
REQUEST_COUNTS = (
    "opened", "resolved", "escalated", "answered_same_day", "answered_late", "closed",
)
UNASSIGNED = "none"  # the agents' key of records nobody is named on


def period_bounds(period: str, starts_on: date) -> tuple[date, date]:
    """The first and last day of the calendar month or year that holds `starts_on`."""
    if period == "month":
        first = starts_on.replace(day=1)
        return first, rules.add_months(first, 1) - timedelta(days=1)
    if period == "year":
        return date(starts_on.year, 1, 1), date(starts_on.year, 12, 31)
    raise ValueError(f"unknown period {period!r}")


def _share(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`, to one decimal; None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


def _blank() -> dict:
    """The counts kept for the whole team and for each agent."""
    return {
        "archives": {"built": 0, "on_time": 0},
        "calls": {
            kind: {"due": 0, "made": 0, "on_time": 0, "reached": 0} for kind in CALL_KINDS
        },
        "inbound": dict.fromkeys(INBOUND_KINDS, 0),
        "requests": dict.fromkeys(REQUEST_COUNTS, 0),
        "complaints": {
            "opened": 0, "closed": 0,
            "severity": dict.fromkeys(SEVERITIES, 0),
            "satisfaction": dict.fromkeys(SATISFACTION, 0),
        },
        "letters": dict.fromkeys(LETTER_KINDS, 0),
    }


class _Tally:
    """Counts added once for the team and once for the agent they belong to."""

    def __init__(self):
        self.overall = _blank()
        self.agents: dict[str, dict] = {}

    def add(self, agent_id: int | None, *path: str, n: int = 1) -> None:
        key = str(agent_id) if agent_id is not None else UNASSIGNED
        for block in (self.overall, self.agents.setdefault(key, _blank())):
            *parents, name = path
            for parent in parents:
                block = block[parent]
            block[name] += n


def _on(condition):
    """SQL: 1 when `condition` holds, else 0 (summed into a count)."""
    return case((condition, 1), else_=0)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.local_tz())


# -- the figures, one grouped query each ----------------------------------------------------

def _archives(tally: _Tally, starts_on: date, ends_on: date) -> None:
    rows = db.session.execute(
        select(
            Visit.archived_by_id, func.count(),
            func.sum(_on(Visit.archived_on <= Visit.archive_due_on)),
        )
        .where(Visit.archived_on.between(starts_on, ends_on))
        .group_by(Visit.archived_by_id)
    )
    for agent_id, built, on_time in rows:
        tally.add(agent_id, "archives", "built", n=built)
        tally.add(agent_id, "archives", "on_time", n=on_time)


def _not_archived(starts_on: date, ends_on: date) -> int:
    """Visits of the period whose archive is still not built (nobody's yet: team only)."""
    return db.session.scalar(
        select(func.count()).select_from(Visit).where(
            Visit.visited_at >= _day_start(starts_on),
            Visit.visited_at < _day_start(ends_on + timedelta(days=1)),
            Visit.archived_at.is_(None),
        )
    )


def _calls(tally: _Tally, starts_on: date, ends_on: date) -> None:
    """First and second calls due in the period, each counted once with its retries.

    A task is its attempt-1 row; each retry points to the attempt before it. The
    chains are walked by a recursive query, so a retry counts even when it was
    moved out of the period, and tasks are counted in SQL, not fetched.
    """
    task = (
        select(CALL.id, CALL.id.label("task_id"), CALL.kind, CALL.agent_id, CALL.due_by)
        .where(
            CALL.direction == "out", CALL.kind.in_(CALL_KINDS), CALL.attempt == 1,
            CALL.due_by.between(starts_on, ends_on),
        )
        .cte("chain", recursive=True)
    )
    retry = aliased(CALL)
    chain = task.union_all(
        select(retry.id, task.c.task_id, task.c.kind, task.c.agent_id, task.c.due_by).where(
            retry.previous_call_id == task.c.id, retry.attempt > 1, retry.kind == task.c.kind
        )
    )
    made = CALL.status == "made"
    tasks = (
        select(
            chain.c.kind, chain.c.agent_id, chain.c.due_by,
            func.max(_on(made)).label("made"),
            func.min(case((made, CALL.called_on))).label("first_made_on"),
            func.max(_on(and_(made, CALL.reached == "yes"))).label("reached"),
        )
        .select_from(chain)
        .join(CALL, CALL.id == chain.c.id)
        .group_by(chain.c.task_id, chain.c.kind, chain.c.agent_id, chain.c.due_by)
        .subquery()
    )
    rows = db.session.execute(
        select(
            tasks.c.kind, tasks.c.agent_id, func.count(), func.sum(tasks.c.made),
            func.sum(_on(tasks.c.first_made_on <= tasks.c.due_by)), func.sum(tasks.c.reached),
        ).group_by(tasks.c.kind, tasks.c.agent_id)
    )
    for kind, agent_id, due, made_count, on_time, reached in rows:
        for name, n in (("due", due), ("made", made_count), ("on_time", on_time),
                        ("reached", reached)):
            tally.add(agent_id, "calls", kind, name, n=n)


def _inbound(tally: _Tally, starts_on: date, ends_on: date) -> None:
    rows = db.session.execute(
        select(CALL.kind, CALL.agent_id, func.count())
        .where(
            CALL.direction == "in", CALL.kind.in_(INBOUND_KINDS),
            CALL.called_on.between(starts_on, ends_on),
        )
        .group_by(CALL.kind, CALL.agent_id)
    )
    for kind, agent_id, n in rows:
        tally.add(agent_id, "inbound", kind, n=n)


def _items(tally: _Tally, starts_on: date, ends_on: date, today: date) -> None:
    """Requests and complaints opened in the period, and how they ended.

    Their times are compared as local days, which SQL cannot do portably: the
    period's items (a few per day) are read and counted here.
    """
    rows = db.session.execute(
        select(
            Complaint.kind, Complaint.owner_id, Complaint.opened_on, Complaint.severity,
            Complaint.satisfaction, Complaint.resolved_at, Complaint.answered_at,
            Complaint.closed_at,
        ).where(Complaint.opened_on.between(starts_on, ends_on))
    )
    current = settings.current()
    for item in rows:
        owner = item.owner_id
        if item.kind == "request":
            tally.add(owner, "requests", "opened")
            # Escalated (DOMAIN.md: reported within 2 days): no solution, nor closed,
            # by the day after the escalation day.
            ended = item.resolved_at or item.closed_at
            ended_on = clock.local_date(ended) if ended else today
            if ended_on > rules.escalation_due(item.opened_on, current):
                tally.add(owner, "requests", "escalated")
            if item.resolved_at:
                tally.add(owner, "requests", "resolved")
                if item.answered_at and (
                    clock.local_date(item.answered_at) == clock.local_date(item.resolved_at)
                ):
                    tally.add(owner, "requests", "answered_same_day")
            if followups.answer_late(item, today):
                tally.add(owner, "requests", "answered_late")
            if item.closed_at:
                tally.add(owner, "requests", "closed")
        elif item.kind == "complaint":
            tally.add(owner, "complaints", "opened")
            if item.severity in SEVERITIES:
                tally.add(owner, "complaints", "severity", item.severity)
            if item.closed_at:
                tally.add(owner, "complaints", "closed")
                if item.satisfaction in SATISFACTION:
                    tally.add(owner, "complaints", "satisfaction", item.satisfaction)


def _letters(tally: _Tally, starts_on: date, ends_on: date) -> None:
    rows = db.session.execute(
        select(Letter.kind, Letter.sender_id, func.count())
        .where(Letter.kind.in_(LETTER_KINDS), Letter.sent_on.between(starts_on, ends_on))
        .group_by(Letter.kind, Letter.sender_id)
    )
    for kind, sender_id, n in rows:
        tally.add(sender_id, "letters", kind, n=n)


def _events(starts_on: date, ends_on: date) -> dict:
    """Events held in the period, their invitations and the notice calls made for them."""
    in_period = Event.event_on.between(starts_on, ends_on)
    held, invitations = db.session.execute(
        select(func.count(distinct(Event.id)), func.count(Invitation.id))
        .select_from(Event).outerjoin(Invitation).where(in_period)
    ).one()
    invited = select(Invitation.id).join(Event).where(in_period)
    calls, reached = db.session.execute(
        select(
            func.count(),
            func.count(distinct(case((CALL.reached == "yes", CALL.invitation_id)))),
        ).where(CALL.kind == "notice", CALL.status == "made", CALL.invitation_id.in_(invited))
    ).one()
    return {
        "held": held, "invitations": invitations,
        "notice_calls_made": calls, "customers_reached": reached,
    }


def _names(keys) -> dict[str, str]:
    """Display names by id, the departed (soft-deleted) agents' too."""
    ids = [int(key) for key in keys if key != UNASSIGNED]
    rows = db.session.execute(
        select(User.id, User.display_name, User.username)
        .where(User.id.in_(ids))
        .execution_options(include_deleted=True)
    )
    return {str(id_): display or username for id_, display, username in rows}


def _with_shares(block: dict) -> dict:
    archives = block["archives"]
    archives["on_time_share"] = _share(archives["on_time"], archives["built"])
    for calls in block["calls"].values():
        calls["on_time_share"] = _share(calls["on_time"], calls["due"])
    return block


def summary_figures(starts_on: date, ends_on: date) -> dict:
    """The period's figures (both days included), for the team and per agent.

    {"starts_on", "ends_on", "computed_at", "overall": {...}, "agents": {id: {"name",
    ...}}}: archives, calls (first, second), inbound, requests, complaints and letters
    for both; events and the visits still without an archive for the team only.
    """
    today = clock.today()
    tally = _Tally()
    _archives(tally, starts_on, ends_on)
    _calls(tally, starts_on, ends_on)
    _inbound(tally, starts_on, ends_on)
    _items(tally, starts_on, ends_on, today)
    _letters(tally, starts_on, ends_on)
    overall = _with_shares(tally.overall)
    overall["archives"]["not_archived"] = _not_archived(starts_on, ends_on)
    overall["events"] = _events(starts_on, ends_on)
    names = _names(tally.agents)
    return {
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        "computed_at": clock.now().isoformat(timespec="seconds"),
        "overall": overall,
        "agents": {
            key: {"name": names.get(key), **_with_shares(block)}
            for key, block in tally.agents.items()
        },
    }
