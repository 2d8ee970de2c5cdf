"""A list page's parts around its table: the menu bar (create, export, filters, page
size, bulk actions, search), the filter and action forms and the assets they need.

The HTML of Flask-Admin's list.html and its macros (our copies in
templates/admin/model/layout.html and admin/actions.html: no inline script, no
javascript: links), written in Python as the table's rows are (SecureModelView._list_rows):
through the template, which imports five macro files on every page, these parts were a
fifth of a list page's work. Every value shown is escaped."""
from flask import current_app, request
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from ..security import csp_nonce
from .common import fa_text, html_text, label

_CSS = (("vendor/select2/select2.css", "4.2.1"),
        ("vendor/select2/select2-bootstrap4.css", "1.4.6"),
        ("vendor/bootstrap-daterangepicker/daterangepicker-bs4.css", "1.3.22"))
_FORM_JS = (("vendor/bootstrap-daterangepicker/daterangepicker.js", "1.3.22"),
            ("admin/js/form.js", "1.0.1"),
            ("admin/js/bs4_modal.js", "1.0.0"),
            ("admin/js/bs4_filters.js", "1.0.0"))
_ACTIONS_JS = (("admin/js/actions.js", "1.0.0"),)


def parts(view, page: dict) -> dict[str, Markup]:
    """The parts of `view`'s list page, `page` being what Flask-Admin's index_view gives
    its template: css (in the head), menu, filter_form, action_form, tail (at the end of
    the body)."""
    html = {"css": "".join(f'<link href="{html_text(_static(view, name, v))}" rel="stylesheet">'
                           for name, v in _CSS),
            "menu": menu_bar(view, page),
            "filter_form": filter_form(page) if page["filters"] else "",
            "action_form": action_form(view, page) if page["actions"] else "",
            "tail": tail(view, page)}
    return {name: Markup(part) for name, part in html.items()}  # noqa: S704  # nosec B704


def menu_bar(view, page: dict) -> str:
    count = page["count"]
    # (No translation inside an f-string: the catalogue's extraction does not see it.)
    html = ['<ul class="nav nav-tabs"><li class="nav-item"><span class="nav-link active">',
            html_text(fa_text("List")), f" ({html_text(count)})" if count else "", "</span></li>"]
    if view.can_create:
        title, text = html_text(fa_text("Create New Record")), html_text(fa_text("Create"))
        url = html_text(view.get_url(".create_view", url=page["return_url"]))
        html.append(f'<li class="nav-item"><a href="{url}" title="{title}" class="nav-link">'
                    f"{text}</a></li>")
    if view.can_export:
        html.append(_export_menu(view))
    html += (f'<li class="nav-item"><a class="nav-link" href="{html_text(url)}">{html_text(text)}'
             "</a></li>" for text, url in view.list_links())
    if page["filters"]:
        html.append(_dropdown(fa_text("Add Filter"), (
            f'<a href="#" class="dropdown-item filter">{html_text(name)}</a>'
            for name in page["filter_groups"]), menu="dropdown-menu field-filters"))
    if page["can_set_page_size"]:
        size, per_page = page["page_size"], fa_text("%(num)d per page")
        html.append(_dropdown(per_page % {"num": size}, (
            f'<a class="dropdown-item{" active" if option == size else ""}" '
            f'href="{html_text(page["page_size_url"](option))}">'
            f'{html_text(per_page % {"num": option})}</a>'
            for option in view.page_size_options)))
    if page["actions"]:
        html.append(_dropdown(fa_text("With selected"), (
            f'<a class="dropdown-item" href="#" data-model-action="{html_text(name)}">'
            f"{html_text(label(text))}</a>" for name, text in page["actions"])))
    if page["search_supported"]:
        html.append(f'<li class="nav-item ml-2">{search_form(page)}</li>')
    if view.can_manage_trash:
        html.append(_trash_link(view))
    html.append("</ul>")
    return "".join(html)


def _dropdown(text: str, items, menu: str = "dropdown-menu") -> str:
    return (f'<li class="nav-item dropdown"><a class="nav-link dropdown-toggle" '
            f'data-toggle="dropdown" href="#" role="button" aria-haspopup="true" '
            f'aria-expanded="false">{html_text(text)}</a><div class="{menu}">{"".join(items)}'
            "</div></li>")


def _export_menu(view) -> str:
    """The list's export link(s), with the list's filters, search and sort."""
    title = html_text(fa_text("Export"))

    def url(kind: str) -> str:
        return html_text(view.get_url(".export", export_type=kind, **request.args))

    if len(view.export_types) == 1:
        return (f'<li class="nav-item"><a class="nav-link" href="{url(view.export_types[0])}" '
                f'title="{title}">{title}</a></li>')
    return _dropdown(title, (
        f'<a class="dropdown-item" href="{url(kind)}" title="{title}">{title} '
        f"{html_text(kind.upper())}</a>" for kind in view.export_types))


def _trash_link(view) -> str:
    """The admin's way to the deleted records, and back."""
    deleted = html_text(_("Deleted records"))
    if view.in_trash():
        back = html_text(_("Back to the list"))
        return ('<li class="nav-item ml-auto"><a class="nav-link active text-danger" '
                f'href="{html_text(view.get_url(".index_view"))}">{deleted} · {back}</a></li>')
    return ('<li class="nav-item ml-auto"><a class="nav-link" '
            f'href="{html_text(view.get_url(".index_view", trash=1))}">{deleted}</a></li>')


def _hidden(fields) -> str:
    return "".join(f'<input type="hidden" name="{html_text(name)}" value="{html_text(value)}">'
                   for name, value in fields)


def _kept(page: dict, *, search: bool) -> list[tuple[str, object]]:
    """What a form of the list keeps of the list's state beside what it changes."""
    kept = list(page["extra_args"].items())
    if page["sort_column"] is not None:
        kept.append(("sort", page["sort_column"]))
    if page["sort_desc"]:
        kept.append(("desc", 1))
    if search and page["search"]:
        kept.append(("search", page["search"]))
    return kept


def _page_size(page: dict) -> list[tuple[str, object]]:
    size = page["page_size"]
    return [("page_size", size)] if size != page["default_page_size"] else []


def search_form(page: dict) -> str:
    search = page["search"]
    placeholder = html_text(page["search_placeholder"])
    field = (f'<input class="form-control col-auto" size="30" type="text" name="search" '
             f'value="{html_text(search or "")}" placeholder="{placeholder}" '
             f'aria-label="{placeholder}">')
    text = html_text(fa_text("Search"))
    button = f'<button class="btn btn-secondary my-2 my-sm-0 ml-2" type="submit">{text}</button>'
    if search:
        clear = html_text(_("Clear the search"))
        field = (f'<div class="form-inline input-group">{field}<div class="input-group-append">'
                 f'<span class="input-group-text"><a href="{html_text(page["clear_search_url"])}" '
                 f'class="align-middle" title="{clear}" aria-label="{clear}">'
                 '<span class="fa fa-times glyphicon glyphicon-remove"></span></a></span></div>'
                 f"{button}</div>")
    else:
        field = f'<div class="form-inline">{field}{button}</div>'
    kept = [*page["filter_args"].items(), *_page_size(page), *_kept(page, search=False)]
    return (f'<form method="GET" action="{html_text(page["return_url"])}" '
            f'class="form-inline my-2 my-lg-0" role="search">{_hidden(kept)}{field}</form>')


def filter_form(page: dict) -> str:
    """The form bs4_filters.js fills with the chosen filters' fields."""
    apply, reset = html_text(fa_text("Apply")), html_text(fa_text("Reset Filters"))
    reset = (f'<a href="{html_text(page["clear_search_url"])}" class="btn btn-secondary">{reset}'
             "</a>") if page["active_filters"] else ""
    return (f'<form id="filter_form" method="GET" action="{html_text(page["return_url"])}">'
            f'{_hidden(_kept(page, search=True) + _page_size(page))}<div class="pull-right">'
            f'<button type="submit" class="btn btn-primary d-none">{apply}</button>{reset}'
            '</div><table class="filters"></table></form><div class="clearfix"></div>')


def action_form(view, page: dict) -> str:
    """The form actions.js posts a bulk action (the rows ticked) with."""
    return (f'<form id="action_form" action="{html_text(view.get_url(".action_view"))}" '
            'method="POST" class="d-none">'
            f'{_hidden([("csrf_token", generate_csrf())])}'
            f'<input id="url" name="url" type="hidden" value="{html_text(page["return_url"])}">'
            '<input id="action" name="action" type="hidden" value=""></form>')  # actions.js


def tail(view, page: dict) -> str:
    html = []
    if page["filter_groups"]:
        html.append(_data("filter-groups-data", page["filter_groups"]))
        html.append(_data("active-filters-data", page["active_filters"]))
    scripts = list(_FORM_JS)
    if page["actions"]:
        html.append(_data("actions-confirmation-data", page["actions_confirmation"]))
        html.append(_data("message-data", fa_text("Please select at least one record.")))
        scripts += _ACTIONS_JS
    nonce = html_text(csp_nonce())
    html += (f'<script nonce="{nonce}" src="{html_text(_static(view, name, v))}"></script>'
             for name, v in scripts)
    return "".join(html)


def _data(element_id: str, value) -> str:
    """Data for Flask-Admin's scripts, as its template's `tojson` writes it."""
    data = htmlsafe_json_dumps(value, dumps=current_app.json.dumps)
    return f'<div id="{element_id}" class="d-none">{data}</div>'


def _static(view, name: str, version: str) -> str:
    return view.get_url(f"{view.admin.endpoint}.static", filename=name, v=version)
