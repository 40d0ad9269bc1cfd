"""What each part of a starting API process costs, in seconds and resident memory.

Run in a fresh interpreter (``python -m eval.bench.startup``, as ``bench memory`` does) so that
nothing is loaded before it: each part is loaded in the order ``ckg serve`` loads it and
measured as it comes, so a part's memory is what it adds on top of the parts before it. Then,
in the same process, the ways the same parts were loaded before (vocabularies built from their
sources, BM25 rebuilt from the chunk texts, the drug library's own import, the concept phrases
in medspaCy's TargetMatcher) for comparison.
Prints one JSON object.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measured(parts: list[tuple[str, Callable[[], Any]]]) -> list[dict[str, Any]]:
    rows = []
    for name, load in parts:
        started, before = time.perf_counter(), resident_mb()
        load()
        rows.append({"part": name, "seconds": round(time.perf_counter() - started, 2),
                     "rss_added_mb": round(resident_mb() - before, 1)})
    return rows


def main() -> None:
    loaded: dict[str, Any] = {}

    def packages() -> None:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401

        from ckg.settings import get_settings
        from ckg.without_torch import keep_torch_out

        keep_torch_out(get_settings().embedding.backend)  # as `ckg serve` does
        import runtime.system  # noqa: F401  # spaCy, the neo4j driver (and torch, if it embeds with it)

    def graph() -> None:
        from ckg.settings import get_settings
        from runtime.system import open_graph

        loaded["settings"] = get_settings()
        loaded["graph"] = open_graph(loaded["settings"])

    def vocabularies() -> None:
        from ckg.nlp.vocabulary import load_vocabulary

        loaded["vocabulary"] = load_vocabulary()

    def clinical_nlp() -> None:
        from ckg.nlp.pipeline import get_nlp

        get_nlp().analyze("Aspirin is not recommended for adults with hypertension.")

    def embedder() -> None:
        from retrieval.embeddings import get_embedder

        loaded["embedder"] = get_embedder(loaded["settings"].embedding)

    def index() -> None:
        from retrieval.vector_index import VectorIndex

        e = loaded["embedder"]
        loaded["index"] = VectorIndex.open(loaded["settings"].index_dir, e.name, e.dimension)

    def pipeline() -> None:
        from runtime.system import build_pipeline

        build_pipeline(loaded["settings"], loaded["graph"], loaded["embedder"], loaded["index"])

    def vocabularies_from_sources() -> None:
        from ckg.nlp.vocabulary import build_vocabulary

        build_vocabulary()

    def bm25_from_texts() -> None:
        from retrieval.lexical import LexicalIndex

        entries = loaded["index"].entries()
        LexicalIndex([e.chunk_id for e in entries], [e.lexical_text for e in entries])

    def drug_library() -> None:
        import drug_named_entity_recognition  # noqa: F401  # builds its fuzzy-match index on import

    def target_matcher() -> None:
        from medspacy.ner import TargetMatcher, TargetRule

        from ckg.nlp.pipeline import get_nlp

        nlp = get_nlp()
        matcher = TargetMatcher(nlp._nlp)
        matcher.add([TargetRule(p, "CONDITION") for p in nlp.lexicon.phrases]
                    + [TargetRule(p, "PHENOTYPE") for p in nlp.phenotypes.phrases])
        loaded["target_matcher"] = matcher  # held, so that its memory is counted

    from ckg.settings import get_settings

    backend = get_settings().embedding.backend
    torch = "torch (via spaCy's thinc)" if backend == "torch" else "no torch"
    serve = measured([
        (f"Python packages ({torch}, spaCy, FastAPI, uvicorn, neo4j driver)", packages),
        ("graph driver, connected, schema checked", graph),
        ("clinical vocabularies (ICD-10-CM, HPO), from the cache", vocabularies),
        ("clinical NLP pipeline (concept phrase index, ConText, drug dictionary)", clinical_nlp),
        (f"embedding model ({'sentence-transformers' if backend == 'torch' else 'ONNX Runtime, int8'})", embedder),
        ("index snapshot (FAISS, evidence-sentence vectors, saved BM25)", index),
        ("the answer pipeline assembled from the parts above", pipeline),
    ])
    before = measured([
        ("vocabularies built from their sources (a first start)", vocabularies_from_sources),
        ("BM25 rebuilt from the chunk texts", bm25_from_texts),
        ("the drug library's own import (with its fuzzy-match index)", drug_library),
        ("the concept phrases in medspaCy's TargetMatcher (spaCy PhraseMatcher) instead", target_matcher),
    ])
    loaded["graph"].close()
    print(json.dumps({"serve": serve, "replaced": before, "vectors": loaded["index"].count}))


if __name__ == "__main__":
    main()
