"""The follow-up service's clock (DOMAIN.md "Follow-up calls", "Events", "Complaints").

What happens when: a completed visit plans its first call, a first call made plans
the second, a call not reached plans a retry in the same window, a notice call made
plans the event's letter, an unanswered request or a dissatisfied customer opens an
item, a missed appointment plans a call to the customer. Screens, the CLI and the
demo data all go through these functions.
"""
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from . import clock, rules, settings
from .extensions import db
from .models import Complaint, FollowUpCall, Invitation, Letter, Substitution, User, Visit

CALL = FollowUpCall


# -- who makes the call ---------------------------------------------------------------------

def _active_agents():
    return select(User).where(User.role == "followup_agent", User.active)


def choose_agent(customer, avoid: User | None = None) -> User | None:
    """The customer's own agent, else the agent with the fewest open calls; never
    `avoid` (the advisor who served the visit does not follow it up)."""
    agent = customer.agent
    if agent and agent.is_active and agent.role == "followup_agent" and agent != avoid:
        return agent
    open_calls = (
        select(func.count()).where(CALL.agent_id == User.id, CALL.status == "planned")
        .scalar_subquery()
    )
    query = _active_agents().order_by(open_calls, User.id)
    if avoid is not None:
        query = query.where(User.id != avoid.id)
    return db.session.scalars(query.limit(1)).first()


def substitutes_today(today: date):
    """Substitutions in force today."""
    return select(Substitution).where(
        Substitution.starts_on <= today, Substitution.ends_on >= today
    )


def handled_by(agent_id: int, today: date):
    """SQL: the open calls that are this agent's today (their own, unless they are away,
    and those of the agents they stand in for). The agents are read first, so that the
    calls are found through the agent's index in id order: as an OR of subqueries
    SQLite walked the whole call table for a page of an agent's calls (1.5 s)."""
    substitutions = db.session.execute(
        substitutes_today(today)
        .where(or_(Substitution.absent_agent_id == agent_id,
                   Substitution.substitute_id == agent_id))
        .with_only_columns(Substitution.absent_agent_id, Substitution.substitute_id)
    ).all()
    agents = {absent for absent, _substitute in substitutions if absent != agent_id}
    if all(absent != agent_id for absent, _substitute in substitutions):
        agents.add(agent_id)  # not away today
    return CALL.agent_id.in_(sorted(agents))


def acting_agent(call: FollowUpCall, today: date) -> User | None:
    """Who makes this call today: its agent, or their substitute while they are away."""
    if call.agent_id is None:
        return call.agent
    stand_in = db.session.scalars(
        substitutes_today(today).where(Substitution.absent_agent_id == call.agent_id)
    ).first()
    return stand_in.substitute if stand_in else call.agent


# -- planning -------------------------------------------------------------------------------

def plan_first_call(visit: Visit) -> FollowUpCall | None:
    """The first call after a completed visit, once (the second comes from the first);
    returns it when new. A visit completed at another time moves the window of its
    first call while that call is still planned."""
    if visit.completed_at is None:
        return None
    due_from, due_by = rules.first_call_window(
        clock.local_date(visit.completed_at), settings.current()
    )
    first = visit.id and db.session.scalars(
        select(CALL).where(CALL.visit_id == visit.id, CALL.kind == "first").limit(1)
    ).first()
    if first:
        if first.status == "planned":
            first.due_from, first.due_by = due_from, due_by
        return None
    call = FollowUpCall(
        customer=visit.customer, vehicle=visit.vehicle, visit=visit, kind="first",
        due_from=due_from, due_by=due_by,
        agent=choose_agent(visit.customer, avoid=visit.advisor),
    )
    db.session.add(call)
    return call


def plan_notice_call(invitation: Invitation, today: date) -> FollowUpCall:
    """The phone notice of an event, due two weeks before it (a week's window); today
    when that day is past (the invitation came late)."""
    due_by = max(rules.event_notice_due(invitation.event.event_on, settings.current()), today)
    call = FollowUpCall(
        customer=invitation.customer, invitation=invitation, kind="notice",
        due_from=min(max(today, due_by - timedelta(days=7)), due_by), due_by=due_by,
        agent=choose_agent(invitation.customer),
    )
    db.session.add(call)
    return call


def after_call(call: FollowUpCall) -> list:
    """What a call just recorded sets in motion; returns the records it created."""
    made_on = call.made_on
    created = []
    if call.reached == "yes":
        if call.kind == "first":
            created.append(_plan_second_call(call, made_on))
        elif call.kind == "notice" and call.invitation and call.invitation.event.send_letters:
            created.append(_plan_event_letter(call, made_on))
    elif call.direction == "out" and call.kind in ("first", "second", "notice", "no_show"):
        retry = _plan_retry(call, made_on)
        if retry:
            created.append(retry)
    created += open_items(call)
    return [record for record in created if record is not None]


def open_items(call: FollowUpCall) -> list[Complaint]:
    """The request to answer and the complaint a call's record calls for, each opened
    once: a record corrected later opens what it did not open before."""
    wanted = {}
    if call.answered is False and (call.follow_up_item or call.requests):
        wanted["request"] = call.follow_up_item or call.requests
    if call.kind == "complaint" or call.satisfaction == "dissatisfied":
        wanted["complaint"] = call.requests or call.key_points or call.follow_up_item or ""
    opened = set(db.session.scalars(
        select(Complaint.kind).where(Complaint.call_id == call.id)
        .execution_options(include_deleted=True)  # one deleted stays deleted
    )) if call.id and wanted else set()
    return [open_item(call, kind, summary) for kind, summary in wanted.items()
            if kind not in opened]


def _plan_second_call(first: FollowUpCall, made_on: date) -> FollowUpCall | None:
    chain = [first.id] if first.id else []
    if chain and db.session.scalar(
        select(CALL.id).where(CALL.previous_call_id.in_(chain), CALL.kind == "second")
    ):
        return None
    due_from, due_by = rules.second_call_window(made_on, settings.current())
    call = FollowUpCall(
        customer=first.customer, vehicle=first.vehicle, visit=first.visit, kind="second",
        due_from=due_from, due_by=due_by, agent=first.agent, previous_call=first,
    )
    db.session.add(call)
    return call


def _retry_window(call: FollowUpCall, made_on: date) -> tuple[date, date]:
    """A retry's window: from the day after the attempt, to the end of the call's; past
    that end, due at once (and late)."""
    due_by = call.due_by or made_on
    return min(max(made_on + timedelta(days=1), call.due_from or made_on), due_by), due_by


def _plan_retry(call: FollowUpCall, made_on: date) -> FollowUpCall | None:
    """Another attempt in the same window, while attempts remain; none once the window
    is over (a late call is already visible as late)."""
    if call.attempt >= rules.setting(settings.current(), "call_attempts"):
        return None
    due_from, due_by = _retry_window(call, made_on)
    retry = FollowUpCall(
        customer=call.customer, vehicle=call.vehicle, visit=call.visit,
        invitation=call.invitation, kind=call.kind, direction="out",
        attempt=call.attempt + 1, previous_call=call, agent=call.agent,
        due_from=due_from, due_by=due_by,
    )
    db.session.add(retry)
    return retry


def replan_after(call: FollowUpCall) -> list[FollowUpCall]:
    """A made call's time corrected: the calls it planned (the second call, a retry)
    move with it while they are still planned, and so does the date its event letter is
    due while unsent. Returns the calls moved."""
    made_on = call.made_on
    moved = []
    followers = db.session.scalars(
        select(CALL).where(CALL.previous_call_id == call.id, CALL.status == "planned")
    )
    for follower in followers:
        window = (rules.second_call_window(made_on, settings.current())
                  if follower.kind == "second" else _retry_window(call, made_on))
        if (follower.due_from, follower.due_by) != window:
            follower.due_from, follower.due_by = window
            moved.append(follower)
    for letter in db.session.scalars(
        select(Letter).where(Letter.call_id == call.id, Letter.sent_on.is_(None))
    ):
        letter.due_on = rules.letter_due(made_on, settings.current())
    return moved


def _plan_event_letter(call: FollowUpCall, made_on: date) -> Letter:
    event = call.invitation.event
    letter = Letter(
        customer=call.customer, kind="invitation", subject=event.name,
        body=event.content, channel=call.customer.preferred_channel
        if call.customer.preferred_channel in ("post", "email", "sms", "wechat") else "post",
        due_on=rules.letter_due(made_on, settings.current()), sender=call.agent,
        invitation=call.invitation, call=call,
    )
    db.session.add(letter)
    return letter


def plan_no_show_call(appointment, marked_on: date) -> FollowUpCall:
    """A missed appointment: the customer's agent phones to learn why and to rebook."""
    due_from, due_by = rules.no_show_call_window(marked_on, settings.current())
    call = FollowUpCall(
        customer=appointment.customer, vehicle=appointment.vehicle, kind="no_show",
        due_from=due_from, due_by=due_by, agent=choose_agent(appointment.customer),
    )
    db.session.add(call)
    return call


def open_item(call: FollowUpCall, kind: str, summary: str) -> Complaint:
    """A request to answer later, or a complaint, opened from a call."""
    return new_item(kind, call.customer, call.vehicle, summary, call.requests, call.agent,
                    call.made_on or clock.today(), call=call)


def new_item(kind: str, customer, vehicle, summary: str, details: str | None,
             owner: User | None, opened_on: date, call: FollowUpCall | None = None
             ) -> Complaint:
    """A complaint or a request to answer, with its deadline (from a call, or from
    elsewhere: parts the customer rejected)."""
    severity = "medium"
    item = Complaint(
        kind=kind, customer=customer, vehicle=vehicle, call=call,
        summary=(summary or "").strip()[:200] or "-", details=details, severity=severity,
        owner=owner, opened_on=opened_on, due_on=item_due(kind, opened_on, severity),
    )
    db.session.add(item)
    return item


def item_due(kind: str, opened_on: date, severity: str) -> date:
    """An item's automatic deadline: a complaint's from its risk level, a request's the
    day it is reported to the supervisor."""
    if kind == "complaint":
        return rules.complaint_due(opened_on, severity, settings.current())
    return rules.escalation_due(opened_on, settings.current())


# -- states ---------------------------------------------------------------------------------

CALL_STATES = ("upcoming", "due", "late", "made_on_time", "made_late", "closed")


def call_state(call: FollowUpCall, today: date) -> str:
    if call.status == "closed":
        return "closed"
    if call.status == "made":
        on_time = call.due_by is None or call.made_on <= call.due_by
        return "made_on_time" if on_time else "made_late"
    if call.due_by is not None and today > call.due_by:
        return "late"
    if call.due_from is not None and today < call.due_from:
        return "upcoming"
    return "due"


_PLANNED = CALL.status == "planned"
# A made call has its time (said, so that the made calls' index by call time is read:
# models.FollowUpCall).
_MADE = and_(CALL.status == "made", CALL.called_at.is_not(None))
# Each state's SQL condition, made for the day asked (only the one asked: a list page
# asks on every request).
_STATE_CLAUSES = {
    "upcoming": lambda today: and_(_PLANNED, CALL.due_from > today),
    # A missing end of the window is no end: coalesce, not "IS NULL OR", which
    # PostgreSQL took for a bitmap of two indexes estimated at a few dozen rows
    # (planned calls are the ones due ahead: the two conditions go together), then
    # read and sorted thousands (16 ms, not 0.1).
    "due": lambda today: and_(_PLANNED, func.coalesce(CALL.due_from, today) <= today,
                              func.coalesce(CALL.due_by, today) >= today),
    "late": lambda today: and_(_PLANNED, CALL.due_by < today),
    "made_on_time": lambda today: and_(
        _MADE, or_(CALL.due_by.is_(None), CALL.called_on <= CALL.due_by)
    ),
    "made_late": lambda today: and_(_MADE, CALL.called_on > CALL.due_by),
    "closed": lambda today: CALL.status == "closed",
}


def call_state_clause(state: str, today: date):
    return _STATE_CLAUSES[state](today)


ITEM_STATES = ("open", "escalated", "solved", "answered_late", "closed")


def escalated_clause(today: date):
    """SQL: requests still without a solution after the escalation period."""
    days = rules.setting(settings.current(), "escalation_days")
    return and_(
        Complaint.kind == "request", Complaint.resolved_at.is_(None),
        Complaint.closed_at.is_(None), Complaint.opened_on < today - timedelta(days=days),
    )


def is_escalated(item: Complaint, today: date) -> bool:
    return (
        item.kind == "request" and item.resolved_at is None and item.closed_at is None
        and today > rules.escalation_due(item.opened_on, settings.current())
    )


def answer_late(item: Complaint, today: date) -> bool:
    """A solution found must reach the customer the same day."""
    if item.kind != "request" or item.resolved_at is None:
        return False
    solved_on = clock.local_date(item.resolved_at)
    answered_on = clock.local_date(item.answered_at) if item.answered_at else today
    return answered_on > solved_on


def complaint_stage(item: Complaint) -> str:
    """Where a complaint or request stands: received, analysed, resolved, tracked, closed."""
    if item.closed_at:
        return "closed"
    if item.kind == "request":
        return "resolved" if item.resolved_at else "received"
    for stage, done in (("tracked", item.tracked_at), ("resolved", item.resolved_at),
                        ("analysed", item.analysed_at)):
        if done:
            return stage
    return "received"


def age_days(item: Complaint, today: date) -> int:
    end = clock.local_date(item.closed_at) if item.closed_at else today
    return (end - item.opened_on).days
