"""Follow-up service (跟踪服务): calls and their queues, complaints, letters, events.

The clock itself (what is due when, what a call sets in motion) is in followups.py;
these screens record, list and move the work.
"""
from datetime import timedelta

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import filters
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import and_, func, inspect, or_, select
from sqlalchemy.orm import joinedload, selectinload, undefer
from wtforms import BooleanField, SelectMultipleField, validators, widgets
from wtforms.validators import ValidationError

from .. import clock, followups, rules, settings
from ..auth import current_role
from ..extensions import db
from ..formatting import format_datetime, listing, mask_mobile
from ..models import (
    CALL_KINDS,
    CALL_RESULTS,
    TALKING_POINTS,
    Complaint,
    Customer,
    Event,
    FollowUpCall,
    Invitation,
    Letter,
    LetterTemplate,
    Substitution,
    User,
)
from ..pdf import pdf_response, render_pdf
from ..permissions import sees_contact_details
from ..rules import check_labels
from ..security import safe_next_url
from .archives import (
    CHANNEL_LABELS,
    VISIT_KIND_LABELS,
    CustomerAdmin,
    customer_picker,
    customer_search,
    vehicle_label,
    vehicle_picker,
)
from .base import FreshFilterOptions, SecureBaseView, SecureModelView, screen
from .common import (
    OptionFilter,
    agent_options,
    badge,
    fresh_options,
    label,
    row_link,
    users_with_role,
)
from .home import DueItem, due_items

CALL_KIND_LABELS = {
    "first": _l("First follow-up call"), "second": _l("Second follow-up call"),
    "notice": _l("Event notice"), "inquiry": _l("Inquiry"), "complaint": _l("Complaint call"),
    "no_show": _l("Missed appointment call"),
}
DIRECTION_LABELS = {"out": _l("Outgoing"), "in": _l("Incoming")}
REACHED_LABELS = {
    "yes": _l("Reached"), "no_answer": _l("No answer"), "refused": _l("Refused to talk"),
    "wrong_number": _l("Wrong number"),
}
TOPIC_LABELS = {
    "car_and_service": _l("How the car is doing; opinion of our service"),
    "new_needs": _l("New service needs"),
    "car_care": _l("Car-care knowledge and cautions"),
    "new_services": _l("Our new services"),
    "events": _l("Upcoming events (content, date, place)"),
    "questions": _l("Questions"),
    "visit": _l("A visit to the customer"),
}
SATISFACTION_LABELS = {
    "satisfied": _l("Satisfied"), "neutral": _l("Neutral"), "dissatisfied": _l("Dissatisfied"),
}
CALL_STATE_LABELS = {
    "upcoming": _l("Upcoming"), "due": _l("Due"), "late": _l("Late"),
    "made_on_time": _l("Made on time"), "made_late": _l("Made late"), "closed": _l("Closed"),
}
# A call's status as stored (its state above is worked out from it and the dates).
CALL_STATUS_LABELS = {"planned": _l("Planned"), "made": _l("Made"), "closed": _l("Closed")}
_CALL_STATE_BADGES = {
    "upcoming": "light", "due": "info", "late": "danger", "made_on_time": "success",
    "made_late": "secondary", "closed": "dark",
}
ITEM_KIND_LABELS = {"request": _l("Request to answer"), "complaint": _l("Complaint")}
SEVERITY_LABELS = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
STAGE_LABELS = {
    "received": _l("Received"), "analysed": _l("Cause analysed"), "resolved": _l("Resolved"),
    "tracked": _l("Tracked"), "closed": _l("Closed with feedback"),
}
LETTER_KIND_LABELS = {"notice": _l("Notice"), "invitation": _l("Invitation"), "reply": _l("Reply")}
LETTER_CHANNELS = {key: CHANNEL_LABELS[key] for key in ("post", "email", "sms", "wechat")}
EVENT_KIND_LABELS = {
    "gathering": _l("Customer gathering"), "promotion": _l("Promotion"),
    "free_inspection": _l("Free inspection"),
}
check_labels(CALL_KIND_LABELS, CALL_KINDS)
check_labels(REACHED_LABELS, CALL_RESULTS)
check_labels(TOPIC_LABELS, TALKING_POINTS)
SUPERVISORS = frozenset({"supervisor", "admin"})


def _user_name(attribute: str):
    def formatter(view, context, model, name):
        user = getattr(model, attribute)
        return user.display_name if user else ""

    return formatter


def _customer_link(view, context, model, name):
    return row_link("customer.archive_view", model.customer.name, id=model.customer_id)


def phone_link(number: str) -> str:
    """A number to tap and call; masked, and no link, for roles that do not see it."""
    if not sees_contact_details(current_role()):
        return mask_mobile(number)
    return Markup('<a href="tel:{0}">{0}</a>').format(number)


def customers_rows(customer_id):
    """A list's search_clause: the rows of the customers the search finds (indexed)."""
    def search_clause(view, text: str):
        clause = customer_search(text)
        return None if clause is None else customer_id.in_(select(Customer.id).where(clause))

    return search_clause


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (big enough to tap), stored as a list."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# -- calls -----------------------------------------------------------------------------------

def _call_state_formatter(view, context, model, name):
    state = followups.call_state(model, clock.today())
    return badge(_CALL_STATE_BADGES[state], CALL_STATE_LABELS[state])


def _call_state_text(view, context, model, name):
    return label(CALL_STATE_LABELS[followups.call_state(model, clock.today())])


def _topics_formatter(view, context, model, name):
    return listing(label(TOPIC_LABELS.get(t, t)) for t in model.topics or [])


CALL_STATE_FILTER = OptionFilter(
    FollowUpCall.status, _l("State"), CALL_STATE_LABELS,
    lambda state: followups.call_state_clause(state, clock.today()),
)
CALL_AGENT_FILTER = OptionFilter(
    FollowUpCall.agent_id, _l("Handled by"), agent_options,
    lambda agent: followups.handled_by(int(agent), clock.today()),
)
CALL_KIND_FILTER = filters.FilterEqual(
    FollowUpCall.kind, _l("Call type"), options=list(CALL_KIND_LABELS.items())
)


def _check_call_time(call: FollowUpCall) -> None:
    """A call is recorded once made: not ahead of now, nor before the visit it follows."""
    called_at = clock.aware(call.called_at)
    if called_at > clock.now():
        raise ValidationError(_("The call time cannot be in the future."))
    visit_ended = call.visit and (call.visit.completed_at or call.visit.visited_at)
    if visit_ended and called_at < clock.aware(visit_ended):
        raise ValidationError(_("The call time cannot be before the visit it follows "
                                "(%(moment)s).", moment=format_datetime(visit_ended)))


RECORD_COLUMNS = (
    "called_at", "reached", "topics", "key_points", "requests", "satisfaction",
    "answered", "answer", "follow_up_item", "close_reason",
)


class FollowUpCallAdmin(FreshFilterOptions, SecureModelView):
    """The call register (电话登记表); a call's page is its record (电话记录表)."""

    area = "followups"
    column_list = (
        "due_by", "customer", "vehicle", "kind", "direction", "attempt", "agent", "state",
        "called_at", "reached",
    )
    column_details_list = (
        "customer", "vehicle", "kind", "direction", "attempt", "due_from", "due_by", "agent",
        "state", "called_at", "reached", "topics", "key_points", "requests", "satisfaction",
        "answered", "answer", "follow_up_item", "close_reason", "visit",
    )
    column_export_list = column_details_list
    column_searchable_list = ("customer.name", "customer.mobile", "vehicle.plate_number")
    column_sortable_list = ("due_by", "called_at")
    column_default_sort = ("id", True)
    column_labels = {
        "customer": _l("Customer"), "vehicle": _l("Vehicle"), "visit": _l("Visit"),
        "customer.name": _l("Customer name"), "customer.mobile": _l("Mobile"),
        "vehicle.plate_number": _l("Plate number"),
        "kind": _l("Call type"), "direction": _l("Direction"), "attempt": _l("Attempt"),
        "due_from": _l("Due from"), "due_by": _l("Due by"), "agent": _l("Agent"),
        "state": _l("State"), "called_at": _l("Called at"), "called_on": _l("Called on"),
        "reached": _l("Result"), "topics": _l("Topics discussed"),
        "key_points": _l("Key points"),
        "requests": _l("The customer's requests, wishes and complaints"),
        "satisfaction": _l("Opinion of our service"),
        "answered": _l("Answered on the call"), "answer": _l("The answer"),
        "follow_up_item": _l("To follow up (when not answered)"),
        "close_reason": _l("Not made: reason for closing"),
        "status": _l("Status"), "previous_call": _l("Previous attempt"),
    }
    column_choices = {
        "kind": list(CALL_KIND_LABELS.items()), "direction": list(DIRECTION_LABELS.items()),
        "reached": list(REACHED_LABELS.items()),
        "satisfaction": list(SATISFACTION_LABELS.items()),
    }
    column_formatters = {
        "state": _call_state_formatter,
        "customer": _customer_link,
        "agent": _user_name("agent"),
        "topics": _topics_formatter,
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {
        "state": _call_state_text,
        "customer": lambda v, c, m, n: m.customer.name,
        "agent": _user_name("agent"),
        "topics": _topics_formatter,
    }
    column_filters = (
        CALL_STATE_FILTER, CALL_AGENT_FILTER, CALL_KIND_FILTER,
        filters.FilterEqual(
            FollowUpCall.direction, _l("Direction"), options=list(DIRECTION_LABELS.items())
        ),
        filters.FilterEqual(
            FollowUpCall.reached, _l("Result"), options=list(REACHED_LABELS.items())
        ),
        filters.DateBetweenFilter(FollowUpCall.due_by, _l("Due by")),
        filters.DateBetweenFilter(FollowUpCall.called_on, _l("Called on")),
    )
    details_template = "followups/call_details.html"
    edit_template = "followups/call_edit.html"
    # Creating is recording an incoming (or unplanned) call; editing a planned call
    # is recording it.
    form_columns = ("customer", "vehicle", "kind", "direction", *RECORD_COLUMNS)
    form_choices = {
        "kind": list(CALL_KIND_LABELS.items()), "direction": list(DIRECTION_LABELS.items()),
        "reached": list(REACHED_LABELS.items()),
        "satisfaction": list(SATISFACTION_LABELS.items()),
    }
    form_overrides = {"topics": MultiCheckboxField}
    form_args = {
        "customer": {"validators": [validators.InputRequired()]},
        "kind": {"default": "inquiry"},
        "direction": {"default": "in"},
        "called_at": {"default": clock.now},
        "topics": {"choices": list(TOPIC_LABELS.items())},
        "answered": {"default": True},
    }
    form_widget_args = {
        "key_points": {"rows": 3}, "requests": {"rows": 3}, "answer": {"rows": 2},
        "follow_up_item": {"rows": 2},
    }
    form_ajax_refs = {
        "customer": customer_picker(), "vehicle": vehicle_picker(),
    }

    search_clause = customers_rows(FollowUpCall.customer_id)

    def get_edit_form(self):
        """Recording a planned call: who, why and when are set; how it went is asked."""
        columns, self.form_columns = self.form_columns, RECORD_COLUMNS
        try:
            return self.scaffold_form()
        finally:
            self.form_columns = columns

    def render(self, template, **kwargs):
        if template == self.edit_template:  # whom to call, and why, above the form
            call = kwargs["model"]
            numbers = (call.customer.mobile, call.customer.other_phone)
            kwargs.update(
                phones=[phone_link(n) for n in numbers if n], kinds=CALL_KIND_LABELS,
                vehicle=vehicle_label(call.vehicle) if call.vehicle else "",
                visit_kinds=VISIT_KIND_LABELS,
            )
        return super().render(template, **kwargs)

    def on_form_prefill(self, form, id) -> None:
        call = db.session.get(FollowUpCall, id)
        if call.status == "planned" and request.method == "GET":
            form.answered.data = True  # tick it off only when something stays unanswered
            form.called_at.data = clock.now().replace(second=0, microsecond=0)

    def on_model_change(self, form, model, is_created) -> None:
        with db.session.no_autoflush:
            self._record(model, is_created)

    def _record(self, call: FollowUpCall, is_created: bool) -> None:
        was_made = not is_created and db.session.scalar(
            select(FollowUpCall.status).where(FollowUpCall.id == call.id)
        ) == "made"
        if call.close_reason:
            if was_made or call.reached:
                raise ValidationError(_("A call that was made cannot be closed."))
            call.status = "closed"
            return
        if not call.reached:
            raise ValidationError(
                _("Record how the call went (its result), or close it with a reason.")
            )
        call.called_at = call.called_at or clock.now()
        _check_call_time(call)
        if is_created and call.vehicle is None and len(call.customer.vehicles) == 1:
            call.vehicle = call.customer.vehicles[0]
        if current_role() == "followup_agent":
            call.agent = current_user._get_current_object()  # who made it
        if was_made:  # a correction: what the call planned follows its time
            called_at = inspect(call).attrs.called_at.history
            records = followups.replan_after(call) if called_at.has_changes() else []
            records += followups.open_items(call)
        else:
            call.status = "made"
            records = followups.after_call(call)
        for record in records:
            if isinstance(record, FollowUpCall) and record.kind == "second":
                flash(_("The second call is planned for %(start)s to %(end)s.",
                        start=record.due_from, end=record.due_by), "info")
            elif isinstance(record, Complaint):
                flash(_("Opened: %(kind)s “%(summary)s”.", kind=ITEM_KIND_LABELS[record.kind],
                        summary=record.summary), "info")

    def get_save_return_url(self, model, is_created=False):
        return request.args.get("url") or self.get_url(".details_view", id=model.id)

    @expose("/pdf/")
    def record_pdf_view(self):
        call = db.session.get(FollowUpCall, request.args.get("id", type=int) or 0)
        if call is None:
            abort(404)
        data = render_pdf(
            "pdf/call.html", call=call, kinds=CALL_KIND_LABELS, directions=DIRECTION_LABELS,
            results=REACHED_LABELS, topics=TOPIC_LABELS, satisfaction=SATISFACTION_LABELS,
            agent=call.agent, printed_on=clock.today(),
        )
        return pdf_response(data, _("Call record") + f"_{call.id}.pdf")

    # -- reassigning ------------------------------------------------------------------
    @action("reassign", _l("Reassign to another agent"))
    def action_reassign(self, ids):
        return redirect(self.get_url(".reassign_view", ids=",".join(ids)))

    def is_action_allowed(self, name: str) -> bool:
        if name == "reassign":
            return self.may("W") and current_role() in SUPERVISORS
        return super().is_action_allowed(name)

    @expose("/reassign/", methods=("GET", "POST"))
    def reassign_view(self):
        if not self.is_action_allowed("reassign"):
            abort(403)
        ids = [int(i) for i in request.values.get("ids", "").split(",") if i.isdigit()]
        calls = db.session.scalars(
            select(FollowUpCall).where(FollowUpCall.id.in_(ids), FollowUpCall.status == "planned")
        ).all()
        back = safe_next_url(request.values.get("url"), url_for("queue.index"))
        if not calls:
            flash(_("No planned calls were selected: nothing was reassigned."), "warning")
            return redirect(back)
        agents = users_with_role("followup_agent").all()
        if request.method == "POST":
            agent = db.session.get(User, request.form.get("agent", type=int) or 0)
            if agent is None or agent not in agents:
                flash(_("Choose the agent who takes these calls."), "error")
            else:
                for call in calls:
                    call.agent = agent
                db.session.commit()
                flash(ngettext("%(num)d call now goes to %(agent)s.",
                               "%(num)d calls now go to %(agent)s.", len(calls),
                               agent=agent.display_name), "success")
                return redirect(back)
        return self.render("followups/reassign.html", calls=calls, agents=agents,
                           kinds=CALL_KIND_LABELS)


# -- the work queue ---------------------------------------------------------------------------

def queue_windows(agent_id: int, today) -> dict:
    """What selects an agent's open calls due today, overdue, and in the next 7 days."""
    mine = and_(FollowUpCall.status == "planned", followups.handled_by(agent_id, today))
    return {
        "late": and_(mine, FollowUpCall.due_by < today),
        "today": and_(mine, followups.call_state_clause("due", today)),
        "week": and_(mine, FollowUpCall.due_from > today,
                     FollowUpCall.due_from <= today + timedelta(days=7)),
    }


def queued_calls(where, limit: int) -> list[FollowUpCall]:
    return db.session.scalars(
        select(FollowUpCall).where(where).options(
            joinedload(FollowUpCall.customer), joinedload(FollowUpCall.vehicle),
            joinedload(FollowUpCall.agent),
        )
        .order_by(FollowUpCall.due_by, FollowUpCall.id).limit(limit)
    ).all()


def queue_sections(agent_id: int, today) -> dict:
    """An agent's open calls: due today, overdue, and the next 7 days."""
    return {name: queued_calls(where, 200)
            for name, where in queue_windows(agent_id, today).items()}


class QueueView(SecureBaseView):
    """Each agent's calls to make (工作队列); the supervisor sees every agent's."""

    area = "followups"

    @expose("/")
    def index(self):
        today = clock.today()
        agents = users_with_role("followup_agent").all()
        overseer = current_role() != "followup_agent"
        if overseer:
            agent = db.session.get(User, request.args.get("agent", type=int) or 0)
        else:
            agent = current_user._get_current_object()
        sections = queue_sections(agent.id, today) if agent else None
        overview = _queue_overview(agents, today) if overseer else None
        letters = _letters_due(agent.id if agent else None, today) if agent else []
        calls = screen(FollowUpCallAdmin)
        return self.render(
            "followups/queue.html", agent=agent, agents=agents, sections=sections,
            overview=overview, letters=letters, today=today, kinds=CALL_KIND_LABELS,
            can_reassign=calls.is_action_allowed("reassign"), calls_view=calls,
            stand_in=_stand_in(agent, today) if agent else None,
        )


def _queue_overview(agents, today) -> list[dict]:
    """For the supervisor: each agent's counts of late, today's and next week's calls."""
    rows = []
    for agent in agents:
        counts = {}
        for state, clause in (("late", FollowUpCall.due_by < today),
                              ("today", followups.call_state_clause("due", today))):
            counts[state] = db.session.scalar(
                select(func.count()).select_from(FollowUpCall).where(
                    FollowUpCall.status == "planned",
                    followups.handled_by(agent.id, today), clause,
                )
            )
        rows.append({"agent": agent, **counts, "away": _stand_in(agent, today)})
    return rows


def _stand_in(agent: User, today):
    return db.session.scalars(
        followups.substitutes_today(today).where(Substitution.absent_agent_id == agent.id)
    ).first()


def _letters_due(sender_id: int | None, today) -> list[Letter]:
    query = (
        select(Letter).where(Letter.sent_on.is_(None), Letter.due_on <= today + timedelta(days=7))
        .options(joinedload(Letter.customer)).order_by(Letter.due_on).limit(100)
    )
    if sender_id:
        query = query.where(Letter.sender_id == sender_id)
    return db.session.scalars(query).all()


# -- substitutes ------------------------------------------------------------------------------

class SubstitutionAdmin(SecureModelView):
    """The supervisor appoints a substitute for an absent agent (DOMAIN.md)."""

    area = "followups"
    write_roles = SUPERVISORS
    column_list = ("absent_agent", "substitute", "starts_on", "ends_on", "reason")
    column_default_sort = ("starts_on", True)
    column_labels = {
        "absent_agent": _l("Absent agent"), "substitute": _l("Substitute"),
        "starts_on": _l("From"), "ends_on": _l("Until"), "reason": _l("Reason"),
    }
    column_formatters = {
        "absent_agent": _user_name("absent_agent"), "substitute": _user_name("substitute"),
    }
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    form_columns = ("absent_agent", "substitute", "starts_on", "ends_on", "reason")
    form_args = {
        "absent_agent": {"query_factory": lambda: users_with_role("followup_agent"),
                         "validators": [validators.InputRequired()]},
        "substitute": {"query_factory": lambda: users_with_role("followup_agent"),
                       "validators": [validators.InputRequired()]},
        "starts_on": {"validators": [validators.InputRequired()]},
        "ends_on": {"validators": [validators.InputRequired()]},
    }

    def on_model_change(self, form, model, is_created) -> None:
        if model.absent_agent == model.substitute:
            raise ValidationError(_("The substitute must be another agent."))
        if model.ends_on < model.starts_on:
            raise ValidationError(_("The last day cannot be before the first."))
        absent, substitute = model.absent_agent.id, model.substitute.id
        with db.session.no_autoflush:  # a new one is not among those it is checked against
            clash = db.session.scalars(select(Substitution).where(
                Substitution.id != (model.id or 0),
                Substitution.starts_on <= model.ends_on, Substitution.ends_on >= model.starts_on,
                # Away twice at once, a substitute who is away, an absent agent standing in.
                or_(Substitution.absent_agent_id.in_((absent, substitute)),
                    Substitution.substitute_id == absent),
            ).limit(1)).first()
        if clash:
            raise ValidationError(_(
                "It overlaps the substitution %(existing)s from %(start)s to %(end)s.",
                existing=clash, start=clash.starts_on, end=clash.ends_on,
            ))


# -- complaints and requests ------------------------------------------------------------------

def _stage_clause(stage: str):
    open_ = Complaint.closed_at.is_(None)
    return {
        "closed": Complaint.closed_at.is_not(None),
        "tracked": and_(open_, Complaint.tracked_at.is_not(None)),
        "resolved": and_(open_, Complaint.tracked_at.is_(None), Complaint.resolved_at.is_not(None)),
        "analysed": and_(open_, Complaint.tracked_at.is_(None), Complaint.resolved_at.is_(None),
                         Complaint.analysed_at.is_not(None)),
        "received": and_(open_, Complaint.tracked_at.is_(None), Complaint.resolved_at.is_(None),
                         Complaint.analysed_at.is_(None)),
    }[stage]


# What an item goes through, in order (DOMAIN.md "Complaints"): a complaint is analysed,
# resolved, tracked, then closed with the feedback and the customer's satisfaction; a
# request is closed once solved and the customer answered.
ITEM_STEPS = {
    "complaint": ("cause", "resolution", "tracking", "feedback", "satisfaction"),
    "request": ("resolution", "answered"),
}


def _skipped_steps(form, kind: str, closing: bool) -> list[str]:
    """The steps left empty before the last one filled in (all of them, to close)."""
    steps = ITEM_STEPS[kind]
    filled = [step for step in steps if form[step].data]
    reached = len(steps) if closing else (steps.index(filled[-1]) + 1 if filled else 0)
    return [step for step in steps[:reached] if not form[step].data]


def _item_flags(view, context, model, name):
    today = clock.today()
    flags = []
    if followups.is_escalated(model, today):
        flags.append(badge("danger", _("Reported to the supervisor")))
    if followups.answer_late(model, today):
        flags.append(badge("warning", _("Customer not answered the same day")))
    if model.closed_at is None and model.due_on and today > model.due_on:
        flags.append(badge("danger", _("Past its deadline")))
    return Markup(" ").join(flags)


ESCALATED_FILTER = OptionFilter(
    Complaint.id, _l("Reported to the supervisor"), {"yes": _l("Yes")},
    lambda value: followups.escalated_clause(clock.today()),
)
STAGE_FILTER = OptionFilter(Complaint.closed_at, _l("Stage"), STAGE_LABELS, _stage_clause)


class ComplaintAdmin(FreshFilterOptions, SecureModelView):
    """Complaints and requests to answer, from receiving to feedback (DOMAIN.md)."""

    area = "followups"
    column_list = (
        "opened_on", "kind", "customer", "summary", "severity", "owner", "stage", "due_on",
        "age", "flags",
    )
    column_details_list = (
        "kind", "customer", "vehicle", "summary", "details", "severity", "owner",
        "opened_on", "due_on", "stage", "flags", "cause", "analysed_at", "resolution",
        "resolved_at", "tracking", "tracked_at", "answered_at", "feedback", "satisfaction",
        "closed_at", "call",
    )
    column_export_list = column_details_list
    column_searchable_list = ("customer.name", "customer.mobile")
    column_sortable_list = ("opened_on", "due_on")
    column_default_sort = ("opened_on", True)
    column_labels = {
        "kind": _l("Type"), "customer": _l("Customer"), "vehicle": _l("Vehicle"),
        "customer.name": _l("Customer name"), "customer.mobile": _l("Mobile"),
        "summary": _l("Summary"), "details": _l("Details"), "severity": _l("Risk level"),
        "owner": _l("Responsible"), "opened_on": _l("Opened"), "due_on": _l("Deadline"),
        "stage": _l("Stage"), "age": _l("Age (days)"), "flags": _l("Attention"),
        "cause": _l("Cause (analysis)"), "analysed_at": _l("Analysed"),
        "resolution": _l("Solution"), "resolved_at": _l("Solved"),
        "tracking": _l("Tracking"), "tracked_at": _l("Tracked"),
        "answered_at": _l("Customer answered"), "feedback": _l("Feedback to the customer"),
        "satisfaction": _l("Customer satisfaction"), "closed_at": _l("Closed"),
        "call": _l("From the call"), "answered": _l("The customer has been answered"),
        "close": _l("Close it now"),
    }
    column_choices = {
        "kind": list(ITEM_KIND_LABELS.items()), "severity": list(SEVERITY_LABELS.items()),
        "satisfaction": list(SATISFACTION_LABELS.items()),
    }
    column_formatters = {
        "customer": _customer_link,
        "owner": _user_name("owner"),
        "stage": lambda v, c, m, n: STAGE_LABELS[followups.complaint_stage(m)],
        "age": lambda v, c, m, n: followups.age_days(m, clock.today()),
        "flags": _item_flags,
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {
        "customer": lambda v, c, m, n: m.customer.name,
        "owner": _user_name("owner"),
        "stage": column_formatters["stage"],
        "age": column_formatters["age"],
        "flags": lambda v, c, m, n: "",
    }
    column_filters = (
        STAGE_FILTER, ESCALATED_FILTER,
        filters.FilterEqual(Complaint.kind, _l("Type"), options=list(ITEM_KIND_LABELS.items())),
        filters.FilterEqual(
            Complaint.severity, _l("Risk level"), options=list(SEVERITY_LABELS.items())
        ),
        filters.IntEqualFilter(Complaint.owner_id, _l("Responsible"),
                               options=fresh_options(agent_options)),
        filters.DateBetweenFilter(Complaint.opened_on, _l("Opened")),
    )
    form_columns = (
        "kind", "customer", "vehicle", "summary", "details", "severity", "owner", "due_on",
        "cause", "resolution", "tracking", "answered", "feedback", "satisfaction", "close",
    )
    form_choices = {
        "kind": list(ITEM_KIND_LABELS.items()), "severity": list(SEVERITY_LABELS.items()),
        "satisfaction": list(SATISFACTION_LABELS.items()),
    }
    form_args = {
        "customer": {"validators": [validators.InputRequired()]},
        "summary": {"validators": [validators.InputRequired(), validators.Length(max=200)]},
        "owner": {"query_factory": lambda: db.session.query(User).filter(
            User.role.in_(("followup_agent", "supervisor")), User.active)},
        "due_on": {"description": _l("Set from the risk level when left empty, and follows "
                                     "it while not changed by hand.")},
    }
    # Ticked, they stamp answered_at and closed_at (see on_model_change).
    form_extra_fields = {
        "answered": BooleanField(_l("The customer has been answered")),
        "close": BooleanField(_l("Close it now")),
    }
    form_ajax_refs = FollowUpCallAdmin.form_ajax_refs

    def on_form_prefill(self, form, id) -> None:
        item = db.session.get(Complaint, id)
        form.answered.data = item.answered_at is not None
        form.close.data = item.closed_at is not None

    search_clause = customers_rows(Complaint.customer_id)

    def on_model_change(self, form, model, is_created) -> None:
        for extra in ("answered", "close"):
            vars(model).pop(extra, None)  # populate_obj copied them; they are not columns
        now = clock.now()
        for field, stamp in (("cause", "analysed_at"), ("resolution", "resolved_at"),
                             ("tracking", "tracked_at")):
            if getattr(model, field) and getattr(model, stamp) is None:
                setattr(model, stamp, now)
        if is_created:
            model.opened_on = clock.today()
            model.owner = model.owner or current_user._get_current_object()
        self._set_deadline(model)
        # Checked when closing now, or when this save fills in a stage: an item closed or
        # filled in before the stages were checked stays editable otherwise.
        closing = form.close.data and model.closed_at is None
        state = inspect(model)
        touched = any(
            state.attrs[step].history.has_changes() if step in state.attrs
            else form[step].data and model.answered_at is None  # "answered": answering now
            for step in ITEM_STEPS[model.kind])
        skipped = _skipped_steps(form, model.kind, closing) if closing or touched else []
        if skipped:
            missing = listing(str(self.column_labels[step]) for step in skipped)
            raise ValidationError(_("Each stage in turn: first fill in %(missing)s.",
                                    missing=missing))
        if form.answered.data and model.answered_at is None:
            model.answered_at = now
        if form.close.data and model.closed_at is None:
            model.closed_at = now

    @staticmethod
    def _set_deadline(item: Complaint) -> None:
        """The automatic deadline when none is given, and again when the risk level (or
        the type) changes while the deadline was the automatic one."""
        def before(name: str):
            history = inspect(item).attrs[name].history
            return history.deleted[0] if history.deleted else getattr(item, name)

        automatic = item.due_on is None or (
            not inspect(item).attrs.due_on.history.has_changes()
            and item.due_on == followups.item_due(before("kind"), item.opened_on,
                                                  before("severity"))
        )
        if automatic:
            item.due_on = followups.item_due(item.kind, item.opened_on, item.severity)
        elif item.due_on < item.opened_on:
            raise ValidationError(_("The deadline cannot be before the day it was opened "
                                    "(%(day)s).", day=item.opened_on))


# -- letters ----------------------------------------------------------------------------------

def _fill(text: str | None, customer: Customer) -> str:
    """A template's text for one customer: {客户名称} / {name} and {车牌号} / {plate}."""
    plates = "、".join(v.plate_number for v in customer.vehicles)
    values = {"客户名称": customer.name, "name": customer.name, "车牌号": plates, "plate": plates}
    text = text or ""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


class LetterAdmin(SecureModelView):
    """The letter register (跟踪服务信函登记表)."""

    area = "followups"
    column_list = ("due_on", "sent_on", "customer", "kind", "subject", "channel", "sender",
                   "event")
    column_details_list = ("customer", "kind", "subject", "body", "channel", "due_on",
                           "sent_on", "sender", "event", "call", "complaint")
    column_export_list = column_details_list
    column_searchable_list = ("customer.name", "customer.mobile")
    search_clause = customers_rows(Letter.customer_id)
    column_sortable_list = ("due_on", "sent_on")
    column_default_sort = ("id", True)
    column_labels = {
        "customer": _l("Customer"), "customer.name": _l("Customer name"),
        "customer.mobile": _l("Mobile"), "kind": _l("Letter type"), "subject": _l("Subject"),
        "body": _l("Text"), "channel": _l("Channel"), "due_on": _l("Send by"),
        "sent_on": _l("Sent on"), "sender": _l("Sender"), "event": _l("Event"),
        "call": _l("From the call"), "complaint": _l("About the complaint"),
    }
    column_choices = {
        "kind": list(LETTER_KIND_LABELS.items()), "channel": list(LETTER_CHANNELS.items()),
    }
    column_formatters = {
        "customer": _customer_link,
        "sender": _user_name("sender"),
        "event": lambda v, c, m, n: m.invitation.event.name if m.invitation else "",
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {
        "customer": lambda v, c, m, n: m.customer.name,
        "sender": _user_name("sender"),
        "event": column_formatters["event"],
    }
    column_filters = (
        filters.FilterEqual(Letter.kind, _l("Letter type"),
                            options=list(LETTER_KIND_LABELS.items())),
        filters.FilterEqual(Letter.channel, _l("Channel"), options=list(LETTER_CHANNELS.items())),
        OptionFilter(Letter.sent_on, _l("Sent"), {"yes": _l("Yes"), "no": _l("No")},
                     lambda v: Letter.sent_on.is_not(None) if v == "yes"
                     else Letter.sent_on.is_(None)),
        filters.DateBetweenFilter(Letter.sent_on, _l("Sent on")),
    )
    form_columns = ("customer", "kind", "subject", "body", "channel", "sent_on", "due_on")
    form_choices = column_choices
    form_args = {
        "customer": {"validators": [validators.InputRequired()]},
        "subject": {"validators": [validators.InputRequired(), validators.Length(max=200)]},
        "sent_on": {"default": clock.today},
    }
    form_widget_args = {"body": {"rows": 8}}
    form_ajax_refs = {"customer": FollowUpCallAdmin.form_ajax_refs["customer"]}

    def get_query(self):
        return super().get_query().options(
            selectinload(Letter.invitation).selectinload(Invitation.event),
        )

    def on_model_change(self, form, model, is_created) -> None:
        if model.sent_on and model.sender is None:
            model.sender = current_user._get_current_object()

    @action("sent", _l("Mark sent today"), _l("Mark the selected letters as sent today?"))
    def action_sent(self, ids) -> None:
        rows = [row for row in self._rows(ids) if row.sent_on is None]
        for row in rows:
            row.sent_on = clock.today()
            row.sender = row.sender or current_user._get_current_object()
        self._commit_action(ngettext("%(num)d letter marked sent.",
                                     "%(num)d letters marked sent.", len(rows)))

    @action("print", _l("Print (PDF)"))
    def action_print(self, ids):
        letters = self._rows(ids)
        return pdf_response(_letters_pdf(letters), _("Letters") + ".pdf")

    def is_action_allowed(self, name: str) -> bool:
        if name == "sent":
            return self.can_edit
        return super().is_action_allowed(name)

    @expose("/compose/", methods=("GET", "POST"))
    def compose_view(self):
        """One letter to many customers: each registered, all in one PDF to print."""
        if not self.can_create:
            abort(403)
        customers = _selected_customers()
        templates = db.session.scalars(select(LetterTemplate).order_by(LetterTemplate.name)).all()
        chosen = db.session.get(LetterTemplate, request.values.get("template", type=int) or 0)
        if request.method == "POST" and request.form.get("send"):
            kind = request.form.get("kind")
            channel = request.form.get("channel")
            subject = (request.form.get("subject") or "").strip()[:200]
            body = request.form.get("body") or ""
            if kind not in LETTER_KIND_LABELS or channel not in LETTER_CHANNELS or not subject:
                flash(_("Choose the letter type and channel, and write a subject."), "error")
            elif not customers:
                flash(_("No customers are selected."), "error")
            else:
                letters = [
                    Letter(customer=c, kind=kind, channel=channel, subject=_fill(subject, c),
                           body=_fill(body, c), sent_on=clock.today(),
                           sender=current_user._get_current_object())
                    for c in customers
                ]
                db.session.add_all(letters)
                db.session.commit()
                return pdf_response(_letters_pdf(letters), _("Letters") + ".pdf")
        return self.render(
            "followups/compose.html", customers=customers, templates=templates, chosen=chosen,
            kinds=LETTER_KIND_LABELS, channels=LETTER_CHANNELS,
        )


def _letters_pdf(letters) -> bytes:
    return render_pdf("pdf/letters.html", letters=letters, kinds=LETTER_KIND_LABELS)


MAX_SELECTED = 2000


def _selected_customers() -> list[Customer]:
    """The customers a page acts on: `ids=1,2,3`, or the customer list's search and
    filters passed along (every page of that list)."""
    ids = [int(i) for i in request.values.get("ids", "").split(",") if i.isdigit()]
    if ids:
        return db.session.scalars(select(Customer).where(Customer.id.in_(ids))).all()
    customers = screen(CustomerAdmin)
    if not any(k == "search" or k.startswith("flt") for k in request.args):
        return []
    return customers._export_query().limit(MAX_SELECTED).all()


class LetterTemplateAdmin(SecureModelView):
    area = "followups"
    column_list = ("name", "kind", "subject")
    column_labels = {
        "name": _l("Name"), "kind": _l("Letter type"), "subject": _l("Subject"),
        "body": _l("Text"),
    }
    column_choices = {"kind": list(LETTER_KIND_LABELS.items())}
    form_columns = ("name", "kind", "subject", "body")
    form_choices = column_choices
    form_args = {
        "body": {"description": _l("{客户名称} and {车牌号} are replaced for each customer.")},
    }
    form_widget_args = {"body": {"rows": 12}}


# -- events -----------------------------------------------------------------------------------

class EventAdmin(SecureModelView):
    """Gatherings, promotions and free inspections, and who is told of them (DOMAIN.md)."""

    area = "followups"
    column_list = ("event_on", "name", "kind", "place", "invited")
    column_details_list = ("name", "kind", "event_on", "place", "content", "send_letters",
                           "invited")
    column_default_sort = ("event_on", True)
    column_sortable_list = ("event_on", "name")
    column_searchable_list = ("name",)
    column_labels = {
        "name": _l("Event"), "kind": _l("Event type"), "event_on": _l("Date"),
        "place": _l("Place"), "content": _l("Content"),
        "send_letters": _l("Send a letter after each notice call"), "invited": _l("Invited"),
    }
    column_choices = {"kind": list(EVENT_KIND_LABELS.items())}
    column_formatters = {"invited": lambda v, c, m, n: m.invited_count}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    details_template = "followups/event_details.html"

    def get_query(self):
        return super().get_query().options(undefer(Event.invited_count))
    form_columns = ("name", "kind", "event_on", "place", "content", "send_letters")
    form_choices = column_choices
    form_args = {
        "name": {"validators": [validators.InputRequired(), validators.Length(max=100)]},
        "event_on": {"validators": [validators.InputRequired()]},
    }

    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs["progress"] = event_progress(kwargs["model"], clock.today())
        return super().render(template, **kwargs)

    @expose("/invite/", methods=("GET", "POST"))
    def invite_view(self):
        """Invite the selected customers: each gets a notice call (and later a letter)."""
        if not self.can_edit:
            abort(403)
        customers = _selected_customers()
        today = clock.today()
        events = db.session.scalars(
            select(Event).where(Event.event_on >= today).order_by(Event.event_on)
        ).all()
        if request.method == "POST" and request.form.get("event"):
            event = db.session.get(Event, request.form.get("event", type=int))
            if event is None or event not in events:
                abort(400)
            invited = set(db.session.scalars(
                select(Invitation.customer_id).where(Invitation.event_id == event.id)
            ))
            new = [c for c in customers if c.id not in invited]
            if not new:
                flash(_("All these customers were invited already.") if customers
                      else _("No customers are selected."), "warning")
                return redirect(self.get_url(".details_view", id=event.id))
            for customer in new:
                invitation = Invitation(event=event, customer=customer)
                db.session.add(invitation)
                followups.plan_notice_call(invitation, today)
            db.session.commit()
            flash(ngettext("%(num)d customer invited; the notice call is planned.",
                           "%(num)d customers invited; their notice calls are planned.",
                           len(new)), "success")
            notice_due = rules.event_notice_due(event.event_on, settings.current())
            if notice_due < today:
                flash(_("Too late to tell them %(days)d days before the event (by %(day)s): "
                        "the notice calls are due today, to be made as soon as possible.",
                        days=(event.event_on - notice_due).days, day=notice_due), "warning")
            return redirect(self.get_url(".details_view", id=event.id))
        return self.render("followups/invite.html", customers=customers, events=events)


def event_progress(event: Event, today) -> dict:
    """How many invitees were phoned and written to, out of how many."""
    notices = FollowUpCall.__table__.join(
        Invitation.__table__, FollowUpCall.invitation_id == Invitation.id
    )
    letters = Letter.__table__.join(Invitation.__table__, Letter.invitation_id == Invitation.id)

    def among(joined, *where):
        query = select(func.count()).select_from(joined).where(Invitation.event_id == event.id)
        return db.session.scalar(query.where(*where))

    return {
        "invited": among(Invitation.__table__),
        "notified": db.session.scalar(
            select(func.count(func.distinct(FollowUpCall.invitation_id))).select_from(notices)
            .where(Invitation.event_id == event.id, FollowUpCall.kind == "notice",
                   FollowUpCall.reached == "yes")
        ),
        "notice_due": rules.event_notice_due(event.event_on, settings.current()),
        "letters_sent": among(letters, Letter.sent_on.is_not(None)),
        "letters_due": among(letters, Letter.sent_on.is_(None)),
        "late_calls": among(notices, FollowUpCall.kind == "notice",
                            followups.call_state_clause("late", today)),
    }


# -- home page --------------------------------------------------------------------------------

@due_items("followups")
def followup_work(user) -> list[DueItem]:
    """Agents: their calls (due today, late, next week), letters and items; the
    supervisor: requests reported to them and every late call."""
    today = clock.today()
    items = []
    queue = url_for("queue.index")
    if user.role == "followup_agent":
        windows = queue_windows(user.id, today)
        for call in queued_calls(windows["today"], 5):
            label = " · ".join(filter(None, (
                call.customer.name, str(CALL_KIND_LABELS[call.kind]),
                call.vehicle.plate_number if call.vehicle else None,
            )))
            items.append(DueItem(label, None, url_for("follow_up_call.edit_view", id=call.id,
                                                      url=url_for("admin.index")), "info"))
        for name, label, level in (("today", _("Calls due today"), "warning"),
                                   ("late", _("Late calls"), "danger"),
                                   ("week", _("Calls in the next 7 days"), "info")):
            count = db.session.scalar(select(func.count()).select_from(FollowUpCall).where(
                windows[name]))
            if count:
                items.append(DueItem(label, count, queue, level))
        letters = _letters_due(user.id, today)
        if letters:
            items.append(DueItem(_("Letters to send"), len(letters), queue, "warning"))
        mine = db.session.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.owner_id == user.id, Complaint.closed_at.is_(None)))
        if mine:
            items.append(DueItem(_("Open requests and complaints"), mine,
                                 url_for("complaint.index_view"), "warning"))
    elif user.role in SUPERVISORS or user.role == "manager":
        escalated = db.session.scalar(select(func.count()).select_from(Complaint).where(
            followups.escalated_clause(today)))
        complaints = screen(ComplaintAdmin)
        if escalated:
            items.append(DueItem(_("Requests escalated to the supervisor"), escalated,
                                 complaints.list_url((ESCALATED_FILTER, "yes")), "danger"))
        late = db.session.scalar(select(func.count()).select_from(FollowUpCall).where(
            followups.call_state_clause("late", today)))
        if late:
            calls = screen(FollowUpCallAdmin)
            items.append(DueItem(_("Late calls (all agents)"), late,
                                 calls.list_url((CALL_STATE_FILTER, "late")), "danger"))
        open_complaints = db.session.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.kind == "complaint", Complaint.closed_at.is_(None)))
        if open_complaints:
            items.append(DueItem(_("Open complaints"), open_complaints,
                                 complaints.list_url((STAGE_FILTER, "received")), "warning"))
        items.append(DueItem(_("Agents' queues"), None, queue, "info"))
    return items


def customer_followups(customer: Customer) -> dict:
    """A customer's calls, letters and complaints, for their archive page."""
    def newest(model, column):
        return db.session.scalars(
            select(model).where(model.customer_id == customer.id).order_by(column.desc())
            .limit(100)
        ).all()

    return {
        "calls": newest(FollowUpCall, FollowUpCall.id),
        "letters": newest(Letter, Letter.id),
        "complaints": newest(Complaint, Complaint.opened_on),
        "call_kinds": CALL_KIND_LABELS, "call_states": CALL_STATE_LABELS,
        "call_state": lambda call: followups.call_state(call, clock.today()),
        "results": REACHED_LABELS, "letter_kinds": LETTER_KIND_LABELS,
        "item_kinds": ITEM_KIND_LABELS, "stages": STAGE_LABELS,
        "stage": followups.complaint_stage,
    }

