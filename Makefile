# publisher: `make` sets up what is missing, builds every sources/*.md into output/ and verifies.
# `make test` sets up and runs the tests. See README.md.

PY      := .venv/bin/python
PUB     := .venv/bin/publisher
OUT     := output
SOURCES := $(wildcard sources/*.md)
STEMS   := $(basename $(notdir $(SOURCES)))

PDF  := $(STEMS:%=$(OUT)/%.pdf)
DOCX := $(STEMS:%=$(OUT)/%.docx)
HTML := $(STEMS:%=$(OUT)/%.html)
EPUB := $(STEMS:%=$(OUT)/%.epub)
VERIFIED := $(STEMS:%=$(OUT)/%.verified)

SETUP_BUILD := .venv/.setup-build
SETUP_TEST  := .venv/.setup-test
SETUP_BENCH := .venv/.setup-bench
PREVIEW_SOURCE ?= $(firstword $(SOURCES))

.PHONY: all pdf docx html epub verify test clean bench fuzz preview
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Two cores: the PDF builds beside the other editions.
MAKEFLAGS += --jobs=2 --output-sync=target

all: $(PDF) $(DOCX) $(HTML) $(EPUB) $(VERIFIED)
pdf: $(PDF)
docx: $(DOCX)
html: $(HTML)
epub: $(EPUB)

# Setup runs again only when the project's requirements change.
$(SETUP_BUILD): pyproject.toml tools/setup.sh
	tools/setup.sh build
	@touch $@
$(SETUP_TEST): pyproject.toml tools/setup.sh
	tools/setup.sh test
	@touch $@ $(SETUP_BUILD)

$(SETUP_BENCH): pyproject.toml tools/setup.sh
	tools/setup.sh bench
	@touch $@ $(SETUP_BUILD)

# Per-source dependencies (its images, the layouts its front matter picks, the code);
# the source's warnings print here, once (the four edition rules build with --quiet).
$(OUT)/%.d: sources/%.md | $(SETUP_BUILD)
	@mkdir -p $(OUT)
	@$(PUB) deps $< --out $(OUT) > $@
-include $(STEMS:%=$(OUT)/%.d)

$(OUT)/%.pdf: sources/%.md | $(SETUP_BUILD)
	$(PUB) build $< --formats pdf --out $(OUT) --quiet
$(OUT)/%.docx: sources/%.md | $(SETUP_BUILD)
	$(PUB) build $< --formats docx --out $(OUT) --quiet
$(OUT)/%.html: sources/%.md | $(SETUP_BUILD)
	$(PUB) build $< --formats html --out $(OUT) --quiet
$(OUT)/%.epub: sources/%.md | $(SETUP_BUILD)
	$(PUB) build $< --formats epub --out $(OUT) --quiet

# Verification reads the four written editions back; the stamp keeps a no-op `make` quiet.
$(OUT)/%.verified: $(OUT)/%.pdf $(OUT)/%.docx $(OUT)/%.html $(OUT)/%.epub
	$(PUB) verify sources/$*.md --out $(OUT)
	@touch $@

verify: $(PDF) $(DOCX) $(HTML) $(EPUB)
	@for s in $(SOURCES); do $(PUB) verify $$s --out $(OUT) || exit $$?; done

test: $(SETUP_TEST)
	$(PY) -m pytest

# Benchmarks, not tests: prints a table, writes output/bench.json (about 20 minutes).
bench: all | $(SETUP_BENCH)
	$(PY) bench/run.py $(BENCH_ARGS)

# Live preview on http://127.0.0.1:8000/ (make preview PREVIEW_SOURCE=sources/x.md).
preview: | $(SETUP_BUILD)
	$(PUB) preview $(PREVIEW_SOURCE)

# A longer property-based run than `make test` does (60 generated documents).
fuzz: $(SETUP_TEST)
	HYPOTHESIS_PROFILE=long $(PY) -m pytest tests/test_fuzz.py -q

clean:
	rm -rf $(OUT)
