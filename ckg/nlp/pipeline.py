"""The clinical NLP pipeline: condition, phenotype and drug names, with medspaCy ConText assertions.

Blank English tokenizer and sentencizer, a concept matcher over the condition lexicon and HPO
phenotypes (``ckg.nlp.phrase_index``: the longest phrase wins, as in medspaCy's TargetMatcher,
which it replaces at a fraction of the start-up time and memory), a drug matcher (generic and
brand names to DrugBank, ``ckg.nlp.drugs``), then ConText. Nothing is downloaded; the pipeline
is built once per process (``get_nlp``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from medspacy.context import ConText, ConTextRule
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ckg.nlp.concepts import Assertion, Concept, Mention
from ckg.nlp.derived_cache import load_or_build, source_key
from ckg.nlp.drugs import Drug, get_drugs
from ckg.nlp.lexicon import Lexicon
from ckg.nlp.phenotypes import PhenotypeLexicon
from ckg.nlp.phrase_index import PhraseIndex
from ckg.nlp.vocabulary import load_vocabulary
from ckg.once import built_once

log = logging.getLogger(__name__)
DRUG_SYSTEM = "DrugBank"


class ClinicalNLP:
    def __init__(self, lexicon: Lexicon, phenotypes: PhenotypeLexicon | None = None) -> None:
        import medspacy

        self.lexicon = lexicon
        self.phenotypes = phenotypes or PhenotypeLexicon({}, {})
        self.drugs: dict[str, Concept] = {}
        nlp = medspacy.load(medspacy_enable=["medspacy_context"])
        nlp.add_pipe("sentencizer", first=True)
        nlp.add_pipe("ckg_concept_matcher", before="medspacy_context")
        concepts = nlp.get_pipe("ckg_concept_matcher")
        concepts.phrases = self._phrase_index(nlp)  # type: ignore[attr-defined]
        concepts.abbreviations = dict(lexicon.abbreviations)  # type: ignore[attr-defined]
        nlp.add_pipe("ckg_drug_matcher", after="ckg_concept_matcher")
        nlp.get_pipe("ckg_drug_matcher").registry = self.drugs  # type: ignore[attr-defined]
        _, default = nlp.remove_pipe("medspacy_context")
        context = ConText(nlp, rules=None)
        context.add([_as_ordered_test(rule) for rule in default.rules])
        nlp.add_pipe("ckg_context_where_mentions")
        nlp.get_pipe("ckg_context_where_mentions").context = context  # type: ignore[attr-defined]
        self._nlp = nlp
        self._lock = threading.Lock()

    def _phrase_index(self, nlp: Language) -> PhraseIndex:
        """Condition phrases first (a phrase both name stays a condition), tokenized as texts are."""
        labelled = [(p.lower(), "CONDITION", c) for p, c in self.lexicon.phrases.items()]
        labelled += [(p.lower(), "PHENOTYPE", c) for p, c in self.phenotypes.phrases.items()]
        tokens = tokenized(nlp, [p for p, _, _ in labelled])
        return PhraseIndex((tuple(tokens[p]), label, c) for p, label, c in labelled)

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
            concept = self.concept(str(ent.id_))
            if concept is not None:
                mentions.append(Mention(concept, ent.start_char, ent.end_char, ent.text, assertion_of(ent)))
        return mentions


def tokenized(nlp: Language, phrases: list[str]) -> dict[str, list[str]]:
    """Each phrase's tokens, lower-cased, kept per machine (``ckg.nlp.derived_cache``): tokenizing
    tens of thousands of phrases costs every starting process half a second."""
    def build() -> dict[str, list[str]]:
        docs = nlp.tokenizer.pipe(phrases)  # type: ignore[union-attr]
        return {p: [t.lower_ for t in doc] for p, doc in zip(phrases, docs, strict=True)}

    key = source_key(["spacy", "medspacy"], data="\n".join(phrases))
    return load_or_build("phrase-tokens", key, build, dict, dict)


# NegEx reads "evaluate for X" in a radiology request as X ruled out; in a guideline or a
# question ("what should I test for before starting rituximab?") X is what is tested for.
_TESTED_FOR = frozenset({"test for", "evaluate for"})


def _as_ordered_test(rule: Any) -> Any:
    """A ConText rule, with "test for" / "evaluate for" marking what they precede as uncertain, not absent."""
    if rule.literal.lower() in _TESTED_FOR and rule.category == "NEGATED_EXISTENCE":
        return ConTextRule(rule.literal, "POSSIBLE_EXISTENCE", direction=rule.direction, pattern=rule.pattern)
    return rule


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


@Language.factory("ckg_concept_matcher")
def _concept_matcher(nlp, name):  # type: ignore[no-untyped-def]  # spaCy validates real (not string) hints
    return ConceptMatcher()


class ConceptMatcher:
    """Condition and phenotype entities (longest phrase wins), each linked to its concept id."""

    def __init__(self) -> None:
        self.phrases = PhraseIndex([])
        self.abbreviations: dict[str, str] = {}  # exact-case token -> condition concept id

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, hit.start, hit.end, label=hit.label, span_id=hit.concept_id)
                 for hit in self.phrases.find([t.lower_ for t in doc])]
        spans += [Span(doc, t.i, t.i + 1, label="CONDITION", span_id=self.abbreviations[t.text])
                  for t in doc if t.text in self.abbreviations]
        doc.ents = filter_spans([*doc.ents, *spans])
        return doc


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


@Language.factory("ckg_context_where_mentions")
def _context_where_mentions(nlp, name):  # type: ignore[no-untyped-def]  # spaCy validates real (not string) hints
    return ContextWhereMentions()


class ContextWhereMentions:
    """medspaCy's ConText, run only on texts that mention a concept: it asserts things of mentions
    alone, and its rule matcher was most of the pipeline's time on the two thirds of guideline
    chunks that mention none."""

    def __init__(self) -> None:
        self.context: Any = None

    def __call__(self, doc: Doc) -> Doc:
        return self.context(doc) if doc.ents else doc


@built_once
def get_nlp() -> ClinicalNLP:
    log.info("building clinical NLP pipeline")
    vocabulary = load_vocabulary()
    return ClinicalNLP(vocabulary.lexicon, vocabulary.phenotypes)
