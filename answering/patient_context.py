"""A patient's facts as question context, and the recommendations they conflict with.

Active conditions, current medications and the latest observations join the question's
concepts (through the guideline concepts their codes map to), so chunks about this patient's
problems rank higher. A cited chunk that mentions one of the patient's conditions or drugs as
absent — "adults who do not have diabetes", "should not receive warfarin" — is flagged: the
recommendation may exclude this patient, or advise against what the patient takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ckg.errors import NotFound
from ckg.nlp.concepts import Mention
from ckg.nlp.pipeline import ClinicalNLP
from graph.store import GraphStore

ACTIVE = {"active", "recurrence", "relapse", None}
CURRENT_MEDICATION = {"active", "on-hold", None}


@dataclass
class PatientFact:
    kind: str
    concept_id: str  # the record's code, e.g. snomedct:44054006
    name: str
    year: int | None
    maps_to: list[str]  # guideline concepts (ICD-10-CM, DrugBank, HPO)
    status: str | None = None
    value: Any = None
    unit: str | None = None


@dataclass
class Conflict:
    citation: int
    fact: str  # the patient's fact, by name
    concept_id: str
    reason: str


@dataclass
class PatientContext:
    patient_key: str
    facts: list[PatientFact]
    ancestors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, graph: GraphStore, patient_key: str) -> PatientContext:
        if graph.patient(patient_key) is None:
            raise NotFound(f"no patient with key {patient_key!r}")
        facts = [_fact(row) for row in graph.patient_facts(patient_key)]
        relevant = _relevant(facts)
        ancestors = graph.ancestors(sorted({c for f in relevant for c in f.maps_to}))
        return cls(patient_key, relevant, ancestors)

    def mentions(self, nlp: ClinicalNLP) -> list[Mention]:
        """The patient's concepts as question mentions (present, asserted by the record)."""
        found = []
        for fact in self.facts:
            for concept_id in fact.maps_to:
                concept = nlp.concept(concept_id)
                if concept is not None:
                    found.append(Mention(concept, 0, 0, f"patient: {fact.name}", "present"))
        return found

    def concept_ids(self) -> dict[str, PatientFact]:
        """Guideline concept (and its ancestors) -> the patient fact it comes from."""
        index: dict[str, PatientFact] = {}
        for fact in self.facts:
            for concept_id in fact.maps_to:
                for cid in (concept_id, *self.ancestors.get(concept_id, [])):
                    index.setdefault(cid, fact)
        return index

    def review(self, graph: GraphStore, citations: list[tuple[int, str]]) -> tuple[list[PatientFact], list[Conflict]]:
        """The patient facts the cited chunks speak to, and the conflicts among them.

        ``citations`` are (n, chunk id). A chunk that mentions a patient concept as absent —
        "adults who do not have diabetes", "should not receive warfarin" — is a conflict.
        """
        index = self.concept_ids()
        if not index or not citations:
            return [], []
        rows = graph.mentions_in(sorted({c for _, c in citations}), sorted(index))
        used: dict[str, PatientFact] = {}
        conflicts = []
        for n, chunk_id in citations:
            for row in (r for r in rows if r["chunk_id"] == chunk_id):
                fact = index[row["concept_id"]]
                used.setdefault(fact.concept_id, fact)
                if row["assertion"] == "negated":
                    what = "advises against or excludes" if fact.kind == "medication" else "excludes patients with"
                    conflicts.append(Conflict(n, fact.name, row["concept_id"], f"citation [{n}] {what} "
                                              f"{row['name']}; the patient's record has {fact.name}"))
        return list(used.values()), conflicts


def _fact(row: dict[str, Any]) -> PatientFact:
    return PatientFact(row["kind"], row["concept_id"], row["name"], row["year"], list(row["maps_to"]),
                       row["status"], row["value"], row["unit"])


def _relevant(facts: list[PatientFact]) -> list[PatientFact]:
    """Active conditions, current medications, and each observation's latest value."""
    keep = [f for f in facts if f.kind == "condition" and f.status in ACTIVE]
    keep += [f for f in facts if f.kind == "medication" and f.status in CURRENT_MEDICATION]
    latest: dict[str, PatientFact] = {}
    for f in (f for f in facts if f.kind == "observation"):
        if f.concept_id not in latest or (f.year or 0) > (latest[f.concept_id].year or 0):
            latest[f.concept_id] = f
    return keep + list(latest.values())
