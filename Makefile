# The GAN course: set-up, tests, website, notebook execution.
#
#   make book      set up .venv, find FashionMNIST, build the website into _build/html
#   make test      set up, unit tests + every notebook (smoke profile), site build with -W,
#                  then the built site's checks (offline browser test, links, size)
#   make site-check  only the built site's checks (after make book)
#   make lab       JupyterLab in the course's environment
#   make execute   re-run every chapter (and book/*.ipynb) in the full profile, outputs in place
#                  (one chapter: make execute NB=notebooks/02_vanilla_gan.ipynb)
#   make unit      the fast unit tests (minutes; the slow ones run in make test)
#   make student   write the student edition (student/NN_*.ipynb: every chapter, exercises as stubs)
#   make pretrained  retrain and export every committed pretrained generator (prints each run time)
#   make clean     remove build outputs and caches; make distclean also removes .venv
#
# Every target first makes sure .venv is up to date. pip runs only when
# requirements.txt or pyproject.toml changed since the last install (or .venv is new).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.ONESHELL:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The installed environment is keyed on the two files that define it.
ENV_KEY := $(shell cat requirements.txt pyproject.toml 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(ENV_KEY)
DEBIAN_DATA := /usr/share/datasets/fashion-mnist

# Chapter notebooks (make execute NB=... picks one or more), and the book pages that are
# notebooks (the troubleshooting page): executed by make execute, run by make test.
BOOK_NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
NB ?= $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb)) $(BOOK_NOTEBOOKS)
# pytest-xdist workers for `make test`.
JOBS ?= 2
# Per-cell timeouts in seconds: smoke runs under nbmake, full runs under nbconvert.
NB_TIMEOUT ?= 600
EXEC_TIMEOUT ?= 7200

# Notebooks must draw with the kernel's inline backend: a forced MPLBACKEND (Agg, say)
# would silently drop every figure from their outputs. Headless scripts and tests fall
# back to Agg by themselves when there is no display.
unexport MPLBACKEND

.PHONY: help setup data browser book site-check test unit lab execute pretrained student clean distclean

help:
	@sed -n '1,16p' Makefile | sed 's/^# \{0,1\}//'

# ------------------------------------------------------------------ environment
$(STAMP):
	@if [ ! -x $(BIN)/python ]; then
	  echo "== creating $(VENV) with $$($(PYTHON) --version 2>&1)"
	  rm -rf $(VENV)
	  if ! $(PYTHON) -m venv $(VENV); then
	    rm -rf $(VENV)
	    if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then
	      echo "== python3 -m venv failed: installing Debian's python3-venv"
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
	      $(PYTHON) -m venv $(VENV)
	    else
	      echo "error: '$(PYTHON) -m venv' failed: install your system's venv package (Debian/Ubuntu: sudo apt-get install python3-venv) and run make again" >&2
	      exit 1
	    fi
	  fi
	fi
	echo "== installing requirements.txt and the gan_course package (editable) into $(VENV)"
	$(BIN)/python -m pip install --no-input -r requirements.txt -e .
	rm -f $(VENV)/.installed-*
	touch $@

# FashionMNIST: the Debian package when we can install it, else torchvision's download.
data: $(STAMP)
	@if [ -z "$${GAN_COURSE_DATA:-}" ] && [ ! -d $(DEBIAN_DATA) ] && [ "$$(id -u)" = 0 ] \
	    && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then
	  echo "== installing FashionMNIST from Debian (dataset-fashion-mnist)"
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist \
	    || echo "warning: could not install dataset-fashion-mnist; trying torchvision's download" >&2
	fi
	$(BIN)/python -c 'from gan_course.data import find_fashion_mnist_root; print("== FashionMNIST:", find_fashion_mnist_root())'

setup: $(STAMP) data

# Debian's Chromium for the browser test of the built site (never a Playwright download):
# installed as root on Debian when /usr/bin/chromium is missing.
browser:
	@if [ ! -x /usr/bin/chromium ]; then
	  if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then
	    echo "== installing Debian's chromium for the browser test"
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
	  else
	    echo "warning: /usr/bin/chromium is missing: install Debian's chromium (sudo apt-get install chromium) for the browser test" >&2
	  fi
	fi

# --------------------------------------------------------------------- website
# The build fetches require.js and the ipywidgets html-manager from the npm registry the
# first time (pinned, SHA-512 checked, cached in .cache/npm): scripts/site_assets.py.
book: setup
	@echo "== building the website"
	$(BIN)/jupyter-book build .
	echo
	echo "The book is built. Open this page in a browser:"
	echo "  $(abspath _build/html/index.html)"

# ----------------------------------------------------------------------- tests
# Checkpoints go to a fresh folder, so a run never resumes from an earlier one.
test: setup browser
	@runs=$$(mktemp -d)
	trap 'rm -rf "$$runs"' EXIT
	failed=""
	echo "== unit tests and every notebook (smoke profile, $(JOBS) workers)"
	# one thread per worker: $(JOBS) workers already fill the cores, and oversubscribed
	# OpenMP threads made small networks several times slower
	# tests/site checks the built site, so it runs after the build (below)
	OMP_NUM_THREADS=1 GAN_COURSE_PROFILE=smoke GAN_COURSE_RUNS="$$runs" $(BIN)/python -m pytest -n $(JOBS) \
	  --nbmake --nbmake-timeout=$(NB_TIMEOUT) --ignore=tests/site tests notebooks student $(BOOK_NOTEBOOKS) \
	  || failed="$$failed pytest"
	echo "== website, warnings are errors ($$SECONDS s so far)"
	$(BIN)/jupyter-book build . --all -W --keep-going || failed="$$failed website"
	echo "== the built site: offline browser test, internal links, size ($$SECONDS s so far)"
	GAN_COURSE_SITE_REQUIRED=1 $(BIN)/python -m pytest -p no:xdist -p no:cacheprovider tests/site \
	  || failed="$$failed site"
	if [ -n "$$failed" ]; then echo "== make test FAILED:$$failed (see above)" >&2; exit 1; fi
	echo "== make test passed ($$SECONDS s after set-up); the site is at $(abspath _build/html/index.html)"

# The fast unit tests: one thread per worker (as in make test), the slow files (tests/conftest.py SLOW_FILES) left out.
unit: setup
	OMP_NUM_THREADS=1 GAN_COURSE_PROFILE=smoke $(BIN)/python -m pytest -n $(JOBS) -m "not slow" --ignore=tests/site tests

# The checks of the built site (Chromium, headless, network off; links; size): after make book.
site-check: setup browser
	GAN_COURSE_SITE_REQUIRED=1 $(BIN)/python -m pytest -p no:xdist -p no:cacheprovider tests/site

# ----------------------------------------------------------------- notebooks
# The student edition: each chapter with its solution cells turned into stubs, outputs cleared.
student: $(STAMP)
	$(BIN)/python scripts/student_edition.py

# LAB_ARGS passes options on, e.g. make lab LAB_ARGS="--no-browser --port 8899".
lab: setup
	$(BIN)/jupyter lab $$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi) $(LAB_ARGS)

# The committed outputs come from here: full profile, top to bottom in a fresh kernel,
# widget state stored so the players work on the website.
execute: setup
	@$(BIN)/python scripts/sync_setup_cells.py
	runs=$$(mktemp -d)
	trap 'rm -rf "$$runs"' EXIT
	for nb in $(NB); do
	  echo "== $$nb: full profile (checkpoints in $$runs)"
	  start=$$(date +%s)
	  GAN_COURSE_PROFILE=full GAN_COURSE_RUNS="$$runs" $(BIN)/jupyter nbconvert --to notebook \
	    --execute --inplace --ExecutePreprocessor.kernel_name=python3 \
	    --ExecutePreprocessor.timeout=$(EXEC_TIMEOUT) --ExecutePreprocessor.store_widget_state=True "$$nb"
	  echo "== $$nb: done in $$(( $$(date +%s) - start )) s"
	done
	# the header bar of each notebook states its measured run time: write the new one
	$(BIN)/python scripts/sync_setup_cells.py $(NB)

# The committed pretrained generators: each chapter's full recipe, trained from scratch
# through the command line, then exported as fp16 weights with a SHA-256 in the manifest.
PRETRAINED ?= vanilla cgan dcgan infogan pix2pix cyclegan wgan stylegan ddpm
pretrained: setup
	@for model in $(PRETRAINED); do
	  start=$$(date +%s)
	  rm -rf runs/pretrained/$$model
	  GAN_COURSE_PROFILE=full $(BIN)/python -m gan_course train $$model --profile full --out runs/pretrained/$$model
	  $(BIN)/python -m gan_course export-pretrained $$model --checkpoint runs/pretrained/$$model/checkpoint.pt
	  echo "== pretrained $$model: $$(( $$(date +%s) - start )) s"
	done

# -------------------------------------------------------------------- cleanup
clean:
	rm -rf _build .pytest_cache runs notebooks/runs
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -print0 \
	  | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) *.egg-info
