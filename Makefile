# Two commands do everything, from a fresh clone on a fresh machine:
#   make serve   set up, build the guide and preview it with live reload
#   make test    set up (Python packages, Chromium) and run the whole test suite
# Every target creates .venv on demand.

# The interpreter .venv is made from: the distribution's (/usr/bin/python3) when it is 3.11 or newer
# and can make a venv, else the first python3 on PATH. Debian's is linked statically and built with
# profile-guided and link-time optimization; pyenv's default build is neither, and a cold build of
# 5,000 posts took ~8% more CPU with it here. `make PYTHON=... test` chooses another. (Worked out
# only when .venv is made: `=`, not `:=`.)
ifeq ($(strip $(PYTHON)),)
PYTHON = $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo /usr/bin/python3 || echo python3)
endif
VENV   := .venv
BIN    := $(VENV)/bin
SOURCE ?= .
HOST   ?= 127.0.0.1
PORT   ?= 8000
BASE_URL ?=
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: serve build check test test-fast chromium java bench catalogs clean

# --clear: made anew (not over a venv of another interpreter, whose python links would stay).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

serve: $(VENV)/.installed
	$(BIN)/backlying-site serve --source $(SOURCE) --host $(HOST) --port $(PORT)

build: $(VENV)/.installed
	$(BIN)/backlying-site build --source $(SOURCE) $(if $(BASE_URL),--base-url $(BASE_URL))

check: $(VENV)/.installed
	$(BIN)/backlying-site check --source $(SOURCE)

# The interface's messages (docs/themes.md, "Translating the theme"): extract them again from the
# templates, scripts and render/ (babel.cfg) into messages.pot, then merge it into every catalog: a new
# message comes in empty, a changed one marked fuzzy (`check` warns of both). The .pot's date is
# pinned, so the files change only when the messages do. NEW=fr starts a catalog for a new language.
LOCALE := src/backlying_site/locale
catalogs: $(VENV)/.installed
	$(BIN)/pybabel extract --mapping-file babel.cfg --ignore-dirs '.* ._ node_modules public tests benchmarks' \
		--add-comments TRANSLATORS: --strip-comments --no-wrap --project backlying-site --copyright-holder backlying-site \
		--header-comment "# The interface's messages of backlying-site's default theme: made by 'make catalogs'." \
		--output-file $(LOCALE)/messages.pot .
	sed -i -e 's/^"POT-Creation-Date: .*/"POT-Creation-Date: 2026-12-01 00:00+0000\\n"/' $(LOCALE)/messages.pot
	$(BIN)/pybabel update --input-file $(LOCALE)/messages.pot --output-dir $(LOCALE) --domain messages \
		--ignore-pot-creation-date --ignore-obsolete --no-wrap $(if $(NEW),--init-missing --locale $(NEW))

# Browser tests drive Debian's Chromium through Playwright; Playwright's own
# browser download cannot work here, so it is never used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# axe-core (accessibility rules) and vnu-jar (the Nu HTML Checker) come from npm, pinned in
# package-lock.json; --ignore-scripts because vnu-jar's postinstall would download a Java runtime.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; }
	npm ci --ignore-scripts --no-audit --no-fund --silent
	touch $@

# The Nu HTML Checker runs on Java.
java:
	@command -v java >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq default-jre-headless; }

test: $(VENV)/.installed-test chromium java node_modules/.installed
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# While working: no Chromium, Java or downloads (docs/architecture.md, "Tests"). Not what CI runs.
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto -m "not browser and not tools" $(PYTEST_ARGS)

bench: $(VENV)/.installed-test chromium
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/images.py
	$(BIN)/python benchmarks/serve.py
	$(BIN)/python benchmarks/pages.py

clean:
	rm -rf public .public.spare .public.writing .public.lock .cache $(VENV)
