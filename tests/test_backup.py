"""flask backup / restore: consistent online copies of the SQLite database, checked restores."""
import sqlite3
import threading

import pytest
from sqlalchemy import select

from backoffice import backup
from backoffice.extensions import db
from backoffice.models import AuditLog, User

from .databases import make_app
from .factories import make_user


def database_file(app):
    path = backup.sqlite_path(db.engine.url)
    if path is None:
        pytest.skip("backup and restore of a PostgreSQL database are pg_dump's (README)")
    return path


def users(path=None) -> list[str]:
    """The usernames in the app's database, or in the database file `path`."""
    if path is not None:
        with sqlite3.connect(path) as connection:
            return sorted(row[0] for row in connection.execute("SELECT username FROM user_account"))
    db.session.remove()  # a fresh snapshot: the command wrote in its own connections
    return sorted(db.session.scalars(select(User.username)))


def integrity(path) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def kept_aside(path) -> list:
    return sorted(path.parent.glob(f"{path.name}.before-restore-*"))


def test_backup_while_another_connection_writes(app, runner, tmp_path):
    """Is a backup taken while another connection commits intact, with every row committed
    before it began and no half of a transaction committed during it?"""
    live = database_file(app)
    writer = sqlite3.connect(live, isolation_level=None, check_same_thread=False)
    writer.execute("PRAGMA busy_timeout=15000")
    writer.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, batch INTEGER, filler BLOB)")
    # Some megabytes, so that the copy takes several steps of the backup API.
    writer.execute("BEGIN")
    for _n in range(3 * backup.PAGES_PER_STEP):
        writer.execute("INSERT INTO probe (batch, filler) VALUES (0, ?)", (bytes(4000),))
    writer.execute("COMMIT")
    committed, stop = [0], threading.Event()

    def write() -> None:
        batch = 0
        while not stop.is_set():
            batch += 1
            writer.execute("BEGIN IMMEDIATE")  # two rows per transaction
            writer.executemany("INSERT INTO probe (batch, filler) VALUES (?, ?)",
                               [(batch, b"a"), (batch, b"b")])
            writer.execute("COMMIT")
            committed[0] = batch

    thread = threading.Thread(target=write)
    thread.start()
    try:
        while committed[0] < 20:
            stop.wait(0.01)
        before = committed[0]
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
        during = committed[0]
        while committed[0] < during + 20:  # and the app's writers carry on after it
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join()
        writer.close()
    assert result.exit_code == 0, result.output
    copy = tmp_path / "copy.sqlite3"
    assert backup.head_revision() in result.output
    assert integrity(copy) == "ok"
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        sizes = dict(connection.execute(
            "SELECT batch, count(*) FROM probe WHERE batch > 0 GROUP BY batch"))
        filler = connection.execute("SELECT count(*) FROM probe WHERE batch = 0").fetchone()[0]
    assert filler == 3 * backup.PAGES_PER_STEP
    assert during > before  # the writer did commit while the backup ran
    last = max(sizes)
    assert before <= last <= during  # every row committed before the backup began
    assert sizes == dict.fromkeys(range(1, last + 1), 2)  # no gap, no half transaction
    assert not list(tmp_path.glob(".copy.sqlite3.partial-*"))


def test_backup_refuses_to_overwrite_without_force(app, runner, tmp_path):
    database_file(app)
    target = tmp_path / "copy.sqlite3"
    target.write_text("an older backup")
    refused = runner.invoke(args=["backup", str(target)])
    assert refused.exit_code != 0
    assert "--force" in refused.output
    assert target.read_text() == "an older backup"
    forced = runner.invoke(args=["backup", "--force", str(target)])
    assert forced.exit_code == 0, forced.output
    assert integrity(target) == "ok"


def test_restore_round_trip_keeps_the_previous_database_aside(app, runner, tmp_path):
    """Does a restore bring back the backup's records, and keep the database it replaces?"""
    live = database_file(app)
    make_user("trainer", "before")
    db.session.commit()
    saved = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    assert saved.exit_code == 0, saved.output
    make_user("trainer", "after")
    db.session.commit()
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "copy.sqlite3")])
    assert result.exit_code == 0, result.output
    assert users() == ["before"]
    [aside] = kept_aside(live)
    assert str(aside) in result.output
    assert integrity(aside) == "ok"
    assert users(aside) == ["after", "before"]  # nothing is ever lost
    # The app works on the restored database: a new record gets saved.
    make_user("trainer", "later")
    db.session.commit()
    assert users() == ["before", "later"]


def test_a_restore_is_in_the_restored_databases_audit_log(app, runner, client, auth,
                                                          tmp_path):
    live = database_file(app)
    runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "copy.sqlite3")])
    assert result.exit_code == 0, result.output
    [aside] = kept_aside(live)
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "restore_backup"))
    assert (entry.source, entry.model, entry.record_id) == ("cli", "database", "*")
    assert entry.changes["backup"] == [None, str((tmp_path / "copy.sqlite3").resolve())]
    assert entry.changes["kept_aside"] == [None, str(aside)]
    auth.login_as("admin")
    page = client.get(f"/admin/audit_log/details/?id={entry.id}").get_data(as_text=True)
    for shown in ("从备份恢复", "数据库", "备份文件", str(aside)):
        assert shown in page, shown


def test_restore_asks_first(app, runner, tmp_path):
    live = database_file(app)
    runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    make_user("trainer", "after")
    db.session.commit()
    result = runner.invoke(args=["restore", str(tmp_path / "copy.sqlite3")], input="n\n")
    assert result.exit_code != 0
    assert "[y/N]" in result.output
    assert users() == ["after"]
    assert kept_aside(live) == []
    result = runner.invoke(args=["restore", str(tmp_path / "copy.sqlite3")], input="y\n")
    assert result.exit_code == 0, result.output
    assert users() == []


def not_a_database(path):
    path.write_text("客户,手机\n王小明,13812345678\n", encoding="utf-8")


def corrupt(path):
    with sqlite3.connect(path) as connection:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    for page in range(2, len(data) // page_size, 3):  # every third page after the first
        start = page * page_size
        data[start:start + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


def newer(path):
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")


def not_ours(path):
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE alembic_version")


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (not_a_database, "SQLite"),
        (corrupt, ""),  # "is damaged" or "cannot be read", as SQLite finds it
        (newer, "0099_from_the_future"),
        (not_ours, "alembic_version"),
    ],
)
def test_restore_refuses_a_bad_file_and_changes_nothing(app, runner, tmp_path, spoil,
                                                        message):
    live = database_file(app)
    make_user("trainer", "kept")
    db.session.commit()
    copy = tmp_path / "copy.sqlite3"
    assert runner.invoke(args=["backup", str(copy)]).exit_code == 0
    spoil(copy)
    before = live.read_bytes()
    result = runner.invoke(args=["restore", "--yes", str(copy)])
    assert result.exit_code != 0
    assert copy.name in result.output
    assert message in result.output
    assert users() == ["kept"]
    assert live.read_bytes() == before
    assert kept_aside(live) == []


def test_restore_upgrades_an_older_backup(app, runner, tmp_path):
    """A backup from an older version of the app is restored, then migrated to head."""
    live = database_file(app)
    old = tmp_path / "old.sqlite3"
    older = make_app(f"sqlite:///{old}")
    with older.app_context():
        from flask_migrate import upgrade

        upgrade(revision="0008")
        db.engine.dispose()
    result = runner.invoke(args=["restore", "--yes", str(old)])
    assert result.exit_code == 0, result.output
    assert "0008" in result.output
    assert backup.head_revision() in result.output
    assert backup.summary(live).revision == backup.head_revision()
    assert users() == []
    assert len(kept_aside(live)) == 1


def test_restore_refuses_a_missing_file(app, runner, tmp_path):
    database_file(app)
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "nowhere.sqlite3")])
    assert result.exit_code != 0
    assert "nowhere.sqlite3" in result.output


def test_postgresql_is_refused_with_a_pointer_to_pg_dump(app, runner, tmp_path):
    """On PostgreSQL both commands refuse and name the tools to use instead."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("runs on the PostgreSQL backend (TEST_DATABASE_URL)")
    for args in (["backup", str(tmp_path / "x")], ["restore", "--yes", str(tmp_path / "x")]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        assert "pg_dump -Fc" in result.output
        assert "pg_restore --clean --if-exists" in result.output
    assert not (tmp_path / "x").exists()


def test_a_postgresql_url_is_refused_before_connecting(tmp_path):
    """Even without a PostgreSQL server at hand: the refusal needs no connection."""
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:9/none")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x")])
        db.engine.dispose()
    assert result.exit_code != 0
    assert "pg_dump -Fc" in result.output
    assert not (tmp_path / "x").exists()

