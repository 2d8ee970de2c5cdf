"""The audit trail: every write, from any screen or the CLI, in the same transaction."""
import csv
import io
import re

import pytest
from sqlalchemy import select, update

from backoffice.audit import REDACTED
from backoffice.extensions import db
from backoffice.models import AuditLog, User

from .factories import make_user


def audit_rows(**where) -> list[AuditLog]:
    query = select(AuditLog).order_by(AuditLog.id)
    for key, value in where.items():
        query = query.where(getattr(AuditLog, key) == value)
    db.session.expire_all()
    return list(db.session.scalars(query))


NEW_USER = {
    "username": "lili",
    "display_name": "李丽",
    "role": "followup_agent",
    "active": "y",
    "new_password": "a long passphrase 1",
    "confirm_password": "a long passphrase 1",
}


def test_create_on_a_screen_is_audited_with_who_and_what(client, auth):
    """Is a record created on a screen recorded with the user, the fields and no hash?"""
    admin = make_user("admin")
    auth.login("admin")
    response = auth.post("/admin/user/new/", NEW_USER)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "lili"))
    [row] = audit_rows(model="user_account", record_id=str(user.id), action="create")
    assert row.user_id == admin.id
    assert row.username == "admin"
    assert row.source == "web"
    assert row.ip == "127.0.0.1"
    assert row.changes["display_name"] == [None, "李丽"]
    assert row.changes["role"] == [None, "followup_agent"]
    assert row.changes["password_hash"] == [None, REDACTED]
    assert user.password_hash not in str(row.changes)


def test_update_records_only_changed_fields_old_and_new(client, auth):
    make_user("admin")
    target = make_user("trainer", display_name="周一")
    auth.login("admin")
    form = {
        "username": "trainer", "display_name": "周二", "role": "trainer", "active": "y",
        "version": str(target.version),
    }
    assert auth.post(f"/admin/user/edit/?id={target.id}", form).status_code == 302
    [row] = audit_rows(model="user_account", record_id=str(target.id), action="update")
    assert row.changes == {"display_name": ["周一", "周二"]}
    assert row.username == "admin"


def test_soft_delete_restore_and_purge_are_audited(client, auth):
    make_user("admin")
    target = make_user("trainer").id
    auth.login("admin")
    auth.post("/admin/user/delete/", {"id": target})
    auth.post("/admin/user/action/?trash=1", {"action": "restore", "rowid": target})
    auth.post("/admin/user/delete/", {"id": target})
    auth.post("/admin/user/action/?trash=1", {"action": "purge", "rowid": target})
    actions = [r.action for r in audit_rows(model="user_account", record_id=str(target))]
    # Deleting a user also deactivates it and ends its sessions: that is the "update".
    assert actions == [
        "create", "update", "soft_delete", "restore", "update", "soft_delete", "delete"
    ]
    purge = audit_rows(model="user_account", record_id=str(target), action="delete")[0]
    assert purge.changes["username"] == ["trainer", None]
    assert db.session.get(User, target) is None


def test_cli_changes_are_audited(runner):
    result = runner.invoke(
        args=["create-user", "wang", "--role", "supervisor", "--password", "a long passphrase 2"]
    )
    assert result.exit_code == 0, result.output
    [row] = audit_rows(model="user_account", action="create")
    assert row.source == "cli"
    assert row.changes["username"] == [None, "wang"]


def test_a_refused_change_leaves_no_audit_row(client, auth):
    """Is the audit row written in the same transaction (gone when the change is refused)?"""
    admin = make_user("admin")
    auth.login("admin")
    before = len(audit_rows())
    form = {"username": "admin", "display_name": "x", "role": "trainer", "active": "y",
            "version": str(admin.version)}
    response = auth.post(f"/admin/user/edit/?id={admin.id}", form, follow_redirects=True)
    assert "必须始终保留一名启用的系统管理员" in response.get_data(as_text=True)
    assert len(audit_rows()) == before
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin"


def test_audit_rows_cannot_be_changed_or_deleted(app):
    make_user("admin")
    row = audit_rows()[0]
    row.action = "update"
    with pytest.raises(RuntimeError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(audit_rows()[0])
    with pytest.raises(RuntimeError):
        db.session.commit()
    db.session.rollback()


def test_bulk_writes_that_skip_the_audit_are_refused(app):
    make_user("admin")
    with pytest.raises(RuntimeError, match="bypasses the audit trail"):
        db.session.execute(update(User).values(display_name="x"))
    db.session.rollback()


def test_audit_log_screen_filters_by_user_model_record_and_date(client, auth):
    """Can admin narrow the log to one user, record type, record and time range?"""
    make_user("admin")
    other = make_user("trainer").id
    make_user("manager")
    auth.login("admin")
    auth.post("/admin/user/delete/", {"id": other})
    page = client.get("/admin/audit_log/").get_data(as_text=True)
    assert "审计日志" in page
    assert "删除（可恢复）" in page
    assert "用户" in page  # the record type, by its screen's name

    def shown(*filters) -> set[str]:
        """The actions listed when filtering by (filter index, value) pairs."""
        query = {f"flt{i}_{index}": value for i, (index, value) in enumerate(filters)}
        html = client.get("/admin/audit_log/", query_string=query).get_data(as_text=True)
        labels = {"新建": "create", "删除（可恢复）": "soft_delete"}
        cells = set(re.findall(r'class="col-action">\s*([^<]+?)\s*<', html))
        return {labels[cell] for cell in cells if cell in labels}

    user, record_type, record, action, between, after, before = range(7)
    assert shown((user, "admin")) == {"create", "soft_delete"}  # signing in, deleting
    assert shown((user, "admin"), (record_type, "login_attempt")) == {"create"}
    assert shown((user, "nobody")) == set()
    assert shown((record_type, "user_account"), (record, str(other))) == {"create", "soft_delete"}
    assert shown((action, "create")) == {"create"}
    assert shown((between, "2000-01-01 00:00:00 to 2000-01-02 00:00:00")) == set()
    assert shown((after, "2000-01-01 00:00:00")) == {"create", "soft_delete"}
    assert shown((before, "2000-01-01 00:00:00")) == set()


def test_nobody_can_edit_or_delete_audit_rows_through_the_app(client, auth):
    make_user("admin")
    auth.login("admin")
    row = audit_rows()[0]
    assert client.get(f"/admin/audit_log/edit/?id={row.id}").status_code == 403
    assert auth.post("/admin/audit_log/delete/", {"id": row.id}).status_code == 403
    action = {"action": "delete", "rowid": row.id}
    assert auth.post("/admin/audit_log/action/", action).status_code == 403
    assert len(audit_rows(id=row.id)) == 1


def test_a_bulk_entry_shows_how_many_rows_it_wrote(client, auth, runner):
    """seed-demo notes its bulk rows ({"bulk_rows": n}), not old and new values: the log
    and the entry's page show the number (the page failed with a server error)."""
    assert runner.invoke(args=["seed-demo", "--scale", "test"]).exit_code == 0
    entry = db.session.scalars(select(AuditLog).where(
        AuditLog.model == "customer", AuditLog.record_id == "*")).one()
    auth.login_as("admin")
    for url in (f"/admin/audit_log/details/?id={entry.id}",
                "/admin/audit_log/?flt0_2=*"):  # the list, by record number "*"
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.get_data(as_text=True)
        assert "批量写入的行数" in text, url
        assert re.search(rf"<td>{entry.changes['bulk_rows']}</td>", text), url


def test_sign_in_entries_read_in_chinese(client, auth):
    """Are a sign-in attempt's fields and outcome named in the page's language (the log
    showed "outcome → succeeded")?"""
    make_user("admin")
    auth.login("admin", "a wrong password")
    auth.login("admin")
    html = client.get("/admin/audit_log/?flt0_1=login_attempt").get_data(as_text=True)
    changes = re.findall(r'<table class="table table-sm audit-changes.*?</table>', html, re.S)
    assert len(changes) == 2
    assert all("<th>结果</th>" in table and "<th>用户名</th>" in table for table in changes)
    assert "登录成功" in html
    assert "用户名或密码错误" in html
    assert "登录尝试" in html  # the record type
    for raw in ("outcome", "succeeded", "failed", "<th>at</th>", "<th>address</th>"):
        assert raw not in html
    # The export says the same, a change a line.
    export = client.get("/admin/audit_log/export/csv/?flt0_1=login_attempt")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    changes = {row["变更（原值 → 新值）"] for row in rows}
    assert any("结果：→ 登录成功" in cell.splitlines() for cell in changes)
    assert any("结果：→ 用户名或密码错误" in cell.splitlines() for cell in changes)
    assert "outcome" not in export.get_data(as_text=True)


def test_an_entrys_references_are_named_after_what_they_refer_to(client, auth):
    """A call's customer_id reads 客户（记录编号）, its stored status 待拨打."""
    from .factories import make_call

    make_call()
    auth.login_as("admin")
    html = client.get("/admin/audit_log/?flt0_1=follow_up_call").get_data(as_text=True)
    assert "<th>客户（记录编号）</th>" in html
    assert "<td>待拨打</td>" in html
    assert "customer_id" not in html
    assert "planned" not in html


def test_every_audited_field_has_a_name_in_the_log(app):
    """Does the log name every field of every audited record, and every record type,
    rather than show the column's name (extra_work, consent_by, template_id)?"""
    from flask_babel import force_locale

    from backoffice.audit import _QUIET
    from backoffice.views.audit import _field_label, _model_formatter, _names

    unnamed = []
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        for mapper in db.Model.registry.mappers:
            model = mapper.class_
            if not getattr(model, "__audit__", True):
                continue
            table = mapper.local_table.name
            entry = AuditLog(model=table)
            if _model_formatter(None, None, entry, "model") == table:
                unnamed.append(table)
            labels, _choices = _names(table)
            left_out = {"id", "deleted_at", *_QUIET, *getattr(model, "__audit_derived__", ())}
            unnamed += [f"{table}.{column.key}" for column in mapper.column_attrs
                        if column.key not in left_out
                        and _field_label(labels, column.key) == column.key]
        # (in the glossary's words)
        assert _model_formatter(None, None, AuditLog(model="extra_work"), "model") == "维修增项"
    assert unnamed == []
