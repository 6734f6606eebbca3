# Stream Studio: `make demo` (set up and run on the bundled sample), `make test` (set up and run the tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo run test lint browser distro-ffmpeg clean-var

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

demo: install  ## ingest and process the bundled sample, then serve the admin on :8000
	$(PY) manage.py studio --demo

run: install  ## serve everything (web, worker, beat) on embedded services
	$(PY) manage.py studio

# Headless Chromium for the OBS page tests: Debian's package, installed when we are root and it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; } || \
		echo "chromium not found and cannot be installed here: browser tests will fail" >&2

# Debian's ffmpeg on PATH when we are root and none is there (CI): the suite then shows that the bundled build
# is used anyway, and tests/pipeline/test_ffmpeg.py that FFMPEG_BINARY naming it is accepted or refused by version.
distro-ffmpeg:
	@command -v ffmpeg >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null; }; } || \
		echo "no ffmpeg on PATH and cannot install Debian's: its version check is skipped" >&2

lint: install
	$(VENV)/bin/ruff check .

test: install browser distro-ffmpeg lint  ## everything CI runs
	$(PY) -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$status

clean-var:  ## stop embedded services and delete their data
	-$(PY) manage.py embedded stop
	rm -rf var
