"""Concepts and assertions on real sentences: the medspaCy pipeline with the packaged vocabularies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import simple_icd_10_cm as icd

from ckg.nlp import drugs
from ckg.nlp.drugs import get_drugs
from ckg.nlp.lexicon import build_lexicon
from ckg.nlp.pipeline import ClinicalNLP, get_nlp, tokenized
from ckg.nlp.synonyms import ABBREVIATIONS, CONDITION_SYNONYMS
from ckg.nlp.vocabulary import load_vocabulary
from tests.conftest import DEV


@pytest.fixture(scope="module")
def nlp() -> ClinicalNLP:
    return get_nlp()


def found(nlp: ClinicalNLP, text: str) -> dict[str, tuple[str, str]]:
    """words -> (concept id, assertion)"""
    return {m.text.lower(): (m.concept.concept_id, m.assertion) for m in nlp.analyze(text)}


@pytest.mark.parametrize(
    ("sentence", "words", "assertion"),
    [
        ("Patient denies chest pain.", "chest pain", "negated"),
        ("Family history of type 2 diabetes mellitus.", "type 2 diabetes mellitus", "family"),
        ("If symptoms persist, consider myocardial infarction.", "myocardial infarction", "hypothetical"),
        ("History of myocardial infarction in 2010.", "myocardial infarction", "historical"),
        # ngc-10008, Major Recommendations: the population is defined by what it does NOT have.
        ("This recommendation applies to asymptomatic adults who do not have a known diagnosis of PAD, "
         "CVD, severe chronic kidney disease, or diabetes.", "chronic kidney disease", "negated"),
        # ngc-10510: a real, present mention.
        ("The USPSTF recommends 1-time screening for abdominal aortic aneurysm (AAA) with ultrasonography "
         "in men aged 65 to 75 years who have ever smoked.", "abdominal aortic aneurysm", "present"),
        # what is tested for is in doubt, not absent (NegEx reads "test for" as ruling out)
        ("What should I test for before starting rituximab?", "rituximab", "possible"),
        ("Clinicians should evaluate for obstructive sleep apnea in adults with resistant hypertension.",
         "obstructive sleep apnea", "possible"),
    ],
)
def test_assertions(nlp: ClinicalNLP, sentence: str, words: str, assertion: str) -> None:
    assert found(nlp, sentence)[words][1] == assertion


def test_condition_linking_to_icd10cm(nlp: ClinicalNLP) -> None:
    mentions = found(nlp, "Adults with type 2 diabetes mellitus, asthma or HTN were included.")
    assert mentions["type 2 diabetes mellitus"][0] == "icd10cm:E11"
    assert mentions["asthma"][0] == "icd10cm:J45"
    assert mentions["htn"][0] == "icd10cm:I10"


def test_drug_linking_generic_and_brand_to_the_same_drugbank_id(nlp: ClinicalNLP) -> None:
    mentions = found(nlp, "Metformin (Glucophage) is first line; atorvastatin is added for lipids.")
    assert mentions["metformin"][0] == mentions["glucophage"][0] == "drugbank:DB00331"
    assert mentions["atorvastatin"][0] == "drugbank:DB01076"
    concept = nlp.concept("drugbank:DB00331")
    assert concept is not None and "glucophage" in concept.synonyms


def test_phenotypes_link_to_hpo_where_icd10cm_has_no_phrase(nlp: ClinicalNLP) -> None:
    # Real ngc-dev sentence (an imaging guideline): pelvic fracture is an HPO finding here; the
    # condition lexicon keeps "hematuria" (ICD-10-CM R31), HPO never takes a phrase from it.
    mentions = found(nlp, "This procedure is necessary if a pelvic fracture is present or if the patient has "
                          "hematuria and a negative cystogram or the inability to pass a Foley catheter.")
    assert mentions["pelvic fracture"][0] == "hpo:HP:0041161"
    assert mentions["hematuria"][0] == "icd10cm:R31"
    mentions = found(nlp, "Patients report fatigue and peripheral edema but deny chest pain.")
    assert mentions["fatigue"] == ("hpo:HP:0012378", "present")
    assert mentions["peripheral edema"] == ("hpo:HP:0012398", "present")
    # HPO's own hierarchy is the IS_A: peripheral edema is a kind of edema.
    concept = nlp.concept("hpo:HP:0012398")
    assert concept is not None and concept.kind == "phenotype" and "hpo:HP:0000969" in concept.parents


def test_no_concept_is_its_own_parent(nlp: ClinicalNLP) -> None:
    # simple_icd_10_cm names a one-category block like its category ("J95"): not a parent.
    concepts = [*nlp.lexicon.concepts.values(), *nlp.phenotypes.concepts.values()]
    assert len(concepts) > 20_000
    assert [c.concept_id for c in concepts if c.concept_id in c.parents] == []


def test_ambiguous_abbreviations_are_not_linked(nlp: ClinicalNLP) -> None:
    mentions = found(nlp, "ALL patients with MI or PE and DM were seen in the ED.")
    assert mentions == {}


def test_lower_case_abbreviation_is_not_linked(nlp: ClinicalNLP) -> None:
    assert "pad" not in found(nlp, "Use a sterile gauze pad.")


def test_icd_hierarchy_gives_is_a_parents() -> None:
    lexicon = build_lexicon()
    e11 = lexicon.concepts["icd10cm:E11"]
    assert e11.parents == ("icd10cm:E08-E13",)
    assert "icd10cm:E08-E13" in lexicon.concepts


def test_every_hand_kept_synonym_names_a_real_icd10cm_code() -> None:
    for code in {*CONDITION_SYNONYMS.values(), *ABBREVIATIONS.values()}:
        assert icd.is_valid_item(code), code


def test_drug_dictionary_finds_what_the_drug_library_finds_in_real_guidelines() -> None:
    """Same drugs, same token ranges as ``find_drugs`` on the text of real guidelines (the library
    is imported here only to compare; the pipeline reads its dictionary without it)."""
    import spacy
    from drug_named_entity_recognition import find_drugs

    tokenizer = spacy.blank("en")
    compared = 0
    for page in sorted(DEV.glob("ngc-1*.html"))[:12]:
        tokens = [t.text for t in tokenizer.make_doc(page.read_text(encoding="utf-8", errors="replace"))]
        theirs = [(d["drugbank_id"], a, b) for d, a, b in find_drugs(tokens, is_ignore_case=True) if d.get("drugbank_id")]
        ours = [(d.drugbank_id, a, b) for d, a, b in get_drugs().find(tokens)]
        assert ours == theirs, page.name
        compared += len(ours)
    assert compared > 100


def test_vocabularies_are_kept_in_the_cache_and_read_back_whole(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    built = load_vocabulary(tmp_path)  # nothing cached: built from ICD-10-CM and HPO, then kept
    (kept,) = tmp_path.glob("vocabulary-*.json")
    read = load_vocabulary(tmp_path)
    assert read == built and read.lexicon.phrases == build_lexicon().phrases
    parents = {c.concept_id: c.parents for c in built.lexicon.concepts.values()}
    assert {c.concept_id: c.parents for c in read.lexicon.concepts.values()} == parents  # not compared by ==
    kept.write_text(kept.read_text()[:1000])  # a damaged file is rebuilt, with a warning
    assert load_vocabulary(tmp_path) == built
    assert "unreadable" in caplog.text and kept.stat().st_size > 1_000_000


def test_a_cache_directory_that_cannot_be_written_costs_only_the_rebuild(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    assert load_vocabulary(blocked).lexicon.phrases == build_lexicon().phrases


def test_the_drug_dictionary_and_phrase_tokens_read_back_from_the_cache_as_built(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = drugs._build_dictionary()
    assert drugs._from_json(json.loads(json.dumps(drugs._to_json(built)))).names == built.names
    nlp = get_nlp()._nlp
    phrases = ["congestive heart failure", "type 2 diabetes mellitus", "non-st elevation (nstemi) myocardial infarction"]
    first = tokenized(nlp, phrases)  # built, then kept under the cache directory
    assert list((tmp_path / "clinical-kg").glob("phrase-tokens-*.json"))
    assert tokenized(nlp, phrases) == first and first[phrases[2]][:3] == ["non", "-", "st"]
