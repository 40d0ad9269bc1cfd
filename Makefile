# Two commands for a fresh machine: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
export CKG_HOME ?= $(CURDIR)/.ckg
# A native build (GGML_NATIVE) uses every instruction the build CPU advertises, e.g. AMX, and dies
# with SIGILL on a CPU (or VM) that lacks them: build for x86-64 with AVX2, which CI machines have.
# LLAMA_VERSION must match the pin in pyproject.toml.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF
LAUNCHER := tools/neo4j-launcher/target/classes/ckg/Neo4jLauncher.class

.PHONY: setup demo test neo4j lint clean stop

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# llama.cpp is compiled here first: a portable build, never a natively built wheel from pip's cache.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --no-cache-dir "llama-cpp-python[server]==$(LLAMA_VERSION)"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# Neo4j Community 5.26 (embedded DBMS from Maven Central) behind a Bolt launcher, for tests.
neo4j: $(LAUNCHER)

$(LAUNCHER): tools/neo4j-launcher/pom.xml tools/neo4j-launcher/src/main/java/ckg/Neo4jLauncher.java
	mvn --quiet --batch-mode -f tools/neo4j-launcher/pom.xml package -DskipTests

demo: setup
	$(BIN)/ckg demo

test: setup neo4j lint
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy ckg graph retrieval answering ingest access review runtime api eval
	$(BIN)/lint-imports

stop:
	-$(BIN)/ckg server stop

clean: stop
	rm -rf .ckg
