"""The claim verifier on real recommendation sentences from ngc-dev and their perturbed copies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from answering.claim_verifier import ClaimVerifier, SentenceVerifier, split_claims
from answering.faithfulness import Evidence, Verifier
from ckg.nlp.pipeline import get_nlp
from eval.faithfulness import perturbation_rates, pubmedqa_auc, recommendation_cases
from retrieval.embeddings import Embedder

from ..conftest import DEV, REPO
from ..contracts.verifier import VerifierContract

# ngc-10510, Major Recommendations (USPSTF, public domain)
AAA = ("The USPSTF recommends 1-time screening for abdominal aortic aneurysm (AAA) with ultrasonography in men aged "
       "65 to 75 years who have ever smoked. The USPSTF recommends that clinicians selectively offer screening for AAA "
       "in men aged 65 to 75 years who have never smoked.")


@pytest.fixture(scope="module")
def verifier(embedder: Embedder) -> ClaimVerifier:
    return ClaimVerifier(embedder, get_nlp())


class TestClaimVerifier(VerifierContract):
    """What `ckg verify` runs: one claim against its evidence."""

    @pytest.fixture()
    def verifier(self, embedder: Embedder) -> Verifier:
        return ClaimVerifier(embedder, get_nlp())


class TestSentenceVerifier(VerifierContract):
    """What LLM answers run: each sentence claim by claim."""

    @pytest.fixture()
    def verifier(self, embedder: Embedder) -> Verifier:
        return SentenceVerifier(ClaimVerifier(embedder, get_nlp()))


def check(verifier: ClaimVerifier, claim: str) -> tuple[str, list[str]]:
    verdict = verifier.verify(claim, [Evidence("e", AAA, 0, 0, len(AAA))])
    return verdict.verdict, verdict.reasons


def test_true_sentence_and_paraphrase_pass(verifier: ClaimVerifier) -> None:
    assert check(verifier, AAA.split(". ")[0] + ".")[0] == "supported"
    assert check(verifier, "Men aged 65 to 75 who have ever smoked should have a one-time ultrasound screening "
                           "for abdominal aortic aneurysm.")[0] == "supported"


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("The USPSTF recommends 1-time screening for AAA with ultrasonography in men aged 65 to 80 years who have "
         "ever smoked.", "quantity"),
        ("The USPSTF recommends 1-time screening for AAA with ultrasonography in women aged 65 to 75 years who have "
         "ever smoked.", "population 'woman'"),
        ("The USPSTF does not recommend 1-time screening for AAA with ultrasonography in men aged 65 to 75 years who "
         "have ever smoked.", "negat"),
        ("The USPSTF recommends that clinicians routinely offer screening for AAA in men aged 65 to 75 years who "
         "have never smoked.", "more strongly"),
        ("The USPSTF recommends 1-time screening for lung cancer with ultrasonography in men aged 65 to 75 years "
         "who have ever smoked.", "lung cancer"),
        ("Give aspirin daily to men aged 65 to 75 years who have ever smoked.", "aspirin"),
    ],
)
def test_perturbations_are_flagged_with_a_reason(verifier: ClaimVerifier, claim: str, reason: str) -> None:
    verdict, reasons = check(verifier, claim)
    assert verdict == "unsupported"
    assert any(reason in r for r in reasons), reasons


def test_detection_and_false_alarm_rates_on_real_sentences(verifier: ClaimVerifier, shared_data: Path) -> None:
    """A random sample of ngc-dev recommendation statements (the note reports the 300-sentence run)."""
    result = perturbation_rates(verifier, recommendation_cases(DEV, 60))
    for kind, measured in result["detection"].items():  # type: ignore[attr-defined]
        assert measured["rate"] >= 0.85, (kind, measured)
    assert result["false_alarm"]["rate"] <= 0.05  # type: ignore[index]


def test_split_claims_separates_joined_statements() -> None:
    claims = split_claims("Offer statins to adults at risk; review lipids yearly. Do not offer aspirin.")
    assert claims == ["Offer statins to adults at risk", "review lipids yearly.", "Do not offer aspirin."]


def test_ckg_verify_reads_pairs_and_writes_verdicts(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"id": "p1", "claim": "Men aged 65 to 80 years should be screened once.",
                                 "evidence": [AAA]}) + "\n")
    result = subprocess.run([sys.executable, "-m", "api.main", "verify", str(pairs), "--json"], capture_output=True,
                            text=True, cwd=REPO, env={"CKG_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
                            timeout=300)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["id"] == "p1" and out["verdict"] == "unsupported" and out["reasons"]


def test_the_score_tells_a_long_answer_s_own_abstract_from_the_most_similar_other(
        verifier: ClaimVerifier, shared_data: Path) -> None:
    """On 40 PubMedQA dev questions (the note reports the 250-question run): the expert's long answer,
    claim by claim, scores higher against its own abstract than against the closest other abstract."""
    pubmedqa = shared_data / "pubmedqa"
    result = pubmedqa_auc(verifier, pubmedqa / "corpus.jsonl", pubmedqa / "dev_questions.jsonl", 40)
    assert result["roc_auc"] >= 0.93, result["roc_auc"]  # 0.926 before the score read the claim's terms


def test_a_drug_the_dictionary_knows_without_an_id_is_checked_by_name(verifier: ClaimVerifier) -> None:
    """Insulin and penicillin have no DrugBank id in the dictionary, so no concept: their names are compared."""
    evidence = ("Patients with an adequate performance status should be treated with a high-dose "
                "methotrexate-containing chemotherapy regimen.")
    swapped = verifier.verify(evidence.replace("methotrexate", "insulin"), [Evidence("e", evidence, 0, 0, len(evidence))])
    assert swapped.verdict == "unsupported" and "drug 'insulin' is not in the evidence" in swapped.reasons
    penicillin = "Benzyl penicillin should be given before transfer to hospital."
    assert verifier.verify(penicillin, [Evidence("e", penicillin, 0, 0, len(penicillin))]).verdict == "supported"
