# SuKMa. `make demo` runs the demo; `make test` runs the whole suite.
# Both need only Python 3.11+, git and make: without DATABASE_URL / REDIS_URL
# an embedded PostgreSQL and Redis start under var/.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# The embedded servers of the test suite live apart from the demo's.
TEST_VAR := $(CURDIR)/var/test

.PHONY: install demo test faults fuzz smoke lint layers bench bench-load stop clean debian-deps messages

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

# Debian packages the tests need: Chromium for the browser tests, fonts and Pango for the
# PDFs (WeasyPrint), gettext for the check that every string is in the catalogue, poppler-utils
# (pdftotext, pdftoppm) for the tests that read the laporan back, nginx and openssl for
# tests/deploy (the product behind nginx over TLS, as deploy/ runs it).
# Installed with apt-get when missing and we may; otherwise say what is missing.
DEBIAN_PACKAGES := chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 gettext \
  poppler-utils nginx openssl
debian-deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "The browser tests need these Debian packages: $$missing"; \
	    echo "Install them with: sudo apt-get install $$missing"; exit 1; \
	  fi; \
	fi

# make demo PORT=8001 serves on another port; every link it prints or mails says so.
demo: install
	$(BIN)/python manage.py run_demo $(if $(PORT),--port $(PORT))

# The layers are checked first: a new import back up fails the run before any test.
test: install debian-deps layers
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then export SUKMA_VAR_DIR=$(TEST_VAR); fi; \
	$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	SUKMA_VAR_DIR=$(TEST_VAR) $(BIN)/python -m sukma.embedded stop; exit $$status

# The API fuzzed from its OpenAPI schemas (tests/fuzz), bounded to a few minutes.
fuzz: install
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then export SUKMA_VAR_DIR=$(TEST_VAR); fi; \
	$(BIN)/python -m pytest -q -m fuzz tests/fuzz; status=$$?; \
	SUKMA_VAR_DIR=$(TEST_VAR) $(BIN)/python -m sukma.embedded stop; exit $$status

# Faults survived (README): restarts, outages and kills of PostgreSQL, Redis and the worker,
# on servers of the run's own in var/faults (never the machine's shared ones).
faults: install
	$(BIN)/python -m tests.faults.run -q -p no:warnings $(PYTEST_ARGS)

# A short run with neither DATABASE_URL nor REDIS_URL: proves the embedded path.
smoke: install
	env -u DATABASE_URL -u REDIS_URL SUKMA_VAR_DIR=$(TEST_VAR) SUKMA_EXPECT_EMBEDDED=1 \
	  $(BIN)/python -m pytest -q tests/test_embedded.py tests/tenants; status=$$?; \
	SUKMA_VAR_DIR=$(TEST_VAR) $(BIN)/python -m sukma.embedded stop; exit $$status

lint: install layers
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# The import-linter contracts in pyproject.toml: the layers of shared/DESIGN.md.
layers: install
	$(BIN)/lint-imports --no-cache

bench: install
	$(BIN)/python bench/provision.py

# A mixed load at rising concurrency through gunicorn and a Celery worker with the production
# settings (bench/load.py); BENCH_ARGS="--seconds 120" for a longer run of each step.
bench-load: install
	$(BIN)/python bench/load.py $(BENCH_ARGS)

# Refresh the Indonesian catalogue from the code and compile it (needs GNU gettext).
# The compiled .mo is committed, so running the app needs no gettext.
# msgfmt leaves POT-Creation-Date out of the .mo, so it is dropped from the .po too:
# the .mo then matches its source exactly (tests/test_translations.py), and a run
# that finds no new string leaves the catalogue unchanged.
messages: install
	cd sukma && ../$(BIN)/python ../manage.py makemessages --locale id --no-obsolete \
	  --ignore 'static/*' --add-location file
	sed -i '/^"POT-Creation-Date: /d' sukma/locale/id/LC_MESSAGES/django.po
	$(BIN)/python manage.py compilemessages --locale id --ignore '.venv'

# Stop the demo's embedded PostgreSQL and Redis (the demo does so itself on Ctrl-C).
stop: install
	$(BIN)/python -m sukma.embedded stop

clean: stop
	rm -rf var $(VENV)
