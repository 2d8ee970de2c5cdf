"""The flask commands: create-user, set-password, seed-demo, bootstrap, db upgrade."""
import re

from sqlalchemy import func, select

from backoffice.demo import DEMO_USERS
from backoffice.extensions import db
from backoffice.models import AuditLog, User

from .conftest import Auth

GOOD = "a long passphrase 1"


def count(model) -> int:
    db.session.rollback()  # a fresh snapshot: the command committed in its own session
    return db.session.scalar(
        select(func.count()).select_from(model).execution_options(include_deleted=True)
    )


def test_create_user_with_password(app, runner):
    result = runner.invoke(args=["create-user", "wang", "--role", "supervisor", "--password", GOOD])
    assert result.exit_code == 0, result.output
    assert "已创建用户 wang（业务主管）" in result.output
    assert Auth(app.test_client()).login("wang", GOOD).status_code == 302


def test_create_user_prompts_for_the_password(app, runner):
    result = runner.invoke(
        args=["create-user", "wang", "--role", "trainer"], input=f"{GOOD}\n{GOOD}\n"
    )
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output  # hidden input
    assert Auth(app.test_client()).login("wang", GOOD).status_code == 302


def test_create_user_refuses_weak_passwords_duplicates_and_unknown_roles(runner):
    weak = runner.invoke(args=["create-user", "wang", "--role", "trainer", "--password", "123"])
    assert weak.exit_code != 0
    assert "密码至少需要 10 个字符" in weak.output
    runner.invoke(args=["create-user", "wang", "--role", "trainer", "--password", GOOD])
    again = runner.invoke(args=["create-user", "WANG", "--role", "trainer", "--password", GOOD])
    assert again.exit_code != 0
    assert "已存在" in again.output
    bad_role = runner.invoke(args=["create-user", "li", "--role", "king", "--password", GOOD])
    assert bad_role.exit_code != 0
    assert count(User) == 1


def test_set_password(app, runner):
    runner.invoke(args=["create-user", "wang", "--role", "trainer", "--password", GOOD])
    result = runner.invoke(args=["set-password", "wang", "--password", "another passphrase"])
    assert result.exit_code == 0, result.output
    assert Auth(app.test_client()).login("wang", "another passphrase").status_code == 302
    missing = runner.invoke(args=["set-password", "nobody", "--password", GOOD])
    assert missing.exit_code != 0


def test_seed_demo_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    users, audits = count(User), count(AuditLog)
    assert users == len(DEMO_USERS)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert (count(User), count(AuditLog)) == (users, audits)


def test_demo_users_are_realistic_and_cover_every_role(app, runner):
    runner.invoke(args=["seed-demo"])
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"supervisor", "followup_agent", "service_advisor", "safety_officer",
                     "trainer", "manager"}
    names = list(db.session.scalars(select(User.display_name)))
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name) for name in names)


def test_bootstrap_creates_an_admin_once_and_loads_demo_data(app, runner):
    """Does bootstrap print a usable admin password once, and change nothing the second time?"""
    result = runner.invoke(args=["bootstrap"], env={"ADMIN_PASSWORD": ""})
    assert result.exit_code == 0, result.output
    password = re.search(r"^\s+admin\s+(\S+)$", result.output, re.M).group(1)
    assert Auth(app.test_client()).login("admin", password).status_code == 302
    assert count(User) == 1 + len(DEMO_USERS)
    again = runner.invoke(args=["bootstrap"])
    assert again.exit_code == 0
    assert password not in again.output
    assert count(User) == 1 + len(DEMO_USERS)


def test_bootstrap_takes_the_admin_password_from_the_environment(app, runner):
    result = runner.invoke(args=["bootstrap", "--no-demo"], env={"ADMIN_PASSWORD": GOOD})
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output
    assert Auth(app.test_client()).login("admin", GOOD).status_code == 302
    assert count(User) == 1


def test_bootstrap_adds_no_demo_data_to_a_database_in_use(runner):
    runner.invoke(args=["create-user", "boss", "--role", "admin", "--password", GOOD])
    runner.invoke(args=["bootstrap"])
    assert count(User) == 1


def test_db_upgrade_command(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
