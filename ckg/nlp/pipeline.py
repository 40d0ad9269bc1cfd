"""The clinical NLP pipeline: medspaCy target matching and ConText assertions, plus drug names.

Blank English tokenizer and sentencizer, a medspaCy TargetMatcher built from the condition
lexicon and HPO phenotypes, a drug matcher (generic and brand names to DrugBank,
``ckg.nlp.drugs``), then ConText. Nothing is downloaded; building the pipeline takes a few
seconds, so it is built once per process (``get_nlp``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ckg.nlp.concepts import Assertion, Concept, Mention
from ckg.nlp.drugs import Drug, get_drugs
from ckg.nlp.lexicon import Lexicon
from ckg.nlp.phenotypes import PhenotypeLexicon
from ckg.nlp.vocabulary import load_vocabulary
from ckg.once import built_once

log = logging.getLogger(__name__)
DRUG_SYSTEM = "DrugBank"


class ClinicalNLP:
    def __init__(self, lexicon: Lexicon, phenotypes: PhenotypeLexicon | None = None) -> None:
        import medspacy
        from medspacy.ner import TargetRule

        self.lexicon = lexicon
        self.phenotypes = phenotypes or PhenotypeLexicon({}, {})
        self.drugs: dict[str, Concept] = {}
        nlp = medspacy.load(medspacy_enable=["medspacy_target_matcher", "medspacy_context"])
        nlp.add_pipe("sentencizer", first=True)
        matcher = nlp.get_pipe("medspacy_target_matcher")
        rules = [TargetRule(p, "CONDITION", metadata={"concept_id": c}) for p, c in lexicon.phrases.items()]
        rules += [TargetRule(a, "CONDITION", pattern=[{"TEXT": a}], metadata={"concept_id": c})
                  for a, c in lexicon.abbreviations.items()]
        rules += [TargetRule(p, "PHENOTYPE", metadata={"concept_id": c}) for p, c in self.phenotypes.phrases.items()]
        matcher.add(rules)
        nlp.add_pipe("ckg_drug_matcher", after="medspacy_target_matcher")
        nlp.get_pipe("ckg_drug_matcher").registry = self.drugs  # type: ignore[attr-defined]
        self._nlp = nlp
        self._lock = threading.Lock()

    def analyze(self, text: str) -> list[Mention]:
        with self._lock:  # spaCy pipelines are not documented as thread-safe; the API calls from a pool
            return self._mentions(self._nlp(text))

    def analyze_many(self, texts: Iterable[str]) -> list[list[Mention]]:
        with self._lock:
            return [self._mentions(doc) for doc in self._nlp.pipe(texts, batch_size=64)]

    def concept(self, concept_id: str) -> Concept | None:
        return (self.lexicon.concepts.get(concept_id) or self.phenotypes.concepts.get(concept_id)
                or self.drugs.get(concept_id))

    def _mentions(self, doc: Doc) -> list[Mention]:
        mentions = []
        for ent in doc.ents:
            concept = self.concept(_concept_id(ent))
            if concept is not None:
                mentions.append(Mention(concept, ent.start_char, ent.end_char, ent.text, assertion_of(ent)))
        return mentions


def _concept_id(ent: Span) -> str:
    if ent.label_ == "DRUG":
        return str(ent.id_)
    rule = ent._.target_rule
    return str(rule.metadata["concept_id"]) if rule is not None and rule.metadata else ""


def assertion_of(ent: Span) -> Assertion:
    """ConText attributes to one label; the order says which wins when several apply."""
    if ent._.is_negated:
        return "negated"
    if ent._.is_family:
        return "family"
    if ent._.is_hypothetical:
        return "hypothetical"
    if ent._.is_uncertain:
        return "possible"
    if ent._.is_historical:
        return "historical"
    return "present"


@Language.factory("ckg_drug_matcher")
def _drug_matcher(nlp, name):  # type: ignore[no-untyped-def]  # spaCy validates real (not string) hints
    return DrugMatcher()


class DrugMatcher:
    """Adds DRUG entities for generic and brand names, each linked to its DrugBank id."""

    def __init__(self) -> None:
        self.registry: dict[str, Concept] = {}
        self.dictionary = get_drugs()  # read when the pipeline is built, not on its first text

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.ents)
        for drug, start, end in self.dictionary.find([t.text for t in doc]):
            concept = self._concept(drug)
            spans.append(Span(doc, start, end, label="DRUG", span_id=concept.concept_id))
        doc.ents = filter_spans(spans)
        return doc

    def _concept(self, drug: Drug) -> Concept:
        cid = f"drugbank:{drug.drugbank_id}"
        # setdefault: under concurrent requests, the first concept stored is the one every thread sees
        return self.registry.setdefault(cid, Concept(cid, drug.name, DRUG_SYSTEM, drug.drugbank_id, "drug",
                                                     drug.synonyms))


@built_once
def get_nlp() -> ClinicalNLP:
    log.info("building clinical NLP pipeline")
    vocabulary = load_vocabulary()
    return ClinicalNLP(vocabulary.lexicon, vocabulary.phenotypes)
