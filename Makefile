# twinlake: the two commands are `make demo` and `make test`.
# Both run `setup` first (idempotent, ~1 s when already done).

CARGO ?= cargo
TWINLAKE = $(CARGO) run --release --locked --quiet --bin twinlake --

.PHONY: setup build demo demo-ingest demo-project test bench fmt

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --release --locked --bin twinlake

# Ingest the demo team's footprint (idempotent) and serve the twins on
# 127.0.0.1:8080, with an admin key for the demo tenant (made once, kept in
# .twinlake/demo.key) shown in the example requests.
DEMO_KEY = .twinlake/demo.key
demo: build demo-ingest demo-project
	@test -s $(DEMO_KEY) || (umask 077 && $(TWINLAKE) keys create --admin | tail -1 > $(DEMO_KEY))
	@echo "demo admin key (in $(DEMO_KEY)): KEY=$$(cat $(DEMO_KEY))"
	@echo "  curl -s http://127.0.0.1:8080/twin/carol/profile -H \"authorization: Bearer $$(cat $(DEMO_KEY))\""
	@echo "the Harbor project's questions: each member's twin recommends with cited reasons, then the group decides:"
	@for p in harbor-fields barbecue-day barbecue-menu trip trip-dinner harbor-tasks; do \
	  echo "  curl -s -X POST http://127.0.0.1:8080/proposals/$$p/coordinate -H \"authorization: Bearer $$(cat $(DEMO_KEY))\""; done
	@echo "  curl -s http://127.0.0.1:8080/recommendations/generate -H \"authorization: Bearer $$(cat $(DEMO_KEY))\" -H 'content-type: application/json' -d '{\"user\": \"bob\", \"proposal\": \"trip\"}'"
	$(TWINLAKE) serve

# The demo team's project and its proposals (data/demo/project), made once.
PROJECT = data/demo/project
demo-project:
	@$(TWINLAKE) project show harbor >/dev/null 2>&1 || ( \
	  $(TWINLAKE) project create --id harbor --title Harbor --members alice,bob,carol \
	    --context "The profile redesign of a dating app, a barbecue at Alice's and a trip in January." && \
	  for p in fields barbecue-day barbecue-menu trip trip-dinner tasks; do \
	    $(TWINLAKE) project propose harbor --file $(PROJECT)/$$p.json || exit 1; done )

demo-ingest:
	$(TWINLAKE) ingest --user alice data/demo/alice
	$(TWINLAKE) ingest --user bob data/demo/bob
	$(TWINLAKE) ingest --user carol data/demo/carol

# Every test of every crate, on the real model (release profile, shared with the demo build).
test: setup
	$(CARGO) test --release --locked --workspace

bench: build
	$(TWINLAKE) bench ingest
	$(TWINLAKE) bench search --docs 10000
	$(TWINLAKE) bench search --docs 100000
	$(TWINLAKE) bench sources
	$(TWINLAKE) bench kafka
	$(TWINLAKE) bench serve
	$(TWINLAKE) bench chat
	$(TWINLAKE) bench projects
	$(TWINLAKE) bench mcp

fmt:
	$(CARGO) fmt --all
