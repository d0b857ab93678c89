# Pingxiang: two commands on a fresh machine (Python 3.11+ and make):
#   make run    install, start services (embedded if DATABASE_URL/REDIS_URL unset), migrate,
#               load the demo town, serve http://127.0.0.1:8000 with a worker and the beat
#   make test   install and run the whole suite
PY ?= python3
UV_VERSION := 0.13.8
UV := var/uv/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

.PHONY: install run test test-fast bench lint clean

$(UV):
	@mkdir -p var
	$(PY) -m venv var/uv
	var/uv/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PY)
	@touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/python -m pingxiang.services run

# The suite runs in TEST_WORKERS processes (pytest-xdist), each with a test database, Redis
# database, Celery queue and media folder of its own (tests/parallel.py). --dist load hands
# out tests in pytest-django's order, so each worker runs its transactional tests after all
# its others: their flush leaves the database empty (no post_migrate) until the next one's
# serialized rollback, and a plain test after one fails (--dist loadfile did that: hundreds
# of errors). TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= 3

# Bytecode for the suite's processes, in var/pycache (not next to the sources). Where
# PYTHONDONTWRITEBYTECODE is set (CI containers often set it) no process keeps any: each
# worker, and every Celery worker, gunicorn and manage.py a test starts, compiles Django and
# the app from source again (2-3 s of CPU each) and pytest rewrites every test module's
# asserts again; on two cores that was about a tenth of the suite's time.
test: install
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX="$(CURDIR)/var/pycache" \
		$(VENV)/bin/python -m pingxiang.services exec -- $(VENV)/bin/python -m pytest \
		-n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var/uv staticfiles

# County-scale benchmark (bench/README.md): needs DATABASE_URL with generated data
# (`manage.py generate_county --towns N`) and wrk; writes bench/out/<label>.json.
bench: install
	$(VENV)/bin/python -m pingxiang.services exec -- $(VENV)/bin/python -m bench.run $(BENCH_ARGS)
