"""Configuration: the secret key is never a default in code, and is generated once."""
import os
import stat
from concurrent.futures import ThreadPoolExecutor

from backoffice import create_app
from backoffice.config import Config, secret_key


def test_secret_key_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert secret_key(str(tmp_path)) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_secret_key_is_generated_once_into_instance(monkeypatch, tmp_path):
    """Without SECRET_KEY, do all workers starting at once share one generated key?"""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: secret_key(str(tmp_path)), range(16)))
    assert len(keys) == 1
    key = keys.pop()
    assert len(key) >= 64
    path = tmp_path / "secret_key"
    assert path.read_text().strip() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary files left


def test_no_secret_key_default_in_code(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    assert not getattr(Config, "SECRET_KEY", None)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert app.instance_path == str(tmp_path)
