# publisher: `make` sets up what is missing, builds every sources/*.md into output/ and verifies.
# `make test` sets up and runs the tests. `make help` lists the targets. See README.md.

PY      := .venv/bin/python
PUB     := .venv/bin/publisher
OUT     := output
PREVIEW_PORT ?= 8000

# The sources: the Markdown files directly in sources/ (not in its subfolders). A name make cannot
# carry in a target (a space, # % : $ ; = \ * ? [ ] quotes, brackets ...) is refused, named below;
# letters of any script (e.g. 报告.md), digits and . _ - + @ ~ are fine.
NAME_OK := LC_ALL=C grep -P '^[-\x80-\xffA-Za-z0-9._+@~]+\.md$$'
LIST_MD := find sources -mindepth 1 -maxdepth 1 -name '*.md' ! -name '.*' -printf '%f\n' 2>/dev/null | LC_ALL=C sort
SOURCES := $(sort $(addprefix sources/,$(shell $(LIST_MD) | $(NAME_OK))))
ODD_COUNT := $(shell $(LIST_MD) | $(NAME_OK) -v -c)
STEMS   := $(basename $(notdir $(SOURCES)))

SETUP_BUILD := .venv/.setup-build
SETUP_TEST  := .venv/.setup-test
SETUP_BENCH := .venv/.setup-bench
PREVIEW_SOURCE ?= $(firstword $(SOURCES))

.PHONY: all pdf docx html epub verify test clean bench fuzz preview help FORCE
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Two cores: the PDF builds beside the other editions. A bad source does not stop the others
# (make -k); `make -S` stops at the first error.
MAKEFLAGS += --jobs=2 --output-sync=target --keep-going

# Goals that need no per-source dependencies (nor the set-up they run): `make help` or `make clean`
# on a fresh clone installs nothing.
NO_DEPS_GOALS := help clean test fuzz preview
BUILDING := $(if $(MAKECMDGOALS),$(filter-out $(NO_DEPS_GOALS),$(MAKECMDGOALS)),all)

# Per-source dependencies (its images, the layouts its front matter picks, the code);
# the source's warnings print here, once (the four edition rules build with --quiet).
# A source that cannot be read prints its errors here, once; its .d then only names it in
# BAD_SOURCES (its editions are not attempted) and is read again on the next `make`.
$(OUT)/%.d: sources/%.md publisher/build.py | $(SETUP_BUILD)
	@mkdir -p $(OUT)
	@if $(PUB) deps $< --out $(OUT) > $@.tmp; then mv $@.tmp $@; else rm -f $@.tmp $(OUT)/$*.verified; \
	  printf 'BAD_SOURCES += %s\nifndef MAKE_RESTARTS\n%s: FORCE\nendif\n' '$<' '$@' > $@; fi
ifneq ($(BUILDING),)
-include $(STEMS:%=$(OUT)/%.d)
endif
FORCE:

GOOD := $(filter-out $(BAD_SOURCES:sources/%.md=%),$(STEMS))
PDF  := $(GOOD:%=$(OUT)/%.pdf)
DOCX := $(GOOD:%=$(OUT)/%.docx)
HTML := $(GOOD:%=$(OUT)/%.html)
EPUB := $(GOOD:%=$(OUT)/%.epub)
VERIFIED := $(GOOD:%=$(OUT)/%.verified)

# An edition built by hand another way (`publisher build --layout report --out output`) carries a
# marker beside it, output/.NAME.made-with: make takes it as out of date and builds it its own way.
MADE_OTHERWISE := $(filter $(PDF) $(DOCX) $(HTML) $(EPUB),\
  $(patsubst $(OUT)/.%.made-with,$(OUT)/%,$(wildcard $(OUT)/.*.made-with)))
ifneq ($(MADE_OTHERWISE),)
$(MADE_OTHERWISE): FORCE
endif

# After the good sources: a line for each refused name, then which sources were not built (exit 2).
define not_built
$(LIST_MD) | $(NAME_OK) -v | while IFS= read -r f; do \
  echo "make: sources/$$f: make cannot build a file whose name has a space or one of # % : \$$ ; = \\ * ? [ ] ' \" ( ) & | < > (rename it, e.g. to sources/$$(printf '%s' "$$f" | LC_ALL=C sed 's/[^-A-Za-z0-9._+@~\x80-\xff]\{1,\}/-/g'))" >&2; done; \
echo "make: $$(( $(words $(BAD_SOURCES)) + $(ODD_COUNT) )) of $$(( $(words $(STEMS)) + $(ODD_COUNT) )) sources not built: $$( \
  { for s in $(BAD_SOURCES); do echo "$$s"; done; $(LIST_MD) | $(NAME_OK) -v | sed 's|^|sources/|'; } | LC_ALL=C sort | paste -sd, | sed 's/,/, /g') (fix the errors above and run make again)" >&2; \
exit 2
endef
NO_SOURCES := echo "make: no sources to build: put a Markdown file in sources/ (sources/<name>.md, its images beside it) and run make again" >&2

all: $(PDF) $(DOCX) $(HTML) $(EPUB) $(VERIFIED) ## set up, build every sources/*.md into output/ (PDF, DOCX, HTML, EPUB), verify each
pdf: $(PDF) ## build only the print PDF of every source
docx: $(DOCX) ## build only the Word DOCX of every source
html: $(HTML) ## build only the e-reader HTML of every source
epub: $(EPUB) ## build only the EPUB of every source
# No recipe when all is well, so that `make -q all` (bench/run.py) says whether the outputs are up to date.
ifeq ($(SOURCES)$(filter-out 0,$(ODD_COUNT)),)
all pdf docx html epub verify:
	@$(NO_SOURCES)
else ifneq ($(BAD_SOURCES)$(filter-out 0,$(ODD_COUNT)),)
all pdf docx html epub:
	@$(not_built)
endif

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

ifneq ($(SOURCES),)
verify: $(PDF) $(DOCX) $(HTML) $(EPUB) ## read every written edition back and compare it with its source
	@status=0; for s in $(GOOD:%=sources/%.md); do $(PUB) verify $$s --out $(OUT) || status=$$?; done; \
	if [ -n "$(strip $(BAD_SOURCES))" ] || [ "$(ODD_COUNT)" != 0 ]; then $(not_built); fi; exit $$status
endif

test: $(SETUP_TEST) ## set up the test tools and run the tests (.venv/bin/python -m pytest)
	$(PY) -m pytest

# Benchmarks, not tests: prints a table, writes output/bench.json (about 8 minutes on 2 cores).
bench: all | $(SETUP_BENCH) ## benchmarks against pandoc; prints a table, writes output/bench.json
	$(PY) bench/run.py $(BENCH_ARGS)

# Live preview on http://127.0.0.1:$(PREVIEW_PORT)/ (make preview PREVIEW_SOURCE=sources/x.md PREVIEW_PORT=8001).
preview: | $(SETUP_BUILD) ## live preview of the first source on http://127.0.0.1:8000/ (PREVIEW_SOURCE=, PREVIEW_PORT=)
	@$(if $(PREVIEW_SOURCE),,$(NO_SOURCES); exit 2)
	$(PUB) preview $(PREVIEW_SOURCE) --port $(PREVIEW_PORT)

# A longer property-based run than `make test` does: 60 generated documents built and verified,
# 80 hostile sources built and 80 mutated editions verified (none may end in an internal error).
fuzz: $(SETUP_TEST) ## a long property-based run (generated, hostile and mutated input; no internal errors)
	HYPOTHESIS_PROFILE=long $(PY) -m pytest tests/test_fuzz.py tests/test_fuzz_hostile.py -q

clean: ## remove output/
	rm -rf $(OUT)

help: ## list the targets
	@LC_ALL=C awk -F':.*## ' '/^[a-z]+:.*## / { printf "make %-8s %s\n", $$1, $$2 }' $(firstword $(MAKEFILE_LIST))
