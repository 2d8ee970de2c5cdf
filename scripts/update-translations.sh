#!/usr/bin/env bash
# Re-extract the English msgids from the code and templates, merge them into the
# Chinese catalog and compile it. Translate the new empty msgstr entries in
# backoffice/translations/zh_Hans_CN/LC_MESSAGES/messages.po, then run this again.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin
"$py/pybabel" -q extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot .
"$py/pybabel" -q update -i messages.pot -d backoffice/translations -l zh_Hans_CN \
    --width 100 --no-fuzzy-matching --ignore-obsolete
"$py/pybabel" -q compile -d backoffice/translations -D messages
"$py/pybabel" -q compile -d backoffice/translations -D admin
"$py/pybabel" -q compile -d backoffice/translations -D wtforms
rm -f messages.pot
