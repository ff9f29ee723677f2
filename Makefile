# The project's two commands: `make demo` and `make test`. Both install what they need on
# a fresh Debian machine (as root), build, and run.

CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := build-essential pkg-config python3 python3-venv

.PHONY: all deps venv demo test fmt-check clippy doc unit bench clean

all: test

# System packages: a C compiler (STREAM, crates that build C), Python for later tools.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "cargo (Rust >= 1.85) is required: https://rustup.rs"; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

# The main job: legate-hello on every core, printing what ran where.
demo: deps
	$(CARGO) build --release -p legate-hello --example hello
	./target/release/examples/hello

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

unit:
	$(CARGO) test --workspace

# Every check: formatting, lints, docs, unit, property, integration and doc tests.
test: deps fmt-check clippy doc unit

# NumPy and SciPy for the benchmarks' reference figures, in the project's virtual
# environment.
venv: deps
	@[ -x .venv/bin/python ] || python3 -m venv .venv
	@.venv/bin/python -c "import numpy" 2>/dev/null || .venv/bin/pip install -q numpy
	@.venv/bin/python -c "import scipy" 2>/dev/null || .venv/bin/pip install -q scipy

# Benchmarks (not part of `make test`: they need a quiet machine). See bench/README.md.
bench: deps venv
	$(CARGO) bench -p legate-core --bench launch
	$(CARGO) bench -p legate-dense --bench dense
	$(CARGO) bench -p legate-dense --bench fusion
	$(CARGO) bench -p legate-sparse --bench sparse

clean:
	$(CARGO) clean
