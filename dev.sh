#!/usr/bin/env bash
# The two commands of the README's quick start:
#   ./dev.sh serve   install what is missing, migrate, create the first admin, load demo
#                    data into an empty database, and serve on http://127.0.0.1:5000
#   ./dev.sh test    install what is missing and run the whole test suite (pytest
#                    arguments after "test" are passed on, e.g. ./dev.sh test -k login)
# and, not part of the tests:
#   ./dev.sh benchmark  the speed at a dealer group's scale, into BENCHMARKS.md
#                    (arguments passed on to scripts/benchmark.py)
#   ./dev.sh loadtest   many users saving at once over HTTP, then every save checked
#                    (arguments passed on to scripts/loadtest.py)
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

check_python() {
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)." >&2
        exit 1
    fi
}

# Debian packages the app or its tests need; installed with apt-get when missing.
system_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
    fi
    if ! command -v apt-get >/dev/null || { [ "$(id -u)" -ne 0 ] && [ -z "$sudo" ]; }; then
        echo "Please install these Debian/Ubuntu packages (or their equivalents): ${missing[*]}" >&2
        return 0
    fi
    say "Installing system packages: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# A local virtual environment with the pinned requirements; reinstalled only when
# a requirements file changes.
python_packages() {
    local requirements=$1
    [ -x .venv/bin/python ] || { say "Creating .venv"; "$PYTHON" -m venv .venv; }
    local stamp
    stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$requirements"
    if [ ! -f "$stamp" ]; then
        say "Installing Python packages from $requirements"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
        touch "$stamp"
    fi
}

# PDFs need a TrueType font with Chinese glyphs; without one they would print boxes.
check_font() {
    if ! .venv/bin/python -c 'from backoffice.pdf import find_font; find_font()' 2>/dev/null; then
        echo "No Chinese TrueType font found: install fonts-wqy-microhei (Debian/Ubuntu)" \
             "or set PDF_FONT_PATH to a .ttf/.ttc font file." >&2
        exit 1
    fi
}

case "${1:-}" in
    serve)
        check_python
        system_packages fonts-wqy-microhei
        python_packages requirements.txt
        check_font
        say "Preparing the database"
        .venv/bin/flask --app app bootstrap
        say "Serving on http://$HOST:$PORT  (Ctrl-C stops)"
        exec .venv/bin/flask --app app run --host "$HOST" --port "$PORT"
        ;;
    test)
        shift
        check_python
        system_packages fonts-wqy-microhei chromium
        python_packages requirements-dev.txt
        check_font
        say "Lint (ruff)"
        .venv/bin/ruff check .
        say "Security lint (bandit)"
        .venv/bin/bandit -c pyproject.toml -r . -q
        # tests/: as ruff's per-file-ignores (pyproject.toml says why).
        .venv/bin/bandit -r tests -q -s B101,B105,B106,B311,B608
        say "Tests"
        # One worker per core (-n 0 after "test" runs them in this process).
        exec .venv/bin/python -m pytest -n auto "$@"
        ;;
    benchmark)
        shift
        check_python
        system_packages fonts-wqy-microhei
        python_packages requirements.txt
        check_font
        exec .venv/bin/python scripts/benchmark.py "$@"
        ;;
    loadtest)
        shift
        check_python
        system_packages fonts-wqy-microhei
        python_packages requirements.txt
        check_font
        exec .venv/bin/python scripts/loadtest.py "$@"
        ;;
    *)
        echo "usage: ./dev.sh serve | ./dev.sh test [pytest arguments] | ./dev.sh benchmark | ./dev.sh loadtest" >&2
        exit 2
        ;;
esac
