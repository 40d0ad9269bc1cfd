"""Pydantic models at the API boundary; the CLI's --json prints the same shapes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from access.roles import Role


class QueryRequest(BaseModel):
    # Python's regex engine, so that the pattern means here what it means to the pipeline.
    model_config = ConfigDict(regex_engine="python-re", json_schema_extra={"examples": [
        {"question": "Should adults be screened for peripheral artery disease with the ankle-brachial index?"}
    ]})

    question: str = Field(..., min_length=1, max_length=2000, pattern=r"[^\W_]",
                          description="A specialist's clinical question (with at least one letter or digit).")
    top_k: int | None = Field(None, ge=1, le=50, description="How many evidence chunks to retrieve.")
    patient_key: str | None = Field(
        None, max_length=64, description="A stored patient's pseudonym: their active conditions, medications and "
        "latest observations join the question, and conflicting recommendations are flagged.")


class RecommendationGradeOut(BaseModel):
    rec_id: str
    label: str | None = Field(..., description="The grade as the guideline writes it; null when it states none.")
    scheme: str | None = Field(..., description="USPSTF, GRADE, ACC/AHA, NICE wording, declared, ...")
    direction: str | None = Field(..., description="for | against | insufficient")
    strength: str | None = Field(
        ..., description="strong | moderate | weak | insufficient | good-practice | expert-opinion"
    )
    certainty: str | None = Field(..., description="high | moderate | low | very low")


class CitationOut(BaseModel):
    n: int = Field(..., description="Marker used in the answer text, as [n].")
    chunk_id: str
    guideline_id: str
    version_id: str = Field(..., description="Guideline version the quote comes from.")
    title: str
    section: str = Field(..., description="Section path in the source, headings joined by ' > '.")
    char_start: int = Field(..., description="Start of the quote in the version's normalised text.")
    char_end: int
    quote: str = Field(..., description="The exact cited text.")
    recommendation: RecommendationGradeOut | None = Field(
        None, description="The recommendation the quote belongs to, with its original and normalised grade."
    )


class SentenceOut(BaseModel):
    text: str
    citations: list[int]
    verdict: Literal["supported", "partial", "unsupported"] = Field(
        ..., description="The verifier's finding; 'unsupported' appears only under the 'mark' policy.")
    score: float
    reasons: list[str] = Field(..., description="Why: the evidence matched, or each check that failed.")


class FaithfulnessOut(BaseModel):
    verdict: Literal["supported", "partial", "unsupported"] = Field(
        ..., description="'supported' only when every answer sentence is supported by what it cites."
    )
    supported: int
    total: int
    verifier: str = Field(..., description="'<verifier>+<generator>', e.g. 'exact-span+extractive'.")
    removed: int = Field(0, description="Unsupported sentences removed from the answer (policy 'remove').")


class ConceptOut(BaseModel):
    concept_id: str = Field(..., description="'<system>:<code>', e.g. icd10cm:E11 or drugbank:DB00331.")
    name: str
    text: str = Field(..., description="The words of the question that name it.")
    assertion: Literal["present", "negated", "possible", "hypothetical", "historical", "family"]


class PatientFactOut(BaseModel):
    kind: str = Field(..., description="condition, medication, observation, ...")
    concept_id: str = Field(..., description="The record's code, e.g. snomedct:44054006.")
    name: str
    year: int | None
    maps_to: list[str] = Field(..., description="Guideline concepts the code maps to (ICD-10-CM, DrugBank, HPO).")
    status: str | None = None
    value: float | str | None = None
    unit: str | None = None


class ConflictOut(BaseModel):
    citation: int = Field(..., description="The citation number whose text excludes or advises against the fact.")
    fact: str
    concept_id: str
    reason: str


class PatientUseOut(BaseModel):
    patient_key: str
    facts_used: list[PatientFactOut] = Field(..., description="Patient facts the cited evidence speaks to.")
    conflicts: list[ConflictOut] = Field(..., description="Cited recommendations that exclude this patient or "
                                         "advise against something the patient takes.")


class AnswerOut(BaseModel):
    question: str
    answer: str = Field(..., description="Answer text with [n] citation markers, or the abstention statement.")
    abstained: bool
    abstain_reason: str | None = Field(None, description="Why no answer was given, in words a clinician can act on.")
    relevance: float = Field(..., description="How closely the best evidence sentence addresses the question "
                             "(the relevance gate's score; below CKG_RETRIEVAL__ABSTAIN_BELOW the service abstains).")
    sentences: list[SentenceOut]
    citations: list[CitationOut]
    faithfulness: FaithfulnessOut
    timings_ms: dict[str, float] = Field(..., description="Milliseconds per stage: retrieve, gate, answer, verify, "
                                         "total.")
    concepts: list[ConceptOut] = Field(default_factory=list, description="Clinical concepts found in the question.")
    patient: PatientUseOut | None = Field(None, description="What the patient's record contributed (patient_key).")


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    graph: str
    index_vectors: int
    consistent: bool
    detail: str | None = None


class ErrorOut(BaseModel):
    error: str = Field(..., description="Error family, e.g. InputError or GraphUnavailable.")
    detail: str


class RecordsOut(BaseModel):
    patient_key: str = Field(..., description="The patient's pseudonym (keyed HMAC); never a source identifier.")
    resources: int
    facts: int = Field(..., description="Coded facts stored: conditions, medications, observations, ...")
    deidentified: list[str] = Field(
        default_factory=list, description="Identifier categories removed or generalised (with deidentify=true).")


class HistoryOut(BaseModel):
    time: str
    question: str
    abstained: bool
    versions: list[str] = Field(..., description="Guideline versions the answer cited.")
    chunks: list[str] = Field(..., description="Chunks the answer cited.")
    patient_key: str | None


class KeyCreate(BaseModel):
    model_config = ConfigDict(regex_engine="python-re",
                              json_schema_extra={"examples": [{"name": "ward 7 registrar", "role": "clinician"}]})

    name: str = Field(..., min_length=1, max_length=64, pattern=r"^[\w .@/-]+$",
                      description="Who or what holds the key: shown in listings, never secret.")
    role: Role


class KeyOut(BaseModel):
    key_id: str = Field(..., description="Public id; also the actor 'key:<id>' in the audit trail.")
    name: str
    role: Role
    created: str
    revoked: str | None = Field(None, description="When it was revoked (UTC); a revoked key is refused at once.")


class KeyCreatedOut(KeyOut):
    key: str = Field(..., description="The key itself. Shown this once; only its argon2 hash is stored.")


class AuditEntryOut(BaseModel):
    seq: int
    time: str
    actor: str = Field(..., description="'key:<id>', 'oidc:<subject>', 'cli:<user>' or 'anonymous'; never a secret.")
    role: str | None
    method: str
    route: str
    status: int
    outcome: Literal["allowed", "refused", "failed"]
    touched: dict[str, Any] = Field(..., description="What the request read or changed: question, cited versions and "
                                    "chunks, patient key, key ids; for a rejected record only categories and paths.")
    prev: str = Field(..., description="SHA-256 of the entry before (the chain).")
    hash: str


class ChainCheckOut(BaseModel):
    intact: bool
    entries: int = Field(..., description="Entries verified before the first problem (all of them when intact).")
    problem: str | None = Field(None, description="The first entry edited, removed or out of order, in words.")
    seq: int | None = None
    line: int | None = None
