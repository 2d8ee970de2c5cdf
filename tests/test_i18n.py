"""Chinese first: every string we show has a translation, and the catalogs are compiled."""
import json
import re
from pathlib import Path

import flask_admin
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "backoffice" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def extracted(folder: Path, method_map, keywords=KEYWORDS, options=None) -> set:
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(folder), method_map, options_map=options, keywords=keywords
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def translated(catalog) -> dict:
    out = {}
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string if isinstance(message.string, str) else message.string[0]
        if key and string:
            out[key] = string
    return out


def test_every_string_of_ours_is_translated_to_chinese():
    ours = extracted(
        ROOT, [("backoffice/**.py", "python"), ("backoffice/templates/**.html", "jinja2")],
        # as babel.cfg says: a template the extractor cannot parse would be skipped
        options={"backoffice/templates/**.html": {
            "extensions": "jinja2.ext.do", "silent": "false"}},
    )
    with open(CATALOGS / "messages.po", "rb") as fh:
        catalog = translated(read_po(fh))
    missing = sorted(ours - catalog.keys())
    assert not missing, f"run scripts/update-translations.sh and translate: {missing}"


def test_compiled_catalogs_match_their_sources():
    """Is each .mo the compiled form of its .po (no forgotten compile)?"""
    for domain in ("messages", "admin", "wtforms"):
        with (
            open(CATALOGS / f"{domain}.po", "rb") as po,
            open(CATALOGS / f"{domain}.mo", "rb") as mo,
        ):
            assert translated(read_po(po)) == translated(read_mo(mo)), domain


def test_every_flask_admin_string_has_a_chinese_translation():
    """Flask-Admin's own catalog misses a few; ours (admin.po) must fill every gap."""
    package = Path(flask_admin.__file__).parent
    keywords = {**KEYWORDS, "_gettext": None, "_ngettext": (1, 2)}
    used = extracted(
        package,
        [("tests/**", "ignore"), ("**.py", "python"),
         ("templates/bootstrap4/**.html", "jinja2"), ("**", "ignore")],
        keywords,
    )
    # and the strings of Flask-Admin's templates we keep copies of (admin/model/layout.html)
    used |= extracted(ROOT / "backoffice" / "templates", [("**.html", "jinja2")],
                      {"_gettext": None, "_ngettext": (1, 2)})
    # and Flask-Admin's words our lists write themselves (views/listpage.py)
    used |= extracted(ROOT / "backoffice", [("**.py", "python")], {"fa_text": None})
    theirs_path = package / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "admin.mo"
    with open(theirs_path, "rb") as theirs, open(CATALOGS / "admin.mo", "rb") as ours:
        known = translated(read_mo(theirs)) | translated(read_mo(ours))
    assert not sorted(used - known.keys())


def test_pages_are_chinese_by_default_and_english_on_request(client, auth):
    auth.login_as("admin")
    chinese = client.get("/admin/user/").get_data(as_text=True)
    for word in ("用户", "列表", "创建", "导出", "搜索", "退出登录", "每页 20 条", "每页 50 条"):
        assert word in chinese
    assert "items" not in chinese
    client.get("/lang/en")
    english = client.get("/admin/user/").get_data(as_text=True)
    for word in ("Users", "List", "Create", "Export", "Search", "Sign out", "20 per page"):
        assert word in english
    # The list's labels (its columns', its choices') are kept per language.
    assert "System administrator" in english
    assert "Role" in english
    assert "系统管理员" not in english
    assert "角色" not in english
    client.get("/lang/zh_Hans_CN")
    assert "系统管理员" in client.get("/admin/user/").get_data(as_text=True)


def test_no_record_picker_says_please_select_model(client, auth):
    """Flask-Admin's record boxes say 请选择模型 when empty; ours say what to type."""
    from .test_permissions import SCREENS

    auth.login_as("admin")
    for endpoint, _area, view in SCREENS:
        if view.creatable and view.form_ajax_refs:
            html = client.get(f"/admin/{endpoint}/new/", follow_redirects=True).get_data(
                as_text=True)
            assert "data-placeholder" in html, endpoint
            assert "请选择模型" not in html, endpoint


def test_translations_keep_their_placeholders_and_nothing_else_of_the_file():
    """A hand-edited entry can swallow its neighbour (第 1 次"msgstr "第 1 次) or drop a
    %(name)s: each translation has the placeholders of its English, once each."""
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for domain in ("messages", "admin", "wtforms"):
        with open(CATALOGS / f"{domain}.po", "rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = ([message.string] if isinstance(message.string, str)
                       else list(message.string))
            for string in filter(None, strings):
                assert "msgstr" not in string, (domain, ids[0])
                assert sorted(placeholder.findall(string)) == sorted(
                    set(placeholder.findall(ids[-1]))), (domain, ids[0], string)


def test_words_are_listed_and_labelled_as_the_language_does(app):
    import flask_babel
    from flask import session

    from backoffice.formatting import colon, listing

    with app.test_request_context():
        assert listing(["原因分析", "解决办法"]) == "原因分析、解决办法"
        assert colon("期间") == "期间："
    with app.test_request_context():
        session["lang"] = "en"
        flask_babel.refresh()  # (the app context of the test keeps the locale it found)
        assert listing(["Cause", "Solution"]) == "Cause, Solution"
        assert colon("Period") == "Period: "


def test_our_flask_admin_words_win_over_its_catalogue(client, auth):
    """admin.po is merged over Flask-Admin's catalogue: where both translate a word,
    ours is shown (never its 你确定; 批量操作, not 选中的)."""
    from .factories import make_customer

    make_customer()
    auth.login_as("admin")
    html = client.get("/admin/customer/").get_data(as_text=True)
    assert "你确定" not in html
    assert "选中的" not in html
    for words in ("确定删除这条记录吗？", "批量操作"):
        assert words in html
    # (the actions' confirmations are JSON, for Flask-Admin's script)
    assert json.dumps("确定删除所选记录吗？") in html
    client.get("/lang/en")
    english = client.get("/admin/customer/").get_data(as_text=True)
    assert "Are you sure you want to delete this record?" in english
    assert "With selected" in english


@pytest.mark.parametrize("page", ["/admin/", "/admin/user/", "/login"])
def test_every_page_says_its_language(client, auth, page):
    """Screen readers, and the browser's choice of Chinese glyphs, go by <html lang>:
    Flask-Admin's pages had none; the menu button was named in English."""
    if page != "/login":
        auth.login_as("admin")
    html = client.get(page).get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    if page != "/login":
        assert 'aria-label="展开或收起菜单"' in html
        assert "Toggle navigation" not in html
    client.get("/lang/en")
    english = client.get(page).get_data(as_text=True)
    assert '<html lang="en">' in english
    if page != "/login":
        assert 'aria-label="Toggle navigation"' in english
