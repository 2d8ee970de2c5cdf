"""The base views every screen inherits: permissions, soft delete, locking, formatting.

Every permission question goes through `Guarded.may`, which reads the one matrix in
permissions.py; no area view writes its own checks. CSRF is Flask-WTF's, app-wide.
The audit trail is written by the session hooks in audit.py, whatever the screen.
"""
import csv
import io
import logging
from collections import OrderedDict, defaultdict
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template_string,
    request,
    stream_with_context,
    url_for,
)
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext as fa_lazy_gettext
from flask_admin.babel import ngettext as fa_ngettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.contrib.sqla.validators import Unique
from flask_admin.model import filters, typefmt
from flask_admin.model.form import converts
from flask_admin.model.template import (
    DeleteRowAction,
    EditRowAction,
    LinkRowAction,
    ViewRowAction,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import Column, Select, bindparam, func, literal_column, select, union
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Query, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BooleanClauseList
from sqlalchemy.sql.selectable import Exists
from wtforms import HiddenField
from wtforms.validators import ValidationError

from .. import clock, xlsx
from ..audit import live_only
from ..auth import current_role
from ..extensions import db
from ..formatting import content_disposition, escape_formula, format_date, format_datetime
from ..models import SoftDeleteMixin, VersionMixin, choice_term
from ..permissions import allowed
from ..security import csp_nonce
from . import listpage
from .common import (
    INTEGER_MAX,
    Form,
    NumberField,
    ThroughFilter,
    address,
    as_id,
    counted_to_cap,
    fa_text,
    html_text,
    label,
)

log = logging.getLogger(__name__)

STALE_MESSAGE = _l(
    "Someone else saved this record while you were editing it. Nothing was saved: "
    "reload the page to see their changes, then make yours again."
)


def refused_as_stale(record) -> bool:
    """Was this form (not a Flask-Admin edit form) sent from a page showing an older
    version of `record`, i.e. someone saved since? Then say so; the caller saves nothing."""
    if request.form.get("version") == str(record.version):
        return False
    flash(str(STALE_MESSAGE), "error")
    return True


# Which permission each Flask-Admin endpoint needs beyond R (checked in _handle_view).
_ENDPOINT_NEEDS = {
    "create_view": "can_create",
    "edit_view": "can_edit",
    "ajax_update": "can_edit",  # Flask-Admin does not check this one itself
    "delete_view": "can_delete",
    "export": "can_export",
}
_TRASH_ACTIONS = frozenset({"restore", "purge"})
_XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AtLeast(int):
    """A count that stopped at the cap: at least this many ("1,000+")."""

    def __str__(self) -> str:
        return f"{int(self):,}+"


class CappedCount(Query):
    """A list's count (Flask-Admin asks for one on every page) that stops at
    LIST_COUNT_CAP: it reads at most that many index entries, not the whole table."""

    def scalar(self):
        # Counted once: a page filtered on a column's value asks first (it chooses its
        # plan by the count: SecureModelView._apply_filters), then Flask-Admin does.
        if "_counted" not in self.__dict__:
            cap, found = current_app.config["LIST_COUNT_CAP"], counted_to_cap(self)
            self._counted = AtLeast(cap) if found > cap else found
        return self._counted

    def _generate(self):
        query = super()._generate()
        query.__dict__.pop("_counted", None)  # a narrower query counts again
        return query


class Guarded:
    """Access by role and area, for model screens and custom pages alike."""

    area: str = ""

    def may(self, op: str) -> bool:
        return allowed(current_role(), self.area, op)

    def is_accessible(self) -> bool:
        return self.may("R")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)
        return None


def screen(view_class):
    """The app's instance of a screen class (for URLs built outside the screen)."""
    return next(v for v in current_app.extensions["admin"][0]._views if isinstance(v, view_class))


_MENU = "{% import 'admin/layout.html' as layout with context %}{{ layout.menu() }}"


def main_menu(admin_view) -> Markup:
    """Flask-Admin's main menu, rendered once per role, language and current screen (it
    asks every screen whether the role may open it), then reused."""
    key = (current_role(), str(get_locale()), request.script_root, admin_view.endpoint)
    menus = current_app.extensions["backoffice_menus"]
    html = menus.get(key)
    if html is None:  # the template escapes what it shows (Flask autoescapes strings)
        html = render_template_string(_MENU, admin_view=admin_view)
        html = menus[key] = Markup(html)  # noqa: S704  # nosec B704  # escaped by the template
    return html


def static_address(endpoint: str, **args) -> str:
    """url_for(endpoint, **args) of a static file, made once per process (and address of
    the app, the script root): the same on every page."""
    key = (request.script_root, endpoint, *sorted(args.items()))
    kept = current_app.extensions["backoffice_assets"]
    if key not in kept:
        kept[key] = url_for(endpoint, **args)
    return kept[key]


_NONCE = "\x00"  # where the response's CSP nonce goes in a kept block


def page_assets(block: str, render) -> Markup:
    """A page's links to its style sheets or scripts (Flask-Admin's head_css and tail_js
    blocks, `render`: some twenty url_for calls), rendered once per page address and
    then reused with this response's CSP nonce."""
    key = (block, request.endpoint, request.script_root)
    kept = current_app.extensions["backoffice_assets"]
    if key not in kept:
        kept[key] = str(render()).replace(csp_nonce(), _NONCE)
    # Rendered (and escaped) by the template.
    return Markup(kept[key].replace(_NONCE, csp_nonce()))  # noqa: S704  # nosec B704


class SecureBaseView(Guarded, BaseView):
    """A custom (non-CRUD) page of an area."""


def _date_formatter(view, value, name):
    return format_date(value)


def _datetime_formatter(view, value, name):
    return format_datetime(value)


YES_NO = {True: _l("Yes"), False: _l("No")}


def _yes_no_formatter(view, value, name):
    return label(YES_NO[bool(value)])


# datetime first: a datetime is a date too, and the first isinstance match wins.
_DATES = {datetime: _datetime_formatter, date: _date_formatter}

# Labels of the columns every model may have (merged into each screen's labels).
COMMON_LABELS = {
    "created_at": _l("Created"),
    "updated_at": _l("Updated"),
    "deleted_at": _l("Deleted at"),
    "version": _l("Version"),
}


def _aware(value):
    return clock.aware(value) if isinstance(value, datetime) else value


class ModelConverter(AdminModelConverter):
    """Form fields for our column types (Flask-Admin goes by the type's name).

    Flask-Admin's own "already exists" check is left out: each screen checks its
    unique values itself and links to the record that has the value already.
    """

    def convert(self, *args, **kwargs):
        field = super().convert(*args, **kwargs)
        if field is not None and "validators" in field.kwargs:
            field.kwargs["validators"] = [
                v for v in field.kwargs["validators"] if not isinstance(v, Unique)
            ]
        return field

    @converts("Numeric")
    def handle_decimal_types(self, column, field_args, **extra):  # Flask-Admin's, replaced
        return NumberField(
            digits=column.type.precision or 20, places=column.type.scale or 0, **field_args
        )

    @converts("TZDateTime")
    def convert_tzdatetime(self, field_args, **extra):
        # Typed without seconds too (the date picker writes them).
        field_args.setdefault("format", ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"])
        # Typed in local time: made aware, so that a moment left as it was compares equal
        # to the stored one (no change, no audit entry, no new version).
        field_args["filters"] = [*field_args.get("filters", ()), _aware]
        return self.convert_datetime(field_args, **extra)


class FilterConverter(sqla_filters.FilterConverter):
    """List filters for our column types."""

    @filters.convert("tzdatetime")
    def conv_tzdatetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


class FreshFilterOptions:
    """For screens whose filter drop-downs list things that change (users, screens).

    Flask-Admin computes filter options once, at start-up; those given as a function are
    asked again for every page, without touching the view's shared state (requests run
    in threads).
    """

    def _get_filter_groups(self):
        groups = super()._get_filter_groups()
        if not groups:
            return groups
        return OrderedDict(
            (key, [
                {**item, "options": self._filters[item["index"]].get_options(self) or None}
                if callable(self._filters[item["index"]].options) else item
                for item in items
            ])
            for key, items in groups.items()
        )


_ROW_ID = "\x00"  # where a row's id goes in a button's HTML (escaping keeps it)
_ICONS = {ViewRowAction: "fa fa-eye glyphicon glyphicon-eye-open",
          EditRowAction: "fa fa-pencil glyphicon glyphicon-pencil"}


def row_button(view, action, back: str):
    """A list row's button as a function (escaped id, row) -> HTML, the HTML of
    Flask-Admin's row_actions macros (admin/model/row_actions.html), made once per page.
    An action with a `shows(row)` method is left out of the rows it says no to."""
    if isinstance(action, DeleteRowAction):
        # (No translation inside an f-string: the catalogue's extraction does not see it.)
        sure = escape(fa_text("Are you sure you want to delete this record?"))
        title = escape(fa_text("Delete Record"))
        html = (f'<form class="icon" method="POST" action="{escape(view.get_url(".delete_view"))}">'
                f'<input type="hidden" name="id" value="{_ROW_ID}">'
                f'<input type="hidden" name="url" value="{escape(back)}">'
                f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
                f'<button data-confirm="{sure}" title="{title}">'
                '<span class="fa fa-trash glyphicon glyphicon-trash"></span></button></form>')
    else:
        if isinstance(action, LinkRowAction):  # our screens give its url as text
            url, icon = action.url.format(row_id=_ROW_ID), action.icon_class
        else:  # view or edit: the only other actions our screens have
            kind = next(k for k in _ICONS if isinstance(action, k))
            endpoint = ".details_view" if kind is ViewRowAction else ".edit_view"
            url, icon = f"{view.get_url(endpoint, url=back)}&id={_ROW_ID}", _ICONS[kind]
        html = (f'<a class="icon" href="{escape(url)}" title="{escape(action.title or "")}">'
                f'<span class="{escape(icon)}"></span></a>')
    before, after = html.split(_ROW_ID)
    shows = getattr(action, "shows", None)
    return lambda pk, row: before + pk + after if shows is None or shows(row) else ""


def pager(page: int, pages: int, url) -> Markup:
    """Flask-Admin's pager (its lib.html macro, after the rows a list's most expensive
    part): first, previous, seven pages around this one, next and last; `url` gives a
    page's address. The current page and the ends that lead nowhere are text, not
    links (theirs are javascript: links, which our Content-Security-Policy refuses)."""
    if pages <= 1:
        return Markup("")
    first = max(0, min(page - 3, pages - 7))
    last = min(pages, max(page + 4, 7))

    def link(target: int, text: str) -> str:
        return (f'<li class="page-item"><a class="page-link" href="{escape(url(target))}">'
                f"{text}</a></li>")

    def still(state: str, text: str) -> str:
        return f'<li class="page-item {state}"><span class="page-link">{text}</span></li>'

    html = ['<ul class="pagination">',
            link(0, "&laquo;") if first > 0 else still("disabled", "&laquo;"),
            link(page - 1, "&lt;") if page > 0 else still("disabled", "&lt;")]
    html += [still("active", str(p + 1)) if p == page else link(p, str(p + 1))
             for p in range(first, last)]
    html += [link(page + 1, "&gt;") if page + 1 < pages else still("disabled", "&gt;"),
             link(pages - 1, "&raquo;") if last < pages else still("disabled", "&raquo;"),
             "</ul>"]
    return Markup("".join(html))  # noqa: S704  # nosec B704  # every part escaped


def _sort_link(url: str, text: str, arrow: str = "") -> str:
    title = escape(fa_text("Sort by %(name)s") % {"name": text})
    return f'<a href="{escape(url)}" title="{title}">{escape(text)}{arrow}</a>'


def list_cell(view, name: str):
    """A list column as a function row -> what its cell shows: Flask-Admin's
    _get_list_value, with the column's formatter, choice labels (translated) and type
    formatters looked up once per page rather than once per cell."""
    formatter = view.column_formatters.get(name)
    choices = {value: label(text)
               for value, text in view._column_choices_map.get(name, {}).items()}
    by_type = {}

    def cell(row):
        if formatter is None:
            value = view._get_field_value(row, name)
        else:
            value = formatter(view, None, row, name)
        if choices:  # (no choice made: nothing shown)
            return choices.get(value, "" if value is None else value)
        kind = type(value)
        if kind not in by_type:
            by_type[kind] = next((f for t, f in view.column_type_formatters.items()
                                  if isinstance(value, t)), None)
        return value if by_type[kind] is None else by_type[kind](view, value, name)

    return cell


def export_cell(view, name: str):
    """An exported column as a function record -> its xlsx cell's value: dates as dates,
    numbers as numbers, choices and yes/no as their labels, lists joined, everything else
    as escaped text; the column's formatter and labels looked up once per export (as
    Flask-Admin's get_export_value would, but for the types)."""
    formatter = view.column_formatters_export.get(name)
    choices = {value: label(text)
               for value, text in view._column_choices_map.get(name, {}).items()}
    yes_no = {value: label(text) for value, text in YES_NO.items()}

    def cell(record):
        if formatter is None:
            value = view._get_field_value(record, name)
        else:
            value = formatter(view, None, record, name)
        if choices and value in choices:
            return choices[value]
        if isinstance(value, bool):
            return yes_no[value]
        if value is None or isinstance(value, date | int | float | Decimal):
            return value
        if isinstance(value, list | tuple):
            value = ", ".join(str(item) for item in value)
        return escape_formula(str(value))

    return cell


def load_relation(rows: list, relation) -> None:
    """Set `relation` on every row from one IN query, as selectinload would, at a third
    of its cost on a list page (its loader machinery, not the SQL): a reference
    (many-to-one), a collection in the relation's order, or the one record of a
    one-to-one. Every relation of the models joins one column to one column."""
    prop = relation.property
    key, target_key, query = _relation_query(prop)
    wanted = {getattr(row, key) for row in rows} - {None}
    records = db.session.scalars(query, {"wanted": list(wanted)}).all() if wanted else []
    if prop.uselist:
        found = defaultdict(list)
        for record in records:
            found[getattr(record, target_key)].append(record)
        for row in rows:
            set_committed_value(row, prop.key, found.get(getattr(row, key), []))
    else:
        found = {getattr(record, target_key): record for record in records}
        for row in rows:
            set_committed_value(row, prop.key, found.get(getattr(row, key)))


@cache
def _relation_query(prop) -> tuple[str, str, Select]:
    """The row's key, the related records' and the query of them by those keys, made
    once: SQLAlchemy keys its compiled SQL by the statement, and a statement made anew
    is keyed anew."""
    ((local, remote),) = prop.local_remote_pairs
    target = prop.mapper.class_
    target_key = prop.mapper.get_property_by_column(remote).key
    query = select(target).where(getattr(target, target_key).in_(
        bindparam("wanted", expanding=True))).order_by(*prop.order_by or ())
    return (prop.parent.get_property_by_column(local).key, target_key,
            live_only(query, target))


def _choice_terms(clauses) -> list:
    """The terms that let these conditions' columns' choice indexes be used (models)."""
    terms = (choice_term(clause.left) for clause in clauses)
    return [term for term in terms if term is not None]


# A filter's condition on the list's own column: a value ("= x", "in x, y") or a range.
_VALUE = (operators.eq, operators.in_op)
_RANGE = (operators.lt, operators.le, operators.gt, operators.ge, operators.between_op)

# From this offset on, a list page is found by its ids first (_apply_pagination).
DEFERRED_PAGE_FROM = 1000


class SecureModelView(Guarded, ModelView):
    """A CRUD screen: role checks on every endpoint, soft delete, version check."""

    # What the screen offers at all; the role decides within that.
    creatable = True
    editable = True
    deletable = True
    exportable = True

    form_base_class = Form
    model_form_converter = ModelConverter
    filter_converter = FilterConverter()
    can_view_details = True
    can_set_page_size = True
    page_size = 20
    page_size_options = (20, 50, 100)
    list_template = "admin/model/backoffice_list.html"
    form_excluded_columns = ("version", "created_at", "updated_at", "deleted_at")
    column_type_formatters = {**typefmt.BASE_FORMATTERS, **_DATES}
    column_type_formatters_detail = {
        **typefmt.DETAIL_FORMATTERS, **_DATES, bool: _yes_no_formatter
    }
    column_type_formatters_export = {
        **typefmt.EXPORT_FORMATTERS, **_DATES, bool: _yes_no_formatter
    }

    def __init__(self, *args, **kwargs):
        self.column_labels = {**COMMON_LABELS, **(self.column_labels or {})}
        super().__init__(*args, **kwargs)

    # Roles that may write here, narrower than the area's W (e.g. only the supervisor
    # appoints substitutes); None: whoever has W in the area.
    write_roles: frozenset | None = None

    def may_write(self) -> bool:
        return self.may("W") and (
            self.write_roles is None or current_role() in self.write_roles
        )

    @property
    def can_create(self) -> bool:
        return self.creatable and self.may_write()

    @property
    def can_edit(self) -> bool:
        return self.editable and self.may_write()

    @property
    def can_delete(self) -> bool:
        return self.deletable and self.may("D")

    @property
    def can_export(self) -> bool:
        return self.exportable and self.may("X")

    def _handle_view(self, name, **kwargs):
        response = super()._handle_view(name, **kwargs)
        if response is not None:
            return response
        if name in _ENDPOINT_NEEDS and not getattr(self, _ENDPOINT_NEEDS[name]):
            abort(403)
        if name == "action_view" and not self.is_action_allowed(request.form.get("action", "")):
            abort(403)
        return None

    def get_url(self, endpoint, **kwargs):
        if (endpoint == ".index_view" and has_request_context()
                and not current_app.config["STOCK_LISTS"]):  # the list's links to itself
            return address(f"{self.endpoint}.index_view", **kwargs)
        if endpoint == f"{self.admin.endpoint}.static":  # its asset links: some ten a page
            return static_address(endpoint, **kwargs)
        return super().get_url(endpoint, **kwargs)

    def list_links(self) -> list[tuple[str, str]]:
        """Extra (label, url) tabs on the list, e.g. an import page."""
        return []

    def list_url(self, *filtered: tuple, sort: str | None = None, **args) -> str:
        """The list with filters set: list_url((filter, value), ...), filter objects
        as declared in column_filters; sorted by `sort`, a column's name (the address
        gives its place among the list's columns)."""
        if sort is not None:
            args["sort"] = [name for name, _label in self._list_columns].index(sort)
        for i, (flt, value) in enumerate(filtered):
            index = self._filters.index(flt)
            args[f"flt{i}_{self.get_filter_arg(index, flt)}"] = value
        return self.get_url(f"{self.endpoint}.index_view", **args)

    # -- soft delete ------------------------------------------------------------
    @property
    def soft_deletes(self) -> bool:
        return issubclass(self.model, SoftDeleteMixin)

    @property
    def can_manage_trash(self) -> bool:
        """Restore and purge: the admin only (DOMAIN: nothing is ever lost)."""
        return (
            self.soft_deletes
            and self.can_delete
            and current_role() == "admin"
        )

    def in_trash(self) -> bool:
        return request.args.get("trash") == "1" and self.can_manage_trash

    def _get_filter_groups(self):
        """The filters' names, operations and fixed options in the page's language: made
        once per language (Flask-Admin translates each of them on every page); options
        given as a function are asked on each page (FreshFilterOptions)."""
        kept = self.__dict__.setdefault("_kept_filter_groups", {})
        language = str(get_locale())
        if language not in kept:
            kept[language] = super()._get_filter_groups()
        return kept[language]

    def _trash_filter(self, query):
        if self.in_trash():
            query = query.execution_options(include_deleted=True).filter(
                self.model.deleted_at.is_not(None)
            )
        return query

    def get_query(self):
        query = self._trash_filter(super().get_query())
        if current_app.config["STOCK_LISTS"]:
            # Flask-Admin's way: its columns' references joined; what else the rows
            # show, as the screens asked for it before load_relation.
            return query.options(*(
                selectinload(relation) if relation.key in self.list_relations
                else joinedload(relation) for relation in self._shown_relations))
        # Not joined: a JOIN in the paged query makes every row a deep page skips cost a
        # lookup in the other table. The shown relations: get_list.
        return query

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        g.range_order = None  # set by _apply_filters for _apply_sorting, in this call
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters,
                                       execute=execute, page_size=page_size)
        if execute and rows and not current_app.config["STOCK_LISTS"]:
            for relation in self._shown_relations:
                load_relation(rows, relation)
        if execute:
            self.on_list_page(rows)
        return count, rows

    def on_list_page(self, rows: list) -> None:
        """What a screen reads once for a list page's rows (into `g`, for its columns)."""

    # -- lists at scale ---------------------------------------------------------
    _shown_relations = ()  # but for the screen's own_relations
    # Relations the rows show beyond their columns' (in a formatter, a row action, a
    # collection column): loaded with the rows, as the columns' are.
    list_relations: tuple[str, ...] = ()
    # Relations the screen's get_query loads itself (joined, or with what they hold).
    own_relations: tuple[str, ...] = ()

    def render(self, template, **kwargs):
        if template == SecureModelView.list_template and current_app.config["STOCK_LISTS"]:
            # The baseline: Flask-Admin's own list, each row through its template macros.
            template = "admin/model/list.html"
        elif template == self.list_template and "return_url" in kwargs:
            kwargs["list_rows"] = self._list_rows(kwargs)
            kwargs["list_head"] = self._list_head(kwargs)
            if isinstance(kwargs["count"], AtLeast):
                # The last page is not known: past the counted rows the pager goes on a
                # page at a time, as long as pages are full.
                full = len(kwargs["data"]) == kwargs["page_size"]
                kwargs["num_pages"] = max(kwargs["num_pages"], kwargs["page"] + 1 + full)
            # (Our lists always count, capped: never Flask-Admin's simple pager.)
            kwargs["list_pager"] = pager(kwargs["page"], kwargs["num_pages"],
                                         kwargs["pager_url"])
            kwargs["list_parts"] = listpage.parts(self, kwargs)
        return super().render(template, **kwargs)

    def _list_head(self, page: dict) -> Markup:
        """The table's header row as Flask-Admin's list.html writes it (a column's name
        links to the list sorted by it; the sorted one's back the other way), written
        here for the reason the rows are."""
        html = []
        if page["actions"]:
            title = escape(fa_text("Select all records"))
            html.append('<th class="list-checkbox-column"><input type="checkbox" '
                        f'name="rowtoggle" class="action-rowtoggle" title="{title}" /></th>')
        if self.column_display_actions:
            html.append('<th class="">&nbsp;</th>')
        for index, (name, text) in enumerate(page["list_columns"]):
            html.append(f'<th class="column-header col-{escape(name.replace(".", "-"))}">')
            text = label(text)
            if not self.is_sortable(name):
                html.append(str(escape(text)))
            elif page["sort_column"] == index:
                arrow = "down" if page["sort_desc"] else "up"
                html.append(_sort_link(page["sort_url"](index, True), text, (
                    f' <span class="fa fa-chevron-{arrow} glyphicon glyphicon-chevron-{arrow}">'
                    "</span>")))
            else:
                html.append(_sort_link(page["sort_url"](index), text))
            if description := self.column_descriptions.get(name):
                html.append('<span class="fa fa-question-circle glyphicon '
                            f'glyphicon-question-sign" title="{escape(description)}" '
                            'data-role="tooltip"></span>')
            html.append("</th>")
        return Markup("".join(html))  # noqa: S704  # nosec B704  # every part escaped

    def _list_rows(self, page: dict) -> Markup:
        """The table's rows, written here as Flask-Admin's template writes them: through
        the template (each row's buttons a macro call, each cell a template call) they
        were most of a list page's time. Values are escaped as the template escapes them."""
        back = page["return_url"]
        buttons = [row_button(self, action, back) for action in page["list_row_actions"]]
        title = escape(fa_text("Select record"))
        checkbox = page["actions"] and (
            '<td><input type="checkbox" name="rowid" class="action-checkbox" value="{pk}" '
            f'title="{title}" /></td>'
        )
        columns = [(list_cell(self, name), f'<td class="col-{escape(name)}">')
                   for name, _label in page["list_columns"]]
        html = []
        for row in page["data"]:
            pk = html_text(self.get_pk_value(row))
            html.append("<tr>")
            if checkbox:
                html.append(checkbox.format(pk=pk))
            if self.column_display_actions:
                html.append('<td class="list-buttons-column">')
                html.extend(button(pk, row) for button in buttons)
                html.append("</td>")
            for value, cell in columns:
                html += (cell, html_text(value(row)), "</td>")
            html.append("</tr>")
        if not html:
            html.append('<tr><td colspan="999"><div class="text-center">'
                        f"{escape(self.get_empty_list_message())}</div></td></tr>")
        return Markup("".join(html))  # noqa: S704  # nosec B704  # every part escaped

    def scaffold_auto_joins(self):
        self._shown_relations = [relation for relation in super().scaffold_auto_joins()
                                 if relation.key not in self.own_relations]
        self._shown_relations += [getattr(self.model, name) for name in self.list_relations]
        return []  # loaded in get_query and get_list instead
    # An indexed search (search.py): a method text -> WHERE clause, or None when the
    # text narrows nothing. Screens without one use Flask-Admin's LIKE '%x%' over
    # column_searchable_list: for small tables only.
    search_clause = None

    def _apply_search(self, query, count_query, joins, count_joins, search):
        if self.search_clause is None or current_app.config["STOCK_LISTS"]:
            return super()._apply_search(query, count_query, joins, count_joins, search)
        clause = self.search_clause(search)
        if clause is not None:
            # As "id IN (the matching ids)": SQLite then finds the matches through their
            # indexes first, rather than walk the whole table in list order testing an
            # OR on each row (its plan for an OR with ORDER BY ... LIMIT).
            # An OR goes as a UNION of its parts: PostgreSQL then answers each from its
            # own index (an OR with "x IN (subquery)" in it would make it scan).
            pk = self.model.__mapper__.primary_key[0]
            parts = (clause.clauses if isinstance(clause, BooleanClauseList)
                     and clause.operator is operators.or_ else [clause])
            clause = pk.in_(union(*(select(pk).where(part) for part in parts))
                            if len(parts) > 1 else select(pk).where(clause).correlate(None))
            query = query.filter(clause)
            if count_query is not None:
                count_query = count_query.filter(clause)
        return query, count_query, joins, count_joins

    def _apply_filters(self, query, count_query, joins, count_joins, filters):
        """Each filter's condition is made once (some ask the database first), for the
        page and its count. Those on the list's own column, "= the chosen value" (a
        kind, a channel, a person) or a range (due this week, before a day), are counted
        through the column's index; then, on SQLite, which keeps no statistics of
        values, the page is read by the count: a common value (the count reached its
        cap) walks the list order's index, skipping other rows; a rare value's few rows
        are read by their ids, then sorted; a rare range's through its index. Before, a
        common value made SQLite fetch and sort every match (a second for an agent's
        calls), and a rare one walk the whole order's index (3 s on two million calls;
        vehicles overdue, by plate, when none was: 160 ms). PostgreSQL plans both from
        its statistics.

        A filter through another table with many related rows (ThroughFilter's EXISTS:
        each row of the page asks for one) is counted the other way on SQLite: the
        related rows through their index, joined to the list's (visits of vans: 28 ms
        walking visits in list order to find the cap's matches, 1 ms so). When that
        count is below the cap, the page is read by those few ids: walking the list for
        them could read all of it."""
        if count_query is None or current_app.config["STOCK_LISTS"]:
            return super()._apply_filters(query, count_query, joins, count_joins, filters)
        sqlite = db.engine.dialect.name == "sqlite"
        joined, conditions, through = [], [], []
        for idx, name, value in filters:
            flt = self._filters[idx]
            if not isinstance(flt, sqla_filters.BaseSQLAFilter) or self._filter_joins.get(
                    flt.key_name or flt.column):
                joined.append((idx, name, value))  # Flask-Admin joins the other table
                continue
            value = flt.clean(value)
            clause = flt.apply(select(self.model), value).whereclause
            conditions.append(clause)
            if sqlite and isinstance(flt, ThroughFilter) and isinstance(clause, Exists):
                through.append((flt.column, flt.related(value)))
        conditions = [clause for clause in conditions if clause is not None]
        query, count_query, joins, count_joins = super()._apply_filters(
            query, count_query, joins, count_joins, joined)
        values, ranges, others = [], [], []
        for clause in conditions:
            kind = values if self._own(clause, _VALUE) else (
                ranges if self._own(clause, _RANGE) else others)
            kind.append(clause)
        query = query.filter(*others)
        count_query = self._joined(count_query.filter(*others), through)
        if ranges:
            g.range_order = ranges[0].left  # for _apply_sorting
        if not values and not ranges:
            if through and not isinstance(count_query.scalar(), AtLeast):
                query = self._by_ids(query, count_query)
            return query, count_query, joins, count_joins
        if not sqlite:
            indexed = [*values, *ranges, *_choice_terms(values)]
            return query.filter(*indexed), count_query.filter(*indexed), joins, count_joins
        # likely(): "most rows match", so SQLite prefers another index. The count goes
        # through the rarest condition's index alone (of two, SQLite would take either:
        # a rare type with a common result read every call with that result), or
        # through the other filters' own indexes when they match fewer (first calls
        # due now: not every first call read to find the few due).
        counted = [*values, *ranges]
        found = {id(clause): self._matches(clause) for clause in counted
                 } if len(counted) > 1 or others else {}
        rarest = min(counted, key=lambda clause: found[id(clause)]) if found else counted[0]
        if others and self._joined(self.get_count_query().filter(*others), through
                                   ).scalar() <= found[id(rarest)]:
            rarest = None
        count_query = count_query.filter(
            *(clause if clause is rarest else func.likely(clause) for clause in counted),
            *_choice_terms([rarest] if rarest is not None else []))
        if isinstance(count_query.scalar(), AtLeast):
            # Many rows: the page in list order, skipping other rows; unsorted, a
            # range's list goes by its column (_apply_sorting), through its index. A
            # range is not said likely(): sorted by another column, its dates may go
            # with that order (by id, the oldest vehicles are due first), and walking
            # it could read most of the table before the first match.
            return (query.filter(*(func.likely(clause) for clause in values), *ranges),
                    count_query, joins, count_joins)
        if rarest is not None and self._own(rarest, _RANGE):
            # unlikely(): "few rows match", so SQLite reads them through the range's
            # index (in the list's order, when the range is of the order's column).
            rest = [func.likely(clause) for clause in counted if clause is not rarest]
            return query.filter(func.unlikely(rarest), *rest), count_query, joins, count_joins
        query = self._by_ids(query.filter(*(func.likely(clause) for clause in counted)),
                             count_query)
        return query, count_query, joins, count_joins

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """A list filtered on a range of one of its columns (calls by date, visits by
        archive due day), no column chosen to sort by, lists by that column, latest
        first (then in its usual order): its page is read through the range's index.
        In the list's order (newest records first) SQLite read every match and sorted
        them (calls of a year: 1.5 s), or walked the rows newer than the range's."""
        if sort_column is None and g.get("range_order") is not None:
            query = query.order_by(g.range_order.desc())
        return super()._apply_sorting(query, joins, sort_column, sort_desc)

    def _by_ids(self, query, count_query):
        """The page's rows among the ids the (few) counted rows have."""
        pk = self.model.__mapper__.primary_key[0]
        ids = count_query.with_entities(pk)
        if not self.in_trash() and self.soft_deletes:
            ids = ids.filter(self.model.deleted_at.is_(None))  # the partial indexes'
        return query.filter(pk.in_(ids.statement))

    def _joined(self, count_query, through):
        """The count joined to the related rows of filters through another table (each
        list row once: a customer has several vans)."""
        if not through:
            return count_query
        for column, related in through:
            related = related.subquery()
            count_query = count_query.join(related, related.c[0] == column)
        return count_query.with_entities(self.model.__mapper__.primary_key[0]).distinct()

    def _matches(self, clause) -> int:
        """The rows matching the condition alone, up to the count's cap, through the
        column's index."""
        return self.get_count_query().filter(clause, *_choice_terms([clause])).scalar()

    def _own(self, clause, kinds) -> bool:
        """Is the condition "own column <operator> value", with one of these operators?"""
        return (isinstance(clause, BinaryExpression) and clause.operator in kinds
                and isinstance(clause.left, Column)
                and clause.left.table is self.model.__table__)

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        # A page number typed into the address beyond any list (or below the first):
        # the farthest page an Integer offset reaches, which lists nothing, instead of
        # an offset the database cannot take.
        args.page = min(max(args.page or 0, 0), INTEGER_MAX // max(self.page_size_options))
        return args

    def _apply_pagination(self, query, page, page_size):
        page_size = self.page_size if page_size is None else page_size
        offset = (page or 0) * (page_size or 0)
        if (offset < DEFERRED_PAGE_FROM or current_app.config["STOCK_LISTS"]
                or db.engine.dialect.name != "postgresql"):
            return super()._apply_pagination(query, page, page_size)
        # A deep page on PostgreSQL: its ids first, from the order's index alone (the
        # entries include the id), then those rows; it would otherwise read every row
        # it skips. SQLite skips index entries without reading rows by itself.
        pk = self.model.__mapper__.primary_key[0]
        ids = query.with_entities(pk)
        if not self.in_trash() and issubclass(self.model, SoftDeleteMixin):
            # What audit.py adds to whole-row queries, said here for the ids'.
            ids = ids.filter(self.model.deleted_at.is_(None))
        ids = ids.offset(offset).limit(page_size).subquery()
        return query.filter(pk.in_(select(ids.c[0]))).limit(page_size)

    def get_count_query(self):
        if current_app.config["STOCK_LISTS"]:
            return self._trash_filter(super().get_count_query())
        return self._trash_filter(
            CappedCount([literal_column("1")], db.session).select_from(self.model))

    @pass_context
    def get_detail_value(self, context, model, name):
        value = super().get_detail_value(context, model, name)
        return "" if value is None else value  # a choice not made (Flask-Admin: "None")

    def get_list_row_actions(self):
        return [] if self.in_trash() else super().get_list_row_actions()

    def is_action_allowed(self, name: str) -> bool:
        if name in _TRASH_ACTIONS:
            return self.can_manage_trash
        return super().is_action_allowed(name)

    def get_actions_list(self):
        actions, confirmations = super().get_actions_list()
        trash = self.in_trash()
        actions = [a for a in actions if (a[0] in _TRASH_ACTIONS) == trash]
        names = {a[0] for a in actions}
        return actions, {k: v for k, v in confirmations.items() if k in names}

    def delete_model(self, model) -> bool:
        if not isinstance(model, SoftDeleteMixin):
            return super().delete_model(model)
        try:
            self.on_model_delete(model)
            model.soft_delete(clock.now())
            db.session.commit()
        except Exception as ex:
            db.session.rollback()
            self.handle_view_exception(ex)
            return False
        self.after_model_delete(model)
        return True

    def _rows(self, ids, *, trashed: bool = False) -> list:
        """The records a bulk action names (ids arrive as text; typed for PostgreSQL)."""
        pk = self.model.__mapper__.primary_key[0]
        try:
            values = [pk.type.python_type(i) for i in ids]
        except ValueError:
            abort(400)
        query = db.session.query(self.model).filter(pk.in_(values))
        if trashed:
            query = query.execution_options(include_deleted=True).filter(
                self.model.deleted_at.is_not(None)
            )
        return query.all()

    @action(
        "delete",
        fa_lazy_gettext("Delete"),
        fa_lazy_gettext("Are you sure you want to delete selected records?"),
    )
    def action_delete(self, ids) -> None:
        count = sum(1 for row in self._rows(ids) if self.delete_model(row))
        if count:
            flash(
                fa_ngettext(
                    "Record was successfully deleted.",
                    "%(count)s records were successfully deleted.",
                    count, count=count,
                ),
                "success",
            )

    @action("restore", _l("Restore"), _l("Restore the selected records?"))
    def action_restore(self, ids) -> None:
        rows = self._rows(ids, trashed=True)
        for row in rows:
            try:
                self.restore_record(row)
            except ValidationError as refused:
                db.session.rollback()
                flash(_("Nothing was restored: %(reason)s", reason=refused), "error")
                return
        self._commit_action(
            ngettext(
                "Record was restored.", "%(count)s records were restored.",
                len(rows), count=len(rows),
            )
        )

    def restore_record(self, record) -> None:
        """Bring one record back from the trash (ValidationError: it may not come back,
        and why); the records restored before it in the same action are back already."""
        record.restore()

    @action(
        "purge",
        _l("Delete permanently"),
        _l("Delete the selected records permanently? This cannot be undone."),
    )
    def action_purge(self, ids) -> None:
        rows = self._rows(ids, trashed=True)
        for row in rows:
            db.session.delete(row)
        self._commit_action(
            ngettext(
                "Record was deleted permanently.",
                "%(count)s records were deleted permanently.",
                len(rows), count=len(rows),
            )
        )

    def _commit_action(self, message: str) -> None:
        try:
            db.session.commit()
        except Exception as ex:
            db.session.rollback()
            self.handle_view_exception(ex)
        else:
            flash(message, "success")

    def get_one(self, id):
        """The record with this id; None for anything that cannot be an id."""
        return None if as_id(id) is None else super().get_one(str(id))

    # -- optimistic locking ----------------------------------------------------
    def scaffold_form(self):
        form_class = super().scaffold_form()
        if issubclass(self.model, VersionMixin):
            form_class.version = HiddenField()
        return form_class

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if "version" in form:
            del form.version
        return form

    def update_model(self, form, model) -> bool:
        if "version" in form:
            # What the browser sent, not the model's value WTForms falls back to.
            sent = form.version.raw_data
            del form.version  # never copied onto the model
            if not sent or sent[0] != str(model.version):
                flash(STALE_MESSAGE, "error")
                return False
        return super().update_model(form, model)

    # -- errors and export -------------------------------------------------------
    def validate_form(self, form) -> bool:
        valid = super().validate_form(form)
        # Flask-Admin only shows plain-string errors; translated (lazy) messages of
        # validators declared on the class must be made strings to be shown at all.
        for field in form:
            if isinstance(field.errors, list):
                field.errors = [str(e) if isinstance(e, LazyString) else e for e in field.errors]
        return valid

    def handle_view_exception(self, exc: Exception) -> bool:
        """Tell the user in their language; never show a raw database error."""
        if isinstance(exc, ValidationError):
            flash(str(exc), "error")
        elif isinstance(exc, StaleDataError):
            flash(STALE_MESSAGE, "error")
        elif isinstance(exc, IntegrityError):
            log.warning("integrity error in %s: %s", self.endpoint, exc)
            flash(
                _(
                    "Nothing was saved: the change conflicts with other records "
                    "(a duplicate, or a record that is still in use)."
                ),
                "error",
            )
        elif current_app.config.get("FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION"):
            raise exc
        else:
            log.exception("unexpected error in %s", self.endpoint)
            flash(_("Nothing was saved because of an unexpected error; it was logged."), "error")
        return True

    # -- export: xlsx with typed cells, csv for Excel, Chinese file names ---------
    export_types = ["xlsx", "csv"]

    @expose("/export/<export_type>/")
    def export(self, export_type: str):
        if export_type not in self.export_types:
            abort(404)
        filename = f"{self.name}_{clock.today():%Y-%m-%d}.{export_type}"
        headers = {"Content-Disposition": content_disposition(filename)}
        if export_type == "csv":
            body, mimetype = self._csv_lines(), "text/csv; charset=utf-8"
        else:
            body, mimetype = self._xlsx_chunks(), _XLSX_MIMETYPE
        return Response(stream_with_context(body), mimetype=mimetype, headers=headers)

    def _export_query(self):
        """The list's query as the user sees it (search, filters, sort), unpaged."""
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        _count, query = self.get_list(
            0, sort[0] if sort else None, args.sort_desc, args.search, args.filters,
            execute=False, page_size=self.export_max_rows or 0,
        )
        # The relations the export shows (but those the screen's query loads itself):
        # one IN query per 500 rows each, not one query per row.
        relations = sa_inspect(self.model).relationships
        exported = {name.split(".")[0] for name, _label in self._export_columns}
        exported = exported.intersection(relations.keys()) | set(self.list_relations)
        return query.options(*(
            selectinload(getattr(self.model, name))
            for name in sorted(exported - set(self.own_relations))
        )).yield_per(500)

    def _csv_lines(self):
        # The query is made here, as the rows stream: the request has ended by then and
        # its database session is gone; the session of the streaming context is the one
        # that gets closed at the end.
        query = self._export_query()
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def line(values) -> str:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(values)
            return buffer.getvalue()

        yield "\ufeff" + line([str(label) for _name, label in self._export_columns])  # BOM: Excel
        names = [name for name, _label in self._export_columns]
        for model in query:
            yield line([str(self.get_export_value(model, name)) for name in names])

    def _xlsx_chunks(self):
        """The workbook, written a row at a time to a file on disk and sent in pieces:
        memory stays flat whatever the number of rows (xlsx.py)."""
        query = self._export_query()  # in the streaming context, as for CSV
        cells = [export_cell(self, name) for name, _label in self._export_columns]
        titles = [str(title) for _name, title in self._export_columns]
        rows = ([cell(model) for cell in cells] for model in query)
        yield from xlsx.stream(str(self.name), titles, rows, clock.local_tz())

    def get_export_value(self, model, name):
        return escape_formula(super().get_export_value(model, name))
