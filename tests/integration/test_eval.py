"""`ckg eval` end to end on a slice of the real data: the embedded graph server, a real FAISS
index, the real embedding model, the real LangChain baseline, reports written to disk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from answering.abstention import AbstentionModel
from ckg.jsonl import read_jsonl
from ckg.settings import get_settings
from eval.cli import SPECIALIST_QUESTIONS
from retrieval.onnx_embedder import BACKEND as ONNX_BACKEND

from ..conftest import DEV, FEDERAL, PUBMEDQA
from .api_support import embedded_home, run_ckg

ABSTRACTS = 40


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from embedded_home(tmp_path_factory, "eval-home")


@pytest.fixture(scope="module")
def pubmedqa_slice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The first 40 abstracts, and the dev questions whose gold abstract is among them."""
    folder = tmp_path_factory.mktemp("pubmedqa-slice")
    lines = (PUBMEDQA / "corpus.jsonl").read_text().splitlines()[:ABSTRACTS]
    (folder / "corpus.jsonl").write_text("\n".join(lines) + "\n")
    pmids = {json.loads(line)["pmid"] for line in lines}
    questions = [row for _, row in read_jsonl(PUBMEDQA / "dev_questions.jsonl") if row["gold_pmid"] in pmids][:12]
    assert len(questions) >= 8, "the slice should hold enough questions to measure anything"
    (folder / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    return folder / "corpus.jsonl", folder / "questions.jsonl"


def _eval(home: Path, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[dict, str]:  # type: ignore[type-arg]
    out = tmp_path / "report"
    result = run_ckg(home, "eval", *args, "--out", str(out), "--json",
                     env={"CKG_EMBEDDING__CACHE_DIR": str(home / "models"), **(env or {})})
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads(result.stdout)
    assert json.loads((out / "metrics.json").read_text()) == metrics
    assert list(out.glob("*.png")), "every report has at least one plot"
    return metrics, (out / "report.md").read_text()


def _data(metrics: dict) -> dict:  # type: ignore[type-arg]
    return next(v for k, v in metrics.items() if k.startswith("PubMedQA"))


def test_retrieval_compares_every_retriever_with_the_langchain_stack(home: Path, tmp_path: Path,
                                                                     pubmedqa_slice: tuple[Path, Path]) -> None:
    corpus, questions = pubmedqa_slice
    metrics, report = _eval(home, tmp_path, "retrieval", "--corpus", str(corpus), "--questions", str(questions))
    retrievers = _data(metrics)["question"]["retrievers"]
    assert set(retrievers) == {"bm25", "dense", "graph", "ours (fused)", "ours (reranked)", "langchain ensemble"}
    assert retrievers["ours (fused)"]["recall@5"] >= 0.8  # 40 abstracts: the gold is easy to find
    assert retrievers["ours (reranked)"]["recall@5"] >= retrievers["ours (fused)"]["recall@5"] - 0.1
    assert retrievers["langchain ensemble"]["recall@5"] >= 0.8  # the baseline is real, not a stub
    assert all(r["p50_ms"] > 0 for r in retrievers.values())
    assert "| **langchain ensemble** |" in report


def test_answers_report_citations_faithfulness_and_stage_latency(home: Path, tmp_path: Path,
                                                                 pubmedqa_slice: tuple[Path, Path]) -> None:
    corpus, questions = pubmedqa_slice
    metrics, _ = _eval(home, tmp_path, "answers", "--corpus", str(corpus), "--questions", str(questions))
    result = _data(metrics)
    assert result["answered"] > 0
    assert result["citation_precision"]["gold_document"] > 0.5
    assert result["citation_recall"]["sentences_cited"] == 1.0  # the extractive generator cites every sentence
    assert {"retrieve", "answer", "verify", "total"} <= set(result["latency"])


def test_abstention_answers_with_the_gold_and_abstains_without(home: Path, tmp_path: Path,
                                                               pubmedqa_slice: tuple[Path, Path]) -> None:
    corpus, questions = pubmedqa_slice
    fitted = tmp_path / "abstention.json"
    metrics, report = _eval(home, tmp_path, "abstention", "--corpus", str(corpus), "--questions", str(questions),
                            "--fit", str(fitted))
    result = _data(metrics)
    decisions = result["decisions"]
    assert decisions["similarity threshold (configured)"]["balanced accuracy"] >= 0.6
    assert decisions["abstention model (cross-validated)"]["balanced accuracy"] >= 0.6
    assert result["roc_auc"]["abstention model (cross-validated)"] > 0.6
    assert "ROC AUC" in report
    default = get_settings().embedding
    assert default.backend == ONNX_BACKEND
    model = AbstentionModel.load(fitted, f"{default.model}+{ONNX_BACKEND}")  # what the pipeline would load
    assert model.fitted_on["cases"] == result["cases"] and 0.0 < model.threshold < 1.0


def test_faithfulness_suite_on_real_recommendations(home: Path, tmp_path: Path) -> None:
    metrics, report = _eval(home, tmp_path, "faithfulness", "--guidelines", str(FEDERAL), "--sample", "15")
    perturbations = metrics["perturbations"]
    assert perturbations["sentences"] == 15
    assert perturbations["detection"]["negation"]["rate"] >= 0.8
    assert perturbations["false_alarm"]["rate"] <= 0.3
    assert "False alarms" in report


def test_faithfulness_on_pubmedqa_long_answers_checks_them_claim_by_claim(home: Path, tmp_path: Path,
                                                                         pubmedqa_slice: tuple[Path, Path]) -> None:
    corpus, questions = pubmedqa_slice
    metrics, report = _eval(home, tmp_path, "faithfulness", "--corpus", str(corpus), "--questions", str(questions),
                            "--limit", "8")
    auc = metrics["pubmedqa"]
    assert auc["pairs"] == 16 and len(auc["scores"]["own abstract"]) == 8
    assert 0.5 < auc["roc_auc"] <= 1.0 and 0.0 <= auc["roc_auc_as_one_claim"] <= 1.0
    assert "claim by claim" in report


def test_embedding_benchmark_exports_int8_close_to_torch(home: Path, tmp_path: Path,
                                                         pubmedqa_slice: tuple[Path, Path]) -> None:
    corpus, questions = pubmedqa_slice
    metrics, _ = _eval(home, tmp_path, "bench", "embedding", "--corpus", str(corpus), "--questions", str(questions))
    result = metrics["result"]
    assert result["cosine_to_torch"]["mean"] >= 0.98
    assert set(result["retrieval"]) == {"torch dense", "torch dense+bm25", "onnx-int8 dense", "onnx-int8 dense+bm25"}
    assert result["speed_passages_per_s"]["onnx-int8"] > 0


def test_vector_benchmark_measures_recall_against_exact_search(home: Path, tmp_path: Path,
                                                               pubmedqa_slice: tuple[Path, Path]) -> None:
    _, questions = pubmedqa_slice
    metrics, _ = _eval(home, tmp_path, "bench", "vectors", "--questions", str(questions), "--sizes", "3000")
    rows = metrics["result"]["sizes"]["3000"]
    assert rows["Flat (exact)"]["recall@10_vs_exact"] == 1.0
    assert all(0.0 < r["recall@10_vs_exact"] <= 1.0 for r in rows.values())


SPECIALIST_SLICE = ["ngc-10718.html", "ngc-11020.html", "ngc-10634.html"]


def _specialist_slice(tmp_path: Path) -> Path:
    """Three ngc-dev guidelines with their index rows (linked, not copied, from shared data)."""
    folder = tmp_path / "guidelines"
    folder.mkdir()
    ids = {name.removesuffix(".html") for name in SPECIALIST_SLICE}
    for name in SPECIALIST_SLICE:
        (folder / name).symlink_to(DEV / name)
    rows = [r for _, r in read_jsonl(DEV / "index.jsonl") if r["id"] in ids]
    (folder / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


@pytest.fixture(scope="module")
def reader(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real cross-encoder, trained for one epoch on the key questions of two other guidelines."""
    folder = tmp_path_factory.mktemp("key-questions")
    for name in ("ngc-7822.html", "ngc-11075.html"):
        (folder / name).write_bytes((DEV / name).read_bytes())
    out = folder / "reader"
    result = run_ckg(home, "eval", "reader-train", str(folder), "--out", str(out), "--epochs", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "key questions of 2 guidelines" in result.stderr
    assert (out / "config.json").is_file()
    return out


def test_specialist_questions_are_judged_against_their_gold_recommendation(home: Path, tmp_path: Path,
                                                                            reader: Path) -> None:
    """Three ngc-dev guidelines and the shipped questions about them, answers ranked with a reader."""
    folder = _specialist_slice(tmp_path)
    ids = {name.removesuffix(".html") for name in SPECIALIST_SLICE}
    questions = [r for _, r in read_jsonl(SPECIALIST_QUESTIONS) if r["guideline_id"] in ids]
    assert {r["kind"] for r in questions} == {"negative", "numeric", "positive"}
    (tmp_path / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in questions))
    metrics, report = _eval(home, tmp_path, "specialist", "--guidelines", str(folder),
                            "--questions", str(tmp_path / "questions.jsonl"),
                            env={"CKG_RETRIEVAL__READER": str(reader)})
    assert metrics["specialist"]["reader"] == "reader" and "Reader (``answering.reader``): ``reader``" in report
    rates = metrics["specialist"]["rates"]
    assert rates["all"]["n"] == len(questions) == 6
    assert rates["all"]["cites_gold_guideline"] >= 0.8  # three guidelines on unrelated topics
    assert rates["all"]["leads_with_gold"] <= rates["all"]["quotes_gold"] <= rates["all"]["cites_gold_guideline"]
    assert "leads_with_gold" in report


def test_calibrate_refits_the_abstention_model_on_every_kind_of_question(
        home: Path, tmp_path: Path, pubmedqa_slice: tuple[Path, Path]) -> None:
    """One command: PubMedQA questions, guideline queries and specialist questions, each kind in its
    own state directory, one model fitted on them all."""
    corpus, questions = pubmedqa_slice
    folder = _specialist_slice(tmp_path)
    fitted = tmp_path / "abstention.json"
    metrics, report = _eval(home, tmp_path, "calibrate", "--corpus", str(corpus), "--questions", str(questions),
                            "--guidelines", str(folder), "--fit", str(fitted))
    rates = metrics["combined"]["per_data_set"]
    assert {name.split("-")[0] for name in rates} == {"pubmedqa", "guidelines", "specialist"}
    assert rates[next(n for n in rates if n.startswith("specialist"))]["cases"] == 12  # 6 questions, twice
    assert sorted(p.name for p in (home / "calibration").iterdir()) == ["guidelines", "pubmedqa"]
    default = get_settings().embedding
    model = AbstentionModel.load(fitted, f"{default.model}+{ONNX_BACKEND}")
    assert 0.0 < model.threshold < 1.0 and len(model.fitted_on["data"]) == 3
    assert "one model" in report.lower()
