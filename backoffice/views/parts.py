"""Parts supply (配件供应): the catalogue with its stock and movements, and parts orders
from the stock check to the customer's acceptance. The rules are in parts.py.
"""
from datetime import date

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import HiddenField, IntegerField, validators
from wtforms.validators import ValidationError

from .. import clock, parts, rules
from ..auth import current_role
from ..extensions import db
from ..formatting import listing
from ..models import (
    DELIVERY_METHODS,
    ORDER_STATES,
    PART_ORIGINS,
    PART_UNITS,
    STOCK_MOVES,
    Appointment,
    Part,
    PartsOrder,
    PartsOrderLine,
    Reception,
    StockMovement,
    User,
)
from ..permissions import allowed
from ..rules import check_labels
from .archives import customer_picker, vehicle_picker
from .base import FreshFilterOptions, SecureModelView, screen
from .common import (
    Normalized,
    OptionFilter,
    SearchLoader,
    duplicate_error,
    editing_id,
    existing_record,
    not_negative,
    row_link,
)
from .followups import customers_rows
from .home import DueItem, due_items

ORIGIN_LABELS = {"original": _l("Original (OEM)"), "compatible": _l("Compatible")}
UNIT_LABELS = {
    "piece": _l("piece"), "set": _l("set"), "pair": _l("pair"), "litre": _l("litre"),
    "bottle": _l("bottle"), "box": _l("box"), "metre": _l("metre"), "kg": _l("kg"),
}
MOVE_LABELS = {"in": _l("Stock in"), "out": _l("Stock out"),
               "adjust": _l("Stocktake adjustment")}
STATE_LABELS = {
    "open": _l("Stock to check"), "awaiting_stock": _l("Waiting for parts"),
    "ready": _l("Ready to hand over"), "handed_over": _l("Handed over, to accept"),
    "accepted": _l("Accepted"), "rejected": _l("Rejected (quality)"),
    "cancelled": _l("Cancelled"),
}
STATE_BADGES = {"open": "warning", "awaiting_stock": "danger", "ready": "info",
                "handed_over": "primary", "accepted": "success", "rejected": "dark",
                "cancelled": "secondary"}
DELIVERY_LABELS = {"handover": _l("Handed over in person"), "shipped": _l("Shipped")}
check_labels(ORIGIN_LABELS, PART_ORIGINS)
check_labels(UNIT_LABELS, PART_UNITS)
check_labels(MOVE_LABELS, STOCK_MOVES)
check_labels(STATE_LABELS, ORDER_STATES)
check_labels(DELIVERY_LABELS, DELIVERY_METHODS)
# An order line's quantity, in the words of a stock movement's (parts.py).
AT_LEAST_ONE = validators.NumberRange(min=1, message=_l("The quantity must be at least 1."))
# Who hands parts over: the roles that may write here.
HANDLERS = ("service_advisor", "supervisor", "admin")


def _record(model):
    record = db.session.get(model, request.args.get("id", type=int) or 0)
    if record is None:
        abort(404)
    return record


def _whole_number(raw) -> int | None:
    try:
        return int((raw or "").strip())
    except ValueError:
        return None


def _user_name(attribute: str):
    def formatter(view, context, model, name):
        user = getattr(model, attribute)
        return user.display_name if user else ""

    return formatter


def part_label(part: Part) -> str:
    on_hand = _("%(n)d on hand", n=part.stock_on_hand)  # not in the f-string: extraction
    return f"{part.number} {part.name} ({on_hand})"


def _stock(view, context, model, name):
    if model.stock_on_hand < model.reorder_level:
        return Markup('<span class="badge badge-danger" title="{}">{}</span>').format(
            _("Below the reorder level"), model.stock_on_hand)
    return model.stock_on_hand


def _stock_clause(value: str):
    return parts.below_reorder_level() if value == "below" else Part.stock_on_hand == 0


STOCK_FILTER = OptionFilter(
    Part.stock_on_hand, _l("Stock"),
    {"below": _l("Below the reorder level"), "none": _l("Out of stock")}, _stock_clause,
)


# -- the catalogue ------------------------------------------------------------------------------

class PartAdmin(SecureModelView):
    """The parts catalogue (配件目录); a part's page holds its stock and movements."""

    area = "parts"
    column_list = ("number", "name", "brand", "origin", "unit", "price", "stock_on_hand",
                   "reorder_level", "location")
    column_details_list = column_list
    column_export_list = column_list
    column_default_sort = ("number", False)
    column_sortable_list = ("number", "name", "stock_on_hand")
    column_searchable_list = ("number", "name")
    column_labels = {
        "number": _l("Part number"), "name": _l("Part name"), "brand": _l("Brand"),
        "origin": _l("Original or compatible"), "unit": _l("Unit"),
        "price": _l("Price (yuan)"), "stock_on_hand": _l("Stock on hand"),
        "reorder_level": _l("Reorder level"), "location": _l("Shelf"),
    }
    column_choices = {"origin": list(ORIGIN_LABELS.items()), "unit": list(UNIT_LABELS.items())}
    column_formatters = {"stock_on_hand": _stock}
    column_filters = (
        STOCK_FILTER,
        filters.FilterEqual(Part.origin, _l("Original or compatible"),
                            options=list(ORIGIN_LABELS.items())),
    )
    details_template = "parts/part_details.html"
    form_columns = ("number", "name", "brand", "origin", "unit", "price", "reorder_level",
                    "location")
    form_choices = column_choices
    form_args = {
        "number": {"validators": [validators.InputRequired(),
                                  Normalized(rules.normalize_part_number)]},
        "name": {"validators": [validators.InputRequired(), validators.Length(max=100)]},
        "price": {"validators": [validators.Optional(), not_negative]},
        "reorder_level": {"default": 0, "validators": [validators.InputRequired(),
                                                       not_negative],
                          "description": _l("Below this stock the part is listed to reorder.")},
    }

    def search_clause(self, text: str):
        return parts.part_search(text)

    def scaffold_form(self):
        form_class = super().scaffold_form()
        form_class.opening_stock = IntegerField(
            _l("Opening stock"), [validators.Optional(), not_negative],
            description=_l("What is on the shelf now; later changes are stock movements."))
        return form_class

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form.opening_stock  # the stock moves only with a reason, on the part's page
        return form

    def validate_form(self, form) -> bool:
        valid = super().validate_form(form)
        if valid and "number" in form and form.number.data:
            existing = existing_record(Part, Part.number, form.number.data, editing_id())
            if existing:
                form.number.errors.append(duplicate_error(
                    _("A part with this number exists already:"),
                    self.get_url(".details_view", id=existing.id), str(existing)))
                valid = False
        return valid

    def on_model_change(self, form, model, is_created) -> None:
        opening = vars(model).pop("opening_stock", None)
        if is_created and opening:
            try:
                parts.receive(model, opening, _("Opening stock"),
                              current_user._get_current_object())
            except parts.StockRefused as refused:
                raise ValidationError(str(refused)) from refused

    def render(self, template, **kwargs):
        if template == self.details_template:
            part = kwargs["model"]
            kwargs.update(
                movements=db.session.scalars(
                    select(StockMovement).where(StockMovement.part_id == part.id)
                    .options(joinedload(StockMovement.user),
                             joinedload(StockMovement.order_line).joinedload(
                                 PartsOrderLine.order))
                    .order_by(StockMovement.at.desc(), StockMovement.id.desc()).limit(100)
                ).all(),
                move_labels=MOVE_LABELS, units=UNIT_LABELS, writable=self.can_edit)
        return super().render(template, **kwargs)

    @expose("/move/", methods=("POST",))
    def move_view(self):
        """A stock movement by hand: parts in, parts out for the workshop, or a count."""
        if not self.can_edit:
            abort(403)
        part = _record(Part)
        kind = request.form.get("kind")
        quantity = _whole_number(request.form.get("quantity"))
        reason = (request.form.get("reason") or "").strip()
        user = current_user._get_current_object()
        try:
            if kind not in MOVE_LABELS or quantity is None:
                raise parts.StockRefused(_("Choose the movement and enter a whole number."))
            if kind == "in":
                parts.receive(part, quantity, reason, user)
            elif kind == "out":
                parts.issue(part, quantity, reason, user)
            else:
                parts.count(part, quantity, reason, user,
                            seen=_whole_number(request.form.get("seen")) or 0)
        except parts.StockRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
        else:
            db.session.commit()
            flash(_("The stock of %(part)s is now %(n)d.", part=part,
                    n=part.stock_on_hand), "success")
        return redirect(self.get_url(".details_view", id=part.id))


class StockMovementAdmin(SecureModelView):
    """Every stock movement, never changed (the ledger behind each part's stock)."""

    area = "parts"
    creatable = editable = deletable = False
    column_list = ("at", "part", "kind", "quantity", "balance_after", "reason", "user",
                   "order")
    column_details_list = column_list
    column_export_list = column_list
    column_default_sort = ("id", True)
    column_sortable_list = ("at",)
    column_searchable_list = ("part.number", "part.name")
    column_labels = {
        "at": _l("When"), "part": _l("Part"), "part.number": _l("Part number"),
        "part.name": _l("Part name"), "kind": _l("Movement"), "quantity": _l("Quantity"),
        "balance_after": _l("Stock after"), "reason": _l("Reason"), "user": _l("By"),
        "order": _l("Parts order"),
    }
    column_choices = {"kind": list(MOVE_LABELS.items())}
    column_formatters = {
        "part": lambda v, c, m, n: row_link("part.details_view", m.part, id=m.part_id),
        "quantity": lambda v, c, m, n: f"{m.quantity:+d}",
        "user": _user_name("user"),
        "order": lambda v, c, m, n: row_link(
            "parts_order.details_view", m.order_line.order.number, id=m.order_line.order_id,
        ) if m.order_line else "",
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {
        "part": lambda v, c, m, n: str(m.part), "quantity": column_formatters["quantity"],
        "user": _user_name("user"),
        "order": lambda v, c, m, n: m.order_line.order.number if m.order_line else "",
    }
    column_filters = (
        filters.FilterEqual(StockMovement.kind, _l("Movement"),
                            options=list(MOVE_LABELS.items())),
        filters.DateTimeBetweenFilter(StockMovement.at, _l("When")),
    )

    def get_query(self):
        return super().get_query().options(
            selectinload(StockMovement.order_line).selectinload(PartsOrderLine.order))

    def search_clause(self, text: str):
        clause = parts.part_search(text)
        return None if clause is None else StockMovement.part_id.in_(
            select(Part.id).where(clause))


# -- orders ------------------------------------------------------------------------------------

def _state(view, context, model, name):
    return Markup('<span class="badge badge-{}">{}</span>').format(
        STATE_BADGES[model.state], STATE_LABELS[model.state])


def _source(model: PartsOrder) -> str:
    if model.reception_id:
        return _("Reception")
    if model.appointment_id:
        return _("Appointment")
    return _("Customer")


def _lines(model: PartsOrder) -> str:
    return listing(f"{line.part.name} × {line.quantity}" for line in model.lines)


def _handler_options():
    return [(str(u.id), u.display_name) for u in db.session.query(User).filter(
        User.role.in_(HANDLERS), User.active).order_by(User.display_name)]




HANDLER_FILTER = OptionFilter(PartsOrder.handled_by_id, _l("Handled by"), _handler_options,
                              lambda user: PartsOrder.handled_by_id == int(user))
ORDER_STATE_FILTER = filters.FilterEqual(PartsOrder.state, _l("State"),
                                         options=list(STATE_LABELS.items()))


class PartsOrderAdmin(FreshFilterOptions, SecureModelView):
    """Parts orders (配件订单): from a customer, a reception or an appointment."""

    area = "parts"
    column_list = ("number", "ordered_on", "customer", "vehicle", "source", "lines",
                   "handled_by", "state")
    column_details_list = (
        "number", "ordered_on", "customer", "vehicle", "source", "lines", "handled_by",
        "state", "notes", "checked_at", "checked_by", "expected_on", "delivery",
        "handed_over_on", "handed_over_by", "tracking", "accepted_on", "quality_problem",
        "cancel_reason",
    )
    column_export_list = column_details_list
    column_default_sort = ("id", True)
    column_sortable_list = ("ordered_on",)
    column_searchable_list = ("customer.name", "customer.mobile")
    column_labels = {
        "number": _l("Order number"), "ordered_on": _l("Ordered on"),
        "customer": _l("Customer"), "customer.name": _l("Customer name"),
        "customer.mobile": _l("Mobile"), "vehicle": _l("Vehicle"), "source": _l("Ordered from"),
        "lines": _l("Order lines"), "handled_by": _l("Handled by"), "state": _l("State"),
        "notes": _l("Notes"), "checked_at": _l("Stock checked"),
        "checked_by": _l("Stock checked by"), "expected_on": _l("Expected on"),
        "delivery": _l("Delivery"), "handed_over_on": _l("Handed over on"),
        "handed_over_by": _l("Handed over by"), "tracking": _l("Carrier and tracking number"),
        "accepted_on": _l("Accepted or rejected on"), "quality_problem": _l("Quality problem"),
        "cancel_reason": _l("Reason for cancelling"), "part": _l("Part"),
        "quantity": _l("Quantity"),
    }
    column_choices = {"delivery": list(DELIVERY_LABELS.items())}
    column_formatters = {
        "number": lambda v, c, m, n: row_link(f"{v.endpoint}.details_view", m.number, id=m.id),
        "customer": lambda v, c, m, n: m.customer.name,
        "vehicle": lambda v, c, m, n: m.vehicle.plate_number if m.vehicle else "",
        "source": lambda v, c, m, n: _source(m),
        "lines": lambda v, c, m, n: _lines(m),
        "handled_by": _user_name("handled_by"), "checked_by": _user_name("checked_by"),
        "handed_over_by": _user_name("handed_over_by"),
        "state": _state,
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {
        **column_formatters,
        "number": lambda v, c, m, n: m.number,
        "state": lambda v, c, m, n: str(STATE_LABELS[m.state]),
    }
    column_filters = (ORDER_STATE_FILTER, HANDLER_FILTER,
                      filters.DateBetweenFilter(PartsOrder.ordered_on, _l("Ordered on")))
    details_template = "parts/order_details.html"
    form_columns = ("customer", "vehicle", "notes", "appointment_ref", "reception_ref")
    form_args = {
        "customer": {"validators": [validators.InputRequired()]},
    }
    form_extra_fields = {"appointment_ref": HiddenField(), "reception_ref": HiddenField()}
    form_ajax_refs = {
        "customer": customer_picker(), "vehicle": vehicle_picker(),
    }
    inline_models = (
        (PartsOrderLine, {
            "form_columns": ("id", "part", "quantity"),
            "form_label": _l("Order lines"),
            "column_labels": {"part": _l("Part"), "quantity": _l("Quantity")},
            "form_args": {"part": {"validators": [validators.InputRequired()]},
                          "quantity": {"validators": [validators.InputRequired(),
                                                      AT_LEAST_ONE]}},
            "form_ajax_refs": {"part": SearchLoader(
                "part", Part, parts.part_search, part_label, Part.number,
                _l("Type a part number or name to search"))},
        }),
    )

    def get_query(self):
        return super().get_query().options(parts.with_lines())

    search_clause = customers_rows(PartsOrder.customer_id)

    def create_form(self, obj=None):
        """Ordered from an appointment or a reception: its customer and car filled in."""
        form = super().create_form(obj)
        if request.method == "GET":
            for key, model in (("appointment", Appointment), ("reception", Reception)):
                source = db.session.get(model, request.args.get(key, type=int) or 0)
                if source is not None:
                    form.customer.data, form.vehicle.data = source.customer, source.vehicle
                    form[f"{key}_ref"].data = str(source.id)
                    break
        return form

    def on_model_change(self, form, model, is_created) -> None:
        for name in ("appointment_ref", "reception_ref"):
            vars(model).pop(name, None)
        with db.session.no_autoflush:  # the lines are checked before they are written
            self._check_order(form, model, is_created)

    def _check_order(self, form, model: PartsOrder, is_created: bool) -> None:
        if model.vehicle and model.vehicle.owner != model.customer:
            raise ValidationError(_("%(plate)s belongs to %(owner)s, not to %(customer)s: "
                                    "choose one of the customer's cars.",
                                    plate=model.vehicle.plate_number,
                                    owner=model.vehicle.owner.name, customer=model.customer.name))
        if is_created:
            model.ordered_on = clock.today()
            model.handled_by = current_user._get_current_object()
            model.appointment = db.session.get(Appointment, _whole_number(
                form.appointment_ref.data) or 0)
            model.reception = db.session.get(Reception, _whole_number(form.reception_ref.data) or 0)
            if model.appointment and model.appointment.reception:
                model.reception = model.appointment.reception
        else:
            was = db.session.scalar(select(PartsOrder.state).where(PartsOrder.id == model.id))
            if was not in parts.CHANGEABLE_STATES:
                raise ValidationError(_("The parts of this order have left the stock: it "
                                        "can no longer change."))
            ordered = dict(db.session.execute(
                select(PartsOrderLine.part_id, PartsOrderLine.quantity)
                .where(PartsOrderLine.order_id == model.id)).all())
            if ordered != {line.part.id: line.quantity for line in model.lines}:
                model.state = "open"  # other parts or quantities: the stock is checked again
        seen = set()
        for line in model.lines:
            if line.part.id in seen:
                raise ValidationError(_("%(part)s is on the order twice: one line per part.",
                                        part=line.part))
            seen.add(line.part.id)
            if line.unit_price is None:
                line.unit_price = line.part.price
        if not model.lines:
            raise ValidationError(_("Add the parts the customer needs."))

    def get_save_return_url(self, model, is_created=False):
        return self.get_url(".details_view", id=model.id)

    # -- the order's steps ----------------------------------------------------------------
    def render(self, template, **kwargs):
        if template == self.details_template:
            order = kwargs["model"]
            kwargs.update(
                states=STATE_LABELS, badges=STATE_BADGES, deliveries=DELIVERY_LABELS,
                units=UNIT_LABELS, writable=self.can_edit, today=clock.today(),
                handlers=db.session.query(User).filter(User.role.in_(HANDLERS), User.active)
                .order_by(User.display_name).all(),
                sees_complaints=allowed(current_role(), "followups", "R"),
                short={line.id: missing for line, missing in parts.shortfalls(order)},
            )
        return super().render(template, **kwargs)

    def _step(self, do):
        if not self.can_edit:
            abort(403)
        order = _record(PartsOrder)
        try:
            message = do(order, current_user._get_current_object())
        except parts.StockRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
        else:
            db.session.commit()
            flash(message, "success")
        return redirect(self.get_url(".details_view", id=order.id))

    @expose("/check/", methods=("POST",))
    def check_view(self):
        """配件查询: the stock is checked line by line."""
        def do(order, user):
            short = parts.check_stock(order, user, clock.now(),
                                      _day(request.form.get("expected_on")))
            if short:
                return _("Parts short: %(parts)s. The order waits for them.", parts=listing(
                    f"{line.part.name} × {missing}" for line, missing in short))
            return _("Every part is in stock: the order is ready to hand over.")

        return self._step(do)

    @expose("/hand_over/", methods=("POST",))
    def hand_over_view(self):
        """配件发货: handed over in person (or to the workshop), or shipped."""
        def do(order, user):
            delivery = request.form.get("delivery")
            day = _day(request.form.get("day"))
            by = db.session.get(User, request.form.get("by", type=int) or 0)
            if delivery not in DELIVERY_LABELS or day is None or day > clock.today() \
                    or by is None or by.role not in HANDLERS:
                raise parts.StockRefused(_("Say how, when (not later than today) and by whom "
                                           "the parts went out."))
            tracking = (request.form.get("tracking") or "").strip()[:100] or None
            if delivery == "shipped" and not tracking:
                raise parts.StockRefused(_("A shipment needs the carrier and tracking number."))
            parts.hand_over(order, delivery, day, by, tracking, user)
            return _("The parts are out of stock and on their way to the customer.")

        return self._step(do)

    @expose("/acceptance/", methods=("POST",))
    def acceptance_view(self):
        """配件验收: the customer accepts the parts, or rejects them for their quality."""
        def do(order, user):
            day = _day(request.form.get("day"))
            if day is None or day > clock.today() or (
                    order.handed_over_on and day < order.handed_over_on):
                raise parts.StockRefused(_("Give the day of the acceptance: not before the "
                                           "hand-over, not later than today."))
            if request.form.get("result") == "accepted":
                parts.accept(order, day)
                return _("Accepted by the customer.")
            complaint = parts.reject(order, day, (request.form.get("problem") or "").strip())
            db.session.flush()
            return _("Rejected: complaint “%(summary)s” is opened for %(agent)s.",
                     summary=complaint.summary,
                     agent=complaint.owner.display_name if complaint.owner else "-")

        return self._step(do)

    @expose("/cancel/", methods=("POST",))
    def cancel_view(self):
        def do(order, user):
            parts.cancel(order, (request.form.get("reason") or "").strip())
            return _("The order is cancelled.")

        return self._step(do)


def _day(raw) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


# -- home page --------------------------------------------------------------------------------

LOW_STOCK_SHOWN = 8


@due_items("parts")
def parts_work(user) -> list[DueItem]:
    """Parts below their reorder level, one line each (advisors handle them, the
    supervisor and the admin too), and the orders to move on: an advisor's own, the
    supervisor's and admin's all of them."""
    if user.role not in HANDLERS:
        return []
    items = []
    catalogue = screen(PartAdmin)
    low = db.session.scalars(select(Part).where(parts.below_reorder_level())
                             .order_by(Part.stock_on_hand, Part.number)
                             .limit(LOW_STOCK_SHOWN + 1)).all()
    for part in low[:LOW_STOCK_SHOWN]:
        items.append(DueItem(
            _("Reorder %(part)s: %(n)d on hand, reorder level %(level)d", part=part,
              n=part.stock_on_hand, level=part.reorder_level), None,
            catalogue.get_url("part.details_view", id=part.id), "danger"))
    if len(low) > LOW_STOCK_SHOWN:
        count = db.session.scalar(select(func.count()).select_from(Part).where(
            parts.below_reorder_level()))
        items.append(DueItem(_("All parts below the reorder level"), count,
                             catalogue.list_url((STOCK_FILTER, "below")), "danger"))
    orders = screen(PartsOrderAdmin)
    own = user if user.role == "service_advisor" else None
    wanted = [(HANDLER_FILTER, str(user.id))] if own else []
    for state, label, level in (
        ("open", _("Parts orders: stock to check"), "warning"),
        ("ready", _("Parts orders ready to hand over"), "info"),
        ("handed_over", _("Parts handed over, acceptance to record"), "info"),
    ):
        count = db.session.scalar(select(func.count()).select_from(PartsOrder).where(
            parts.open_orders_clause(own), PartsOrder.state == state))
        if count:
            items.append(DueItem(label, count, orders.list_url((ORDER_STATE_FILTER, state),
                                                               *wanted), level))
    return items
