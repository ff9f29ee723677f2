# The project's two commands: `make demo` and `make test`. Both install what they need on
# a fresh Debian machine (as root), build, and run.

CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := build-essential pkg-config python3 python3-venv libopenmpi-dev openmpi-bin libclang-dev

.PHONY: all deps venv python pytest coverage demo test fmt-check clippy doc unit mpi-check bench clean

all: test

# System packages: a C compiler (STREAM, crates that build C), Python for later tools,
# OpenMPI (the `mpi` feature of legate-core and its multi-rank test; bindgen in the
# `mpi` crate needs libclang).
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

# The main job: legate-hello on every core, printing what ran where; then the blog's
# two Python programs under legate and under NumPy/SciPy, with their times.
demo: deps
	$(CARGO) build --release -p legate-hello --example hello
	./target/release/examples/hello
	$(MAKE) python PROFILE=release
	.venv/bin/python examples/blog_demo.py

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p legate-core --features mpi --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --features legate-core/mpi

unit:
	$(CARGO) test --workspace

# legate-core's MPI communicator as a job of 2 and 3 ranks (OpenMPI refuses to run as root
# without the two variables; 3 ranks oversubscribe a 2-core machine).
MPIRUN := OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe
mpi-check: deps
	$(CARGO) build -p legate-core --features mpi --example mpi_comm
	$(MPIRUN) -np 2 target/debug/examples/mpi_comm
	$(MPIRUN) -np 3 target/debug/examples/mpi_comm
	$(CARGO) build -p legate-core --features mpi --example replicated
	$(MPIRUN) -np 2 target/debug/examples/replicated
	$(MPIRUN) -np 3 target/debug/examples/replicated

# Every check: formatting, lints, docs, unit, property, integration and doc tests, and
# the Python suite.
test: deps fmt-check clippy doc unit mpi-check pytest

# The project's virtual environment: NumPy and SciPy (the references of the benchmarks
# and of the Python tests), maturin (builds the extension), pytest and hypothesis.
VENV_PACKAGES := numpy scipy maturin pytest hypothesis
venv: deps
	@[ -x .venv/bin/python ] || python3 -m venv .venv
	@for p in $(VENV_PACKAGES); do \
		.venv/bin/python -c "import $$p" 2>/dev/null || missing="$$missing $$p"; done; \
		if [ -n "$$missing" ]; then echo "pip installing:$$missing"; .venv/bin/pip install -q $$missing; fi

# The `legate` Python package (legate.dense, legate.sparse, the `legate` driver),
# installed into .venv in editable form; PROFILE=release for benchmarks.
PROFILE ?= dev
python: venv
	cd python && VIRTUAL_ENV=$(CURDIR)/.venv PATH=$(CURDIR)/.venv/bin:$$PATH \
		maturin develop -q $(if $(filter release,$(PROFILE)),--release,)

# docs/coverage.md: what legate.dense and legate.sparse implement, what falls back.
coverage: python
	.venv/bin/python python/tools/coverage.py docs/coverage.md

# The Python suite against NumPy and SciPy, on one CPU and on two.
pytest: python
	LEGATE_CONFIG="--cpus 1" .venv/bin/python -m pytest -q python/tests
	LEGATE_CONFIG="--cpus 2" .venv/bin/python -m pytest -q python/tests

# Benchmarks (not part of `make test`: they need a quiet machine). See bench/README.md.
bench: deps venv
	$(CARGO) bench -p legate-core --bench launch
	$(CARGO) bench -p legate-dense --bench dense
	$(CARGO) bench -p legate-dense --bench fusion
	$(CARGO) bench -p legate-sparse --bench sparse
	$(MAKE) python PROFILE=release
	.venv/bin/python bench/examples.py

clean:
	$(CARGO) clean
