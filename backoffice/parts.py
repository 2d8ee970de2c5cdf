"""Parts supply (配件供应): stock that never goes below zero, and the parts order's way
through 客户下单 → 配件查询 → 配件发货 → 配件验收 (汽车零部件售后服务管理制度 第八条).

Stock changes only here, each change a StockMovement row (in, out, adjust; who, why,
the balance after), so the movements of a part add up to its stock on hand.
"""
import re
import unicodedata
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from . import followups
from .extensions import db
from .formatting import format_date, listing
from .models import Complaint, Part, PartsOrder, PartsOrderLine, StockMovement, User
from .search import starts_with

# An order's lines and quantities may change until its parts leave the stock.
CHANGEABLE_STATES = ("open", "awaiting_stock", "ready")


class StockRefused(ValueError):
    """A stock movement or an order step that cannot be done; the message says why."""


# -- the catalogue -------------------------------------------------------------------------

def part_search(term: str):
    """SQL: parts whose number or name begins with `term` (through their indexes)."""
    text = unicodedata.normalize("NFKC", term or "").strip()
    if not text:
        return None
    number = re.sub(r"\s+", "", text).upper()
    return or_(starts_with(Part.number, number), starts_with(Part.name, text))


def find_parts(term: str, limit: int = 10) -> list[Part]:
    clause = part_search(term)
    if clause is None:
        return []
    return list(db.session.scalars(select(Part).where(clause).order_by(Part.number)
                                   .limit(limit)))


def below_reorder_level():
    """SQL: the parts to reorder (stock on hand under the reorder level)."""
    return Part.stock_on_hand < Part.reorder_level


# -- stock movements -----------------------------------------------------------------------

def _move(part: Part, kind: str, change: int, reason: str, user: User | None,
          line: PartsOrderLine | None = None, expected: int | None = None) -> StockMovement:
    """Change the stock by `change` in one conditional UPDATE, or refuse.

    `UPDATE part SET stock_on_hand = stock_on_hand + :change WHERE id = :id AND
    stock_on_hand + :change >= 0` is atomic in the database: two app servers taking
    the last units cannot both succeed, however stale their copy of the part is (on
    PostgreSQL the second UPDATE waits for the first's row lock, then re-reads the row
    and matches nothing). No row matched means not enough stock. It is a Core UPDATE
    on purpose: the ORM would write back the value it read (a lost update). The change
    is on record as the StockMovement row, which the audit trail logs as created.
    """
    if not reason:
        raise StockRefused(_("Give the reason for the stock movement."))
    db.session.flush()  # a part just added is in the table before the UPDATE looks for it
    table = Part.__table__
    statement = (
        update(table)
        .where(table.c.id == part.id, table.c.stock_on_hand + change >= 0)
        .values(stock_on_hand=table.c.stock_on_hand + change)
        .returning(table.c.stock_on_hand)
    )
    if expected is not None:
        statement = statement.where(table.c.stock_on_hand == expected)
    balance = db.session.execute(statement).scalar_one_or_none()
    if balance is None:
        on_hand = db.session.scalar(select(table.c.stock_on_hand).where(table.c.id == part.id))
        set_committed_value(part, "stock_on_hand", on_hand)
        if expected is not None and on_hand != expected:
            raise StockRefused(_("The stock of %(part)s changed while you counted (now "
                                 "%(now)d): count again.", part=part, now=on_hand))
        raise StockRefused(_("Not enough %(part)s in stock: %(on_hand)d on hand, %(wanted)d "
                             "wanted.", part=part, on_hand=on_hand, wanted=-change))
    set_committed_value(part, "stock_on_hand", balance)
    movement = StockMovement(part=part, kind=kind, quantity=change, balance_after=balance,
                             reason=reason[:200], user=user, order_line=line)
    db.session.add(movement)
    return movement


def receive(part: Part, quantity: int, reason: str, user: User | None) -> StockMovement:
    """Parts come in (入库): a delivery from the supplier, a return to the shelf."""
    if quantity <= 0:
        raise StockRefused(_("The quantity must be at least 1."))
    return _move(part, "in", quantity, reason, user)


def issue(part: Part, quantity: int, reason: str, user: User | None,
          line: PartsOrderLine | None = None) -> StockMovement:
    """Parts go out (出库): handed over on an order, or taken for the workshop's use."""
    if quantity <= 0:
        raise StockRefused(_("The quantity must be at least 1."))
    return _move(part, "out", -quantity, reason, user, line)


def count(part: Part, counted: int, reason: str, user: User | None,
          seen: int) -> StockMovement | None:
    """A stocktake (盘点调整): the shelf holds `counted`; `seen` is the stock the counter
    saw on screen, so a movement in between is not silently overwritten."""
    if counted < 0:
        raise StockRefused(_("A count cannot be negative."))
    if counted == seen:
        return None
    return _move(part, "adjust", counted - seen, reason, user, expected=seen)


# -- orders --------------------------------------------------------------------------------

def with_lines():
    return selectinload(PartsOrder.lines).joinedload(PartsOrderLine.part)


def shortfalls(order: PartsOrder) -> list[tuple[PartsOrderLine, int]]:
    """The lines the stock cannot serve now, with how many are missing."""
    return [(line, line.quantity - line.part.stock_on_hand) for line in order.lines
            if line.quantity > line.part.stock_on_hand]


def check_stock(order: PartsOrder, user: User, now: datetime,
                expected_on: date | None) -> list[tuple[PartsOrderLine, int]]:
    """配件查询: ready when every line is in stock, else waiting for the parts short."""
    if order.state not in CHANGEABLE_STATES:
        raise StockRefused(_("The parts of this order have left the stock already."))
    if not order.lines:
        raise StockRefused(_("The order has no parts yet."))
    for line in order.lines:
        db.session.refresh(line.part, ["stock_on_hand"])
    short = shortfalls(order)
    if short and expected_on is None:
        raise StockRefused(_("Some parts are short: say when they are expected."))
    if short and expected_on < now.date():
        raise StockRefused(_("The parts short cannot be expected on %(day)s, a day already "
                             "past: say when they are expected now.",
                             day=format_date(expected_on)))
    order.state = "awaiting_stock" if short else "ready"
    order.expected_on = expected_on if short else None
    order.checked_at, order.checked_by = now, user
    return short


def hand_over(order: PartsOrder, delivery: str, day: date, by: User, tracking: str | None,
              user: User) -> None:
    """配件发货: the parts leave the stock (every line, or none) and go to the customer.

    Lines are taken in part order, so two orders sharing parts lock them in the same
    order and cannot deadlock on PostgreSQL.
    """
    if order.state != "ready":
        raise StockRefused(_("Check the stock first: only an order whose parts are all in "
                             "stock is handed over."))
    if day < order.ordered_on:
        raise StockRefused(_("The parts cannot go out before the order was placed, on "
                             "%(day)s.", day=format_date(order.ordered_on)))
    reason = _("Parts order %(number)s", number=order.number)
    for line in sorted(order.lines, key=lambda line: line.part_id):
        issue(line.part, line.quantity, reason, user, line)
    order.state, order.delivery, order.handed_over_on = "handed_over", delivery, day
    order.handed_over_by, order.tracking = by, tracking


def accept(order: PartsOrder, day: date) -> None:
    """配件验收: the customer checked the parts and accepts them."""
    _ensure_handed_over(order)
    order.state, order.accepted_on = "accepted", day


def reject(order: PartsOrder, day: date, problem: str) -> Complaint:
    """The customer rejects the parts for a quality problem: a complaint is opened for the
    customer's follow-up agent. The rejected parts do not go back on the shelf."""
    _ensure_handed_over(order)
    if not problem:
        raise StockRefused(_("Describe the quality problem."))
    order.state, order.accepted_on, order.quality_problem = "rejected", day, problem
    parts = listing(line.part.name for line in order.lines)
    order.complaint = followups.new_item(
        "complaint", order.customer, order.vehicle,
        _("Parts rejected for quality (order %(number)s): %(parts)s", number=order.number,
          parts=parts), problem, followups.choose_agent(order.customer), day)
    return order.complaint


def _ensure_handed_over(order: PartsOrder) -> None:
    if order.state != "handed_over":
        raise StockRefused(_("Only parts handed over can be accepted or rejected."))


def cancel(order: PartsOrder, reason: str) -> None:
    if order.state not in CHANGEABLE_STATES:
        raise StockRefused(_("The parts of this order have left the stock already."))
    if not reason:
        raise StockRefused(_("Give the reason for the cancellation."))
    order.state, order.cancel_reason = "cancelled", reason[:200]


def open_orders_clause(user: User | None = None):
    """SQL: orders still moving (not accepted, rejected or cancelled); a user's own."""
    clause = PartsOrder.state.in_((*CHANGEABLE_STATES, "handed_over"))
    return and_(clause, PartsOrder.handled_by_id == user.id) if user else clause
