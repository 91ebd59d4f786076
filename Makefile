# twinlake: the two commands are `make demo` and `make test`.
# Both run `setup` first (idempotent, ~1 s when already done).

CARGO ?= cargo
TWINLAKE = $(CARGO) run --release --locked --quiet --bin twinlake --

.PHONY: setup build demo demo-ingest test bench fmt

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --release --locked --bin twinlake

# Ingest the demo team's footprint (idempotent) and serve the twins on 127.0.0.1:8080.
demo: build demo-ingest
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

fmt:
	$(CARGO) fmt --all
