# Two commands for a fresh machine: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
export CKG_HOME ?= $(CURDIR)/.ckg
LAUNCHER := tools/neo4j-launcher/target/classes/ckg/Neo4jLauncher.class

.PHONY: setup demo test neo4j lint clean stop

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
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
	$(BIN)/mypy ckg graph ingest retrieval api eval

stop:
	-$(BIN)/ckg server stop

clean: stop
	rm -rf .ckg
