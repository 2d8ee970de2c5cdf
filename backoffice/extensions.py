"""Flask extensions, created unbound and bound to an app in create_app()."""
from pathlib import Path

import flask_admin.babel
import flask_admin.translations
import flask_babel
from flask import g, has_request_context
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from wtforms.i18n import messages_path

# Explicit constraint names, so that migrations can alter and drop them on every
# database (SQLite's batch mode needs a name for each constraint it rebuilds).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()


class TranslationDomain(flask_babel.Domain):
    """Flask-Babel's message domain, with the request's catalogue looked up once per
    request and language: its own lookup (the request context several times over, the
    locale's name) costs more than the translation, and a list page shows a few hundred
    translated strings (menu, labels, filters)."""

    def get_translations(self):
        if not has_request_context():
            return super().get_translations()
        locale = flask_babel.get_locale()
        catalogues = g.setdefault("_catalogues", {})
        if locale not in catalogues:
            catalogues[locale] = super().get_translations()
        return catalogues[locale]


babel.domain_instance = TranslationDomain()
# WTForms' own messages, which every form of ours asks through Flask-Admin's BaseForm:
# its catalogue, with ours (wtforms.po) merged over it where its Chinese misleads.
flask_admin.babel.wtforms_domain = flask_babel.Domain(
    [messages_path(), str(Path(__file__).parent / "translations")], domain="wtforms")
# Flask-Admin's own words: its catalogue, with ours (admin.po) merged over it, so that
# ours fills its gaps and also wins where its Chinese reads badly (你确定…, 选中的).
# (Admin(translations_path=...) would merge ours first, and its catalogue over ours.)
flask_admin.babel.domain._translation_directories = [
    flask_admin.translations.__path__[0], str(Path(__file__).parent / "translations")]
csrf = CSRFProtect()
