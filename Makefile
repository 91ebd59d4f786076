# twinlake: the two commands are `make demo` and `make test`.
# Both run `setup` first (idempotent, ~1 s when already done).

CARGO ?= cargo
TWINLAKE = $(CARGO) run --release --locked --quiet --bin twinlake --

.PHONY: setup build demo demo-ingest test bench fmt

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --release --locked --bin twinlake

# Ingest the demo team's footprint (idempotent) and serve the twins on
# 127.0.0.1:8080, with an admin key for the demo tenant (made once, kept in
# .twinlake/demo.key) shown in the example requests.
DEMO_KEY = .twinlake/demo.key
demo: build demo-ingest
	@test -s $(DEMO_KEY) || (umask 077 && $(TWINLAKE) keys create --admin | tail -1 > $(DEMO_KEY))
	@echo "demo admin key (in $(DEMO_KEY)): KEY=$$(cat $(DEMO_KEY))"
	@echo "  curl -s http://127.0.0.1:8080/twin/carol/profile -H \"authorization: Bearer $$(cat $(DEMO_KEY))\""
	$(TWINLAKE) serve

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

fmt:
	$(CARGO) fmt --all
