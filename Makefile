# bookbuild: `make all` sets up everything and builds the sample; `make test` runs the tests.
# Run as root (or with passwordless sudo) on a fresh machine: missing system
# packages are installed with apt-get; without root, the exact command is printed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BOOKBUILD := $(BIN)/bookbuild
EDITION ?=
EDITION_FLAG := $(if $(EDITION),--edition $(EDITION),)
STAMPS := build/.stamps
ACE := tools/ace/node_modules/.bin/ace-cli
WEB_CHECKS := tools/web-checks/node_modules/.installed
SOURCES := $(shell find manuscript styles src -type f -not -name '*.pyc' 2>/dev/null) pyproject.toml

# Debian packages bookbuild needs, each with the check that tells it is there.
define SYSTEM_CHECKS
fc-list | grep -q "Charis SIL"                 || echo fonts-sil-charis
fc-list | grep -q "Andika"                     || echo fonts-sil-andika
fc-list | grep -q "DejaVu Sans Mono"           || echo fonts-dejavu-core
ldconfig -p | grep -q "libpango-1.0.so"        || echo libpango-1.0-0
ldconfig -p | grep -q "libpangoft2-1.0.so"     || echo libpangoft2-1.0-0
ldconfig -p | grep -q "libharfbuzz-subset.so"  || echo libharfbuzz-subset0
command -v fc-match >/dev/null                 || echo fontconfig
command -v java >/dev/null                     || echo default-jre-headless
command -v pdftoppm >/dev/null                 || echo poppler-utils
command -v chromium >/dev/null                 || echo chromium
command -v chromedriver >/dev/null             || echo chromium-driver
command -v npm >/dev/null                      || echo npm
command -v pkg-config >/dev/null               || echo pkg-config
pkg-config --exists icu-i18n 2>/dev/null       || echo libicu-dev
command -v g++ >/dev/null                      || echo g++
endef
export SYSTEM_CHECKS

.PHONY: all setup system pdf epub booklet handouts web editions check test reference bench clean help serve bench-preview

# What book.toml's [outputs] lists: by default every edition's PDF and EPUB, the handouts and the booklets.
all: setup $(STAMPS)/all
$(STAMPS)/all: $(SOURCES)
	$(BOOKBUILD) build all
	@mkdir -p $(STAMPS) && touch $@

setup: system $(VENV)/.installed $(VENV)/.bytecode

# bookbuild's own modules compiled once, as an installed package's are: every build starts three
# Python processes, and where bytecode is not written back (PYTHONDONTWRITEBYTECODE, read-only
# trees) each would otherwise compile them again.
$(VENV)/.bytecode: $(VENV)/.installed $(shell find src -name '*.py' 2>/dev/null)
	$(BIN)/python -m compileall -q src >/dev/null
	touch $@

# DAISY Ace, the EPUB accessibility checker, installed on demand (by `make check` and `make test`)
# from tools/ace/package-lock.json; it drives the system's Chromium (checks.py points it there),
# so no browser is downloaded.
$(ACE): tools/ace/package.json tools/ace/package-lock.json
	cd tools/ace && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# The web edition's checkers, installed on demand (by `make test`) from tools/web-checks/package-lock.json:
# axe-core, which the browser tests inject into the system's Chromium, and the Nu Html Checker (vnu.jar,
# run with the system's Java).  No browser and no Java are downloaded.
$(WEB_CHECKS): tools/web-checks/package.json tools/web-checks/package-lock.json
	cd tools/web-checks && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

system:
	@missing=$$(sh -c "$$SYSTEM_CHECKS" | tr '\n' ' '); \
	if [ -n "$$(echo $$missing | tr -d ' ')" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	  else echo "bookbuild needs these system packages: $$missing"; \
	       echo "install them with:  sudo apt-get install -y $$missing"; exit 1; fi; \
	  echo "installing system packages: $$missing"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null \
	  || { $$SUDO apt-get update -q >/dev/null && \
	       $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; } \
	  || { echo "could not install: $$missing"; exit 1; }; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

pdf: setup $(STAMPS)/pdf$(EDITION)
$(STAMPS)/pdf$(EDITION): $(SOURCES)
	$(BOOKBUILD) build pdf $(EDITION_FLAG)
	@mkdir -p $(STAMPS) && touch $@

epub: setup $(STAMPS)/epub$(EDITION)
$(STAMPS)/epub$(EDITION): $(SOURCES)
	$(BOOKBUILD) build epub $(EDITION_FLAG)
	@mkdir -p $(STAMPS) && touch $@

# The copier booklet: the PDF's pages imposed two-up for duplex printing (see README, "Printing").
booklet: setup $(STAMPS)/booklet$(EDITION)
$(STAMPS)/booklet$(EDITION): $(SOURCES)
	$(BOOKBUILD) build booklet $(EDITION_FLAG)
	@mkdir -p $(STAMPS) && touch $@

# Student worksheets and teacher sheets for every chapter, in build/handouts/ (see README, "Handouts").
handouts: setup $(STAMPS)/handouts
$(STAMPS)/handouts: $(SOURCES)
	$(BOOKBUILD) build handouts
	@mkdir -p $(STAMPS) && touch $@

# The web edition: a static site in build/web/ (EDITION=teacher: build/web-teacher/); open build/web/index.html
# from the folder, or copy the folder to any static host (see README, "The web edition").
web: setup $(STAMPS)/web$(EDITION)
$(STAMPS)/web$(EDITION): $(SOURCES)
	$(BOOKBUILD) build web $(EDITION_FLAG)
	@mkdir -p $(STAMPS) && touch $@

# Every edition at once: each one's PDF, an EPUB for those that have one, and the handouts.
editions: setup $(STAMPS)/editions
$(STAMPS)/editions: $(SOURCES)
	$(BOOKBUILD) build all --edition all
	@mkdir -p $(STAMPS) && touch $@

# The live preview on http://127.0.0.1:8000/ (see README, "Live preview"): PORT=N for another port.
PORT ?= 8000
serve: setup
	$(BOOKBUILD) serve --port $(PORT) $(EDITION_FLAG)

# Validate the manuscript, then every EPUB in build/ with EPUBCheck and DAISY Ace.
check: setup $(ACE) epub
	$(BOOKBUILD) check
	$(BIN)/python -m bookbuild.checks build/*.epub

# The linters first (their settings are in pyproject.toml), then the tests.
test: setup $(ACE) $(WEB_CHECKS)
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The README's book.toml tables, written anew from the options declared in src/bookbuild/config/book.py
# (tests/test_config_schema.py fails while they differ).
reference: setup
	$(BIN)/python -m bookbuild.config.reference --write

# The benchmark: bookbuild against Pandoc (+ WeasyPrint) on synthetic books; see benchmarks/README.md.
bench: setup
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/run.py --chapters 20 60 200 --corpus standard dense --load idle loaded --repeat 1

# The live preview's times: from saving a one-word edit to the preview showing it (HTML) and to the PDF laid
# out again, on the sample and the 20-chapter synthetic book, against a cold PDF build (benchmarks/preview.py).
bench-preview: setup
	$(BIN)/python benchmarks/preview.py --repeat 3

# How close the citation styles come to Pandoc citeproc with the official CSL styles: the tables of
# tools/citediff on biblatex's example bibliography (from Debian's texlive-bibtex-extra, fetched here,
# never committed) and on our own fixtures, written to docs/citations.md.
CITEDIFF_BIB := build/citediff/biblatex-examples.bib
.PHONY: citations-report
citations-report: setup $(CITEDIFF_BIB)
	$(BIN)/python tools/citediff/citediff.py $(CITEDIFF_BIB) tests/fixtures/citations/fixture.bib tests/fixtures/bib/*.bib \
	  --forms first,subsequent,bib,in-note,suppress-author --preamble tools/citediff/preamble.md --markdown docs/citations.md

$(CITEDIFF_BIB):
	rm -rf build/citediff/deb && mkdir -p build/citediff/deb
	cd build/citediff/deb && apt-get download texlive-bibtex-extra && dpkg-deb -x texlive-bibtex-extra_*.deb extracted
	cp "$$(find build/citediff/deb/extracted -name biblatex-examples.bib | head -n 1)" $@
	rm -rf build/citediff/deb

clean:
	rm -rf build

# The make targets, then the outputs `bookbuild build` makes, read from the output registry (src/bookbuild/outputs/).
help:
	@echo "make all | pdf | epub | booklet | handouts | editions | check | test | bench | clean   (README: Make targets)"
	@echo "outputs:"
	@PYTHONPATH=src $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -m bookbuild.outputs
