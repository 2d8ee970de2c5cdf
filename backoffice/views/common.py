"""Building blocks the screens share: record pickers, list filters, form validators,
labels and badges."""
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request, url_for
from flask_admin.babel import lazy_gettext as fa_lazy_gettext
from flask_admin.contrib.sqla import filters
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.form import BaseForm
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, select
from werkzeug.datastructures import iter_multi_items
from wtforms import DecimalField, FormField, PasswordField
from wtforms.fields.core import UnboundField
from wtforms.validators import ValidationError

from .. import clock
from ..audit import live_only
from ..extensions import db
from ..models import User

try:  # markupsafe's escaping itself (C), which escape() wraps in a Markup object
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover  # another markupsafe than requirements.txt's
    def _escape_inner(text: str) -> str:
        return str(escape(text))


# The largest number an Integer column holds (PostgreSQL refuses a bigger one).
INTEGER_MAX = 2**31 - 1


def as_id(value) -> int | None:
    """`value` (sent by a form or in the address) as a record id, or None when it cannot
    be one: PostgreSQL would refuse to compare text, or a number beyond any Integer key,
    with an id."""
    text = str(value)
    if text.isascii() and text.isdigit() and int(text) <= INTEGER_MAX:
        return int(text)
    return None


class Form(BaseForm):
    """Every form of ours (Flask-Admin's screens' and our own): WTForms with its messages
    in the user's language (Flask-Admin's BaseForm), reading input as a person means it.
    Text loses its surrounding spaces, so a required field of spaces only is empty (WTForms'
    InputRequired takes "   "); a whole number bigger than a column holds is refused (it
    reached PostgreSQL before); a date outside 1901-2099 is taken for a typing slip; a
    value that could not be read ("abc" for a number) says so alone, not also "must be
    at least 0" (its validators ran on nothing)."""

    def validate(self, extra_validators=None):
        for field in self:
            if isinstance(field.data, str) and not isinstance(field, PasswordField):
                field.data = field.data.strip()
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field, FormField):
                continue
            if field.errors and field.process_errors:  # (Optional() clears both)
                field.errors = list(field.process_errors)
            elif field.flags.required and field.data == "":
                field.errors = [_("This field is required.")]
            elif type(field.data) is int and abs(field.data) > INTEGER_MAX:
                field.errors = [_("The number is too large.")]
            elif isinstance(field.data, date) and not 1900 < field.data.year < 2100:
                field.errors = [_("Check the year: %(year)d.", year=field.data.year)]
            else:
                continue
            valid = False
        return valid


class SearchLoader(QueryAjaxModelLoader):
    """A form's record picker that searches through the indexes, not LIKE '%x%'; its
    empty box says what to type (Flask-Admin's says "Please select model")."""

    def __init__(self, name, model, search, label, order_by,
                 placeholder=_l("Type to search")):
        super().__init__(name, db, model, fields=["id"], placeholder=placeholder)
        self.search, self.label, self.order = search, label, order_by

    def format(self, model):
        return (model.id, self.label(model)) if model else None

    def get_one(self, pk):
        record_id = as_id(pk)
        return None if record_id is None else super().get_one(record_id)

    def get_list(self, term, offset=0, limit=10):
        clause = self.search(term or "")
        if clause is None:
            return []
        query = db.session.query(self.model).filter(clause).order_by(self.order)
        return query.offset(offset).limit(min(limit, 20)).all()


def form_labels(*forms) -> dict:
    """{field name: label} of the fields these form classes declare."""
    return {name: field.args[0] if field.args else field.kwargs["label"]
            for form in forms for name, field in vars(form).items()
            if isinstance(field, UnboundField)}


def users_with_role(role: str):
    return (
        db.session.query(User).filter(User.role == role, User.active).order_by(User.display_name)
    )


class Normalized:
    """Validator that stores the normalized value, or fails with the rule's reason."""

    def __init__(self, normalize):
        self.normalize = normalize

    def __call__(self, form, field):
        if field.data in (None, ""):
            field.data = None
            return
        try:
            field.data = self.normalize(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error


def decimal_problem(value: Decimal, digits: int, places: int) -> str | None:
    """Why `value` does not fit a Numeric(digits, places) column, or None."""
    if not value.is_finite():
        return _("Enter a number.")
    if value.as_tuple().exponent < -places:
        return ngettext("At most %(num)d decimal place.", "At most %(num)d decimal places.",
                        places)
    if abs(value) >= 10 ** (digits - places):
        return _("The number is too large.")
    return None


class NumberField(DecimalField):
    """A decimal number as its Numeric(digits, places) column can keep it: typed with
    full-width digits too; NaN, infinity, too many decimals or digits are refused."""

    def __init__(self, label=None, validators=None, digits: int = 10, places: int = 2, **kwargs):
        super().__init__(label, validators, places=places, **kwargs)
        self.digits, self.decimals = digits, places

    def process_formdata(self, valuelist):
        super().process_formdata(
            [unicodedata.normalize("NFKC", v).strip() for v in valuelist if isinstance(v, str)]
        )
        problem = self.data is not None and decimal_problem(self.data, self.digits, self.decimals)
        if problem:
            self.data = None
            raise ValueError(problem)


def not_negative(form, field):
    if field.data is not None and field.data < 0:
        raise ValidationError(_("Cannot be negative."))


def not_in_future(form, field) -> None:
    """A form validator: a date (today at the latest) or a moment that has passed."""
    value = field.data
    if isinstance(value, datetime):
        later = clock.aware(value) > clock.now()
    else:
        later = value is not None and value > clock.today()
    if later:
        raise ValidationError(_("This cannot be in the future."))


def not_before(name: str, message):
    """A form validator: a date or moment not before the form's field `name` (a date
    against a moment: against the moment's day)."""
    def check(form, field) -> None:
        earliest, value = form[name].data, field.data
        if isinstance(earliest, datetime) and not isinstance(value, datetime):
            earliest = clock.local_date(earliest)
        if value and earliest and value < earliest:
            raise ValidationError(str(message))

    return check


class OptionFilter(filters.BaseSQLAFilter):
    """A list filter whose options each stand for an SQL condition.

    `options` is a dict, or a function giving (value, label) pairs (users change,
    so those are read on each page; see FreshFilterOptions).
    """

    def __init__(self, column, name, options, clause):
        super().__init__(column, name, options=fresh_options(options))
        self.clause = clause

    def validate(self, value) -> bool:
        options = self.options() if callable(self.options) else self.options
        return value in dict(options)

    def apply(self, query, value, alias=None):
        return query.filter(self.clause(value))

    def operation(self):
        return _l("is")


class ThroughFilter(OptionFilter):
    """A list filter through another table: the rows whose `column` is one of the values
    `related(option)` (a one-column select of the other table) gives. When those are
    few (up to LIST_COUNT_CAP, counted through their index), they are listed first; when
    many, listing them all was most of the page (a type's 100,000 vehicles: 100-200 ms),
    so each row of the page asks for one instead (EXISTS), through the other table's
    index, and a page of matches is found among the first rows in list order. The
    list's count then goes the other way (SecureModelView._apply_filters)."""

    def __init__(self, column, name, options, related):
        super().__init__(column, name, options, self.condition)
        self.related = related

    def condition(self, value):
        related = self.related(value)
        if counted_to_cap(related) <= current_app.config["LIST_COUNT_CAP"]:
            return self.column.in_(related)
        return related.where(related.selected_columns[0] == self.column).exists()


def counted_to_cap(query) -> int:
    """The rows of a query or select, counted up to one more than LIST_COUNT_CAP: it
    reads at most that many index entries, not the whole table."""
    capped = query.limit(current_app.config["LIST_COUNT_CAP"] + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(capped))


def fresh_options(options):
    """Filter options as Flask-Admin takes them; a function is asked on each page."""
    if isinstance(options, dict):
        return list(options.items())
    # Flask-Admin also asks once at start-up, outside any request: nothing to list then.
    return lambda: options() if has_request_context() else []


def _user_options(role: str) -> list[tuple[str, str]]:
    """(id, name) of the active users with `role`, read once per request (a list asks
    for its filters' options, and again to check the one chosen)."""
    options = g.setdefault("user_options", {})
    if role not in options:
        options[role] = [(str(user_id), name) for user_id, name
                         in db.session.execute(_USERS_WITH_ROLE, {"role": role})]
    return options[role]


_USERS_WITH_ROLE = live_only(select(User.id, User.display_name).where(
    User.role == bindparam("role"), User.active).order_by(User.display_name), User)


def agent_options():
    return _user_options("followup_agent")


def advisor_options():
    return _user_options("service_advisor")


def editing_id() -> int | None:
    """The id of the record the edit form is for; None on the create form."""
    return request.args.get("id", type=int) if request.endpoint.endswith("edit_view") else None


def existing_record(model, column, value, editing: int | None):
    """Another record (deleted ones too) that has `value` in a unique column."""
    query = select(model).where(column == value).execution_options(include_deleted=True)
    if editing:
        query = query.where(model.id != editing)
    return db.session.scalar(query.limit(1))


def duplicate_error(message: str, url: str, label: str) -> Markup:
    """A form error that links to the record holding the value already (after the
    message's colon: a space in English, none after Chinese "：")."""
    space = "" if str(message).endswith("：") else " "
    return Markup('{}{}<a href="{}">{}</a>').format(message, space, url, label)


# language -> {id of a lazy label: (the label, its text)}; the label is kept, so that
# its id stays its own.
_LABELS: dict[str, dict[int, tuple]] = {}


def label(text) -> str:
    """A lazy label (a module's constant: the labels kept are never let go) as text in
    the request's language, translated once per process and language: a list page
    shows a few dozen (its columns', its choices'), and each translation asks
    Flask-Babel for the request's locale and catalogue."""
    if isinstance(text, str):
        return text
    labels = g.get("labels")
    if labels is None:
        labels = g.labels = _LABELS.setdefault(str(get_locale()), {})
    done = labels.get(id(text))
    if done is None:
        done = labels[id(text)] = (text, str(text))
    return done[1]


def address(endpoint: str, **args) -> str:
    """url_for(endpoint, **args) for an endpoint whose address has no variable part, its
    path made once per request: a list page links to itself some thirty times (pager,
    sort, page size) and to a record on every row, and url_for costs more than the rest
    of such a link. The query string is encoded as url_for encodes it (None left out)."""
    paths = g.setdefault("endpoint_paths", {})
    path = paths.get(endpoint)
    if path is None:
        path = paths[endpoint] = url_for(endpoint)
    if all(type(value) is int for value in args.values()):  # a record's id: nothing to quote
        query = "&".join(f"{name}={value}" for name, value in args.items())
    else:
        query = urlencode([item for item in iter_multi_items(args) if item[1] is not None],
                          safe="!$'()*,/:;?@")
    return f"{path}?{query}" if query else path


def html_text(value) -> str:
    """str(escape(value)), for HTML written in Python some hundreds of values a page (a
    list's cells, links and badges): escape() makes a Markup object of each, which cost
    more than the escaping."""
    if value.__class__ is str:
        return _escape_inner(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


_FA_WORDS: dict[str, object] = {}


def fa_text(msgid: str) -> str:
    """Flask-Admin's translation of `msgid` (its catalogue and ours), kept as label()
    keeps a label's: a list page shows some twenty of its words."""
    lazy = _FA_WORDS.get(msgid)
    if lazy is None:
        lazy = _FA_WORDS[msgid] = fa_lazy_gettext(msgid)
    return label(lazy)


def row_link(endpoint: str, text, **args) -> Markup:
    """A link in a list's row: `text` to `endpoint` with `args` in its query string."""
    # Not Markup.format: a list calls this on every row, and that is 5 times slower.
    return Markup(  # noqa: S704  # nosec B704  # every part escaped
        f'<a href="{html_text(address(endpoint, **args))}">{html_text(text)}</a>')


def badge(css: str, text) -> Markup:
    return Markup(  # noqa: S704  # nosec B704  # every part escaped (as in row_link)
        f'<span class="badge badge-{html_text(css)}">{html_text(label(text))}</span>')
