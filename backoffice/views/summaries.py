"""The supervisor's monthly and yearly summaries (月度小结 / 年度总结, DOMAIN.md "Reports").

A summary is created as a draft whose figures summaries.py counts; a draft may be
recounted and commented, then the supervisor files it, and from then on it is
frozen: its figures and comments never change again.
"""
import base64
import itertools
from datetime import datetime, timedelta

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from flask_admin.form.widgets import DatePickerWidget
from flask_admin.model.template import EditRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from .. import clock
from ..extensions import db
from ..models import Summary
from ..pdf import pdf_response, render_pdf
from ..rules import check_labels
from ..summaries import PERIODS, UNASSIGNED, period_bounds, summary_figures
from .base import STALE_MESSAGE, SecureModelView
from .common import Form
from .followups import (
    CALL_KIND_LABELS,
    LETTER_KIND_LABELS,
    SATISFACTION_LABELS,
    SEVERITY_LABELS,
)

PERIOD_LABELS = {"month": _l("Monthly summary"), "year": _l("Yearly summary")}
check_labels(PERIOD_LABELS, PERIODS)
FILED_MESSAGE = _l("This summary is filed: it can no longer be changed.")


# -- forms: the period when creating, only the comments afterwards ---------------------------

def _last_month_start():
    return (clock.today().replace(day=1) - timedelta(days=1)).replace(day=1)


class SummaryCreateForm(Form):
    period = SelectField(_l("Summary type"), choices=list(PERIOD_LABELS.items()))
    starts_on = DateField(
        _l("Month or year"), validators=[InputRequired()], widget=DatePickerWidget(),
        default=_last_month_start,
        description=_l("Any day of it: the summary covers the whole calendar month or year."),
    )


class SummaryEditForm(Form):
    comments = TextAreaField(
        _l("Comments"), filters=[lambda text: (text or "").strip() or None],
        render_kw={"rows": 8},
    )
    version = HiddenField()  # checked by the base view (optimistic locking)


class _EditDraftAction(EditRowAction):
    """The list's edit icon, on drafts only."""

    @staticmethod
    def shows(row) -> bool:
        return not row.filed_at

    def render(self, context, row_id, row):  # Flask-Admin's own list (the benchmark's baseline)
        return super().render(context, row_id, row) if self.shows(row) else ""


# -- the bar chart -----------------------------------------------------------------------------

CHART_SIZE = (680, 230)  # px; the PDF's content width at 0.75 pt a pixel
CHART_COLOURS = ("#9e9e9e", "#3366cc", "#2e7d32")
CHART_LEGEND = (_l("Calls due"), _l("Calls made"), _l("Made on time"))


def _tick_step(maximum: int) -> int:
    """The 1, 2, 5, 10, 20 ... step that reaches `maximum` in at most five grid lines."""
    step, factors = 1, itertools.cycle((2, 2.5, 2))
    while step * 5 < maximum:
        step = int(step * next(factors))
    return step


def calls_chart(groups: list[tuple[int, int, int]]) -> str:
    """An SVG bar chart of (due, made, on time) per group, groups numbered from 1.

    Only digits are written in it: svglib draws SVG text in Helvetica, which has no
    Chinese, so the legend and the agents' names are HTML around the picture.
    """
    (width, height), left, right, top, bottom = CHART_SIZE, 34, 6, 14, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max(max(values) for values in groups)
    step = _tick_step(highest)
    ticks = -(-highest // step)  # grid lines above the base line
    scale = plot_h / (ticks * step)
    slot = plot_w / len(groups)
    bar = min(slot * 0.8 / 3, 36)
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica" font-size="10">'
    ]
    for tick in range(ticks + 1):
        y = top + plot_h - tick * step * scale
        svg.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                   f'stroke="#cccccc" stroke-width="0.5"/>')
        svg.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{tick * step}</text>')
    for number, values in enumerate(groups, 1):
        x = left + slot * (number - 1) + (slot - 3 * bar) / 2
        for value, colour in zip(values, CHART_COLOURS, strict=True):
            h = value * scale
            svg.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar - 1:.1f}" '
                       f'height="{h:.1f}" fill="{colour}"/>')
            if bar >= 12:  # room for the value above the bar
                svg.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h - h - 2:.1f}" '
                           f'text-anchor="middle" font-size="8">{value}</text>')
            x += bar
        svg.append(f'<text x="{left + slot * (number - 0.5):.1f}" y="{height - 6}" '
                   f'text-anchor="middle">{number}</text>')
    svg.append("</svg>")
    return "".join(svg)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# -- what the page and the PDF show ----------------------------------------------------------

def summary_context(summary: Summary) -> dict:
    """The summary's tables and chart, for its page and its PDF alike."""
    figures = summary.figures or {}
    # In the order the users were added (numbered so in the chart), nobody's last.
    agents = [
        block for _key, block in sorted(
            (figures.get("agents") or {}).items(),
            key=lambda item: int(item[0]) if item[0] != UNASSIGNED else float("inf"),
        )
    ]
    calls = [
        tuple(sum(block["calls"][kind][name] for kind in ("first", "second"))
              for name in ("due", "made", "on_time"))
        for block in agents
    ]
    computed_at = figures.get("computed_at")
    return {
        "summary": summary,
        "title": PERIOD_LABELS[summary.period],
        "overall": figures.get("overall"),
        "agents": agents,
        "computed_at": datetime.fromisoformat(computed_at) if computed_at else None,
        "chart": data_uri(calls_chart(calls)) if any(map(any, calls)) else None,
        "chart_size": CHART_SIZE,
        "chart_legend": list(zip(CHART_COLOURS, CHART_LEGEND, strict=True)),
        "call_kinds": {kind: CALL_KIND_LABELS[kind] for kind in ("first", "second")},
        "inbound_kinds": {kind: CALL_KIND_LABELS[kind] for kind in ("inquiry", "complaint")},
        "letter_kinds": LETTER_KIND_LABELS,
        "severities": SEVERITY_LABELS,
        "satisfaction": SATISFACTION_LABELS,
    }


def _status_formatter(view, context, model, name):
    if model.filed_at:
        return Markup('<span class="badge badge-success">{}</span>').format(_("Filed"))
    return Markup('<span class="badge badge-warning">{}</span>').format(_("Draft"))


def _filed_by(view, context, model, name):
    return model.filed_by.display_name if model.filed_by else ""


class SummaryAdmin(SecureModelView):
    area = "followups"
    write_roles = frozenset({"supervisor", "admin"})
    details_template = "followups/summary.html"

    column_list = ("period", "starts_on", "status", "filed_by", "filed_at")
    column_export_list = (
        "period", "starts_on", "ends_on", "status", "filed_by", "filed_at", "comments",
    )
    column_default_sort = ("starts_on", True)
    column_sortable_list = ("starts_on", "filed_at")
    column_labels = {
        "period": _l("Summary type"),
        "starts_on": _l("Period"),
        "ends_on": _l("Period ends"),
        "status": _l("Status"),
        "filed_by": _l("Filed by"),
        "filed_at": _l("Filed at"),
        "comments": _l("Comments"),
    }
    column_choices = {"period": list(PERIOD_LABELS.items())}
    column_formatters = {
        "starts_on": lambda v, c, m, n: str(m),
        "status": _status_formatter,
        "filed_by": _filed_by,
    }
    column_formatters_export = {
        "status": lambda v, c, m, n: _("Filed") if m.filed_at else _("Draft"),
        "filed_by": _filed_by,
    }
    column_filters = (
        filters.FilterEqual(Summary.period, _l("Summary type"),
                            options=list(PERIOD_LABELS.items())),
    )

    def get_create_form(self):
        return SummaryCreateForm

    def get_edit_form(self):
        return SummaryEditForm

    def get_list_row_actions(self):
        return [
            _EditDraftAction() if type(action) is EditRowAction else action
            for action in super().get_list_row_actions()
        ]

    def get_save_return_url(self, model, is_created=False) -> str:
        return self.get_url(".details_view", id=model.id)

    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs.update(summary_context(kwargs["model"]))
        return super().render(template, **kwargs)

    def on_model_change(self, form, model, is_created) -> None:
        if not is_created:
            if model.filed_at:  # the edit page refuses already; a stale form lands here
                raise ValidationError(str(FILED_MESSAGE))
            return
        model.starts_on, model.ends_on = period_bounds(model.period, model.starts_on)
        if model.starts_on > clock.today():
            raise ValidationError(_("This period has not begun yet."))
        # The new summary is in the session already: no flush before it is complete.
        with db.session.no_autoflush:
            existing = db.session.scalar(
                select(Summary)
                .where(Summary.period == model.period, Summary.starts_on == model.starts_on)
                .execution_options(include_deleted=True)
            )
            if existing is not None:
                names = {"summary": PERIOD_LABELS[model.period], "period": str(existing)}
                raise ValidationError(
                    _("%(summary)s %(period)s exists already.", **names)
                    if existing.deleted_at is None else
                    _("%(summary)s %(period)s was deleted: the administrator can restore it.",
                      **names)
                )
            model.figures = summary_figures(model.starts_on, model.ends_on)

    # -- pages and buttons -----------------------------------------------------------------
    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        summary = db.session.get(Summary, request.args.get("id", type=int) or 0)
        if summary is not None and summary.filed_at:
            flash(str(FILED_MESSAGE), "error")
            return redirect(self.get_url(".details_view", id=summary.id))
        return super().edit_view()

    def _posted_draft(self) -> Summary | None:
        """The draft a button was pressed for, or None (and why) when it cannot change."""
        if not self.can_edit:
            abort(403)
        summary = _summary_or_404()
        if summary.filed_at:
            flash(str(FILED_MESSAGE), "error")
        elif request.form.get("version") != str(summary.version):
            flash(str(STALE_MESSAGE), "error")  # changed since the page was shown
        else:
            return summary
        return None

    @expose("/file/", methods=("POST",))
    def file_view(self):
        summary = self._posted_draft()
        if summary:
            summary.filed_at = clock.now()
            summary.filed_by_id = current_user.id
            self._commit_action(_("The summary is filed."))
        return redirect(self.get_url(".details_view", id=request.args.get("id", type=int)))

    @expose("/recalculate/", methods=("POST",))
    def recalculate_view(self):
        summary = self._posted_draft()
        if summary:
            summary.figures = summary_figures(summary.starts_on, summary.ends_on)
            self._commit_action(_("The figures were counted again."))
        return redirect(self.get_url(".details_view", id=request.args.get("id", type=int)))

    @expose("/pdf/")
    def pdf_view(self):
        summary = _summary_or_404()
        data = render_pdf("pdf/summary.html", **summary_context(summary))
        return pdf_response(data, f"{PERIOD_LABELS[summary.period]}_{summary}.pdf")


def _summary_or_404() -> Summary:
    summary = db.session.get(Summary, request.args.get("id", type=int) or 0)
    if summary is None:
        abort(404)
    return summary
