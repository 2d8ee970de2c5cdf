"""How dates, times and values read on screen: 2026-11-27, 14:05, local time."""
from datetime import date, datetime
from urllib.parse import quote

from flask import Flask
from flask_babel import get_locale

from . import clock
from .permissions import ROLES


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(clock.local_tz())
    return value.strftime("%Y-%m-%d %H:%M")


def format_date(value: date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


# The punctuation a sentence put together in a template needs, by language: the
# templates write marks.colon, marks.list... rather than Chinese (or English) marks.
MARKS = {
    "zh": {"list": "、", "comma": "，", "colon": "：", "semicolon": "；", "open": "（",
           "close": "）", "space": "\u3000"},
    "en": {"list": ", ", "comma": ", ", "colon": ": ", "semicolon": "; ", "open": " (",
           "close": ")", "space": "\u00a0\u00a0 "},
}


def marks() -> dict[str, str]:
    """The page's language's marks (MARKS)."""
    return MARKS["zh" if str(get_locale()).startswith("zh") else "en"]


def colon(label) -> str:
    """A label and the colon of the page's language: 期间：, Period: ."""
    return f"{label}{marks()['colon']}"


def listing(items) -> str:
    """Items one after another as the page's language lists them: 甲、乙, A, B."""
    return marks()["list"].join(map(str, items))


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["colon"] = colon

    @app.context_processor
    def _template_globals():
        locale = str(get_locale())
        # The page's language as HTML names it (zh_Hans_CN is Babel's name).
        return {"roles": ROLES, "current_locale": locale,
                "html_lang": "zh-CN" if locale.startswith("zh") else locale,
                "marks": marks()}


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Keep a spreadsheet from running a cell as a formula (CSV/xlsx injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def mask_mobile(value: str | None) -> str:
    """138****1234: what a role without access to contact details sees."""
    if not value or len(value) < 8:
        return value or ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def content_disposition(filename: str, inline: bool = False) -> str:
    """A Content-Disposition whose (Chinese) file name every browser shows right."""
    stem, dot, ext = filename.rpartition(".")
    ascii_stem = stem.encode("ascii", "ignore").decode().strip(" _-") or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_stem}{dot}{ext}\"; filename*=UTF-8''{quote(filename)}"
