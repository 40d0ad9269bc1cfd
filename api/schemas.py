"""Pydantic models at the API boundary; the CLI's --json prints the same shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from access.roles import Role
from review.labels import Label


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
    as_of: date | datetime | None = Field(
        None, description="Answer from the guideline versions current on this date (YYYY-MM-DD, the end of that "
        "day) or at this ISO date-time: what the system would have said then, for audits.")


class RecommendationGradeOut(BaseModel):
    rec_id: str
    label: str | None = Field(..., description="The grade as the guideline writes it; null when it states none.")
    scheme: str | None = Field(..., description="USPSTF, GRADE, ACC/AHA, NICE wording, declared, ...")
    direction: str | None = Field(..., description="for | against | insufficient")
    strength: str | None = Field(
        ..., description="strong | moderate | weak | insufficient | good-practice | expert-opinion"
    )
    certainty: str | None = Field(..., description="high | moderate | low | very low")


class ReviewRecordOut(BaseModel):
    reviewed: int = Field(..., description="Clinician judgements of this citation for the sentences citing it.")
    labels: dict[str, int] = Field(..., description="How many of each verdict: supports, partially_supports, "
                                   "does_not_support, contradicts, not_relevant.")
    withdrawn: bool = Field(False, description="Reviewers settled that it does not support (or contradicts) a "
                            "sentence: it is no longer shown as that sentence's support.")


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
    review: ReviewRecordOut | None = Field(None, description="What clinician reviewers said of this citation.")


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
                             "(the relevance gate's score).")
    answerable: float | None = Field(None, description="The abstention model's probability that the evidence "
                                     "answers the question; below its fitted operating point the service abstains "
                                     "(null when the similarity threshold CKG_RETRIEVAL__ABSTAIN_BELOW decides).")
    sentences: list[SentenceOut]
    citations: list[CitationOut]
    faithfulness: FaithfulnessOut
    timings_ms: dict[str, float] = Field(..., description="Milliseconds per stage: retrieve, gate, answer, verify, "
                                         "total.")
    concepts: list[ConceptOut] = Field(default_factory=list, description="Clinical concepts found in the question.")
    patient: PatientUseOut | None = Field(None, description="What the patient's record contributed (patient_key).")
    as_of: str | None = Field(None, description="The instant the answer was given as of (UTC), when asked with as_of.")


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    graph: str
    index_vectors: int
    index_snapshot: str | None = Field(
        None, description="Generation of the index snapshot this process answers from (numbered in save "
                          "order); replicas behind one load balancer serve the same evidence when they agree.")
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


class JudgementOut(BaseModel):
    review_id: str
    label: Label
    comment: str | None
    seconds: float = Field(..., description="Time the reviewer spent on the item.")
    at: str
    reviewer: str = Field(..., description="Pseudonymous: 'key:<id>' or 'oidc:<subject>'.")
    role: str
    adjudication: bool


class ReviewItemOut(BaseModel):
    item_id: str
    question: str
    sentence: str = Field(..., description="The answer sentence judged.")
    quote: str = Field(..., description="The cited span, verbatim.")
    chunk_id: str
    version_id: str = Field(..., description="The guideline version judged: a review stays with this version.")
    char_start: int
    char_end: int
    guideline_id: str
    title: str
    developer: str | None
    released: str | None
    grade: str | None = Field(..., description="The cited recommendation's grade, as the guideline writes it.")
    system_verdict: str = Field(..., description="The verifier's verdict on the sentence.")
    system_score: float
    reasons: list[str]
    generator: str = Field(..., description="extractive, llm, ... (who wrote the sentence)")
    patient_specific: bool
    origin: str = Field(..., description="traffic (sampled answers), flag (a clinician), eval:<suite>")
    risk: float = Field(..., description="Queue priority: flags, thin verifier margins, LLM text, patients first.")
    needs: int = Field(..., description="Reviewers this item needs (1, or 2 for double review).")
    note: str | None = Field(..., description="The flagging clinician's note.")
    created: str
    status: Literal["open", "in_review", "disputed", "settled"]
    final: Label | None = Field(..., description="The settled verdict (agreement, or the adjudicator's).")
    reviews: list[JudgementOut]


class FlagIn(BaseModel):
    question: str = Field(..., min_length=1, max_length=2000)
    sentence: str = Field(..., min_length=1, max_length=4000, description="The answer sentence, as shown.")
    chunk_id: str = Field(..., max_length=200)
    char_start: int = Field(..., ge=0)
    char_end: int = Field(..., ge=1)
    note: str | None = Field(None, max_length=2000, description="Why it looks wrong. Checked for PHI; never "
                             "identify a patient.")
    verdict: Literal["supported", "partial", "unsupported"] = "supported"
    score: float = Field(1.0, ge=0.0, le=1.0)
    patient_specific: bool = False


class JudgementIn(BaseModel):
    label: Label
    comment: str | None = Field(None, max_length=2000, description="Optional; checked for PHI before it is stored.")
    seconds: float = Field(0.0, ge=0, le=86_400, description="Time spent on the item.")
    adjudicate: bool = Field(False, description="Settle a disputed item (a third reviewer).")


class PassageOut(BaseModel):
    guideline_id: str
    title: str
    developer: str | None
    version_id: str
    released: str | None
    current: bool = Field(..., description="Whether this version is the guideline's current one.")
    section: str
    before: str = Field(..., description="Section text before the span (up to 600 characters).")
    quote: str
    after: str
    char_start: int
    char_end: int


class AttributionOut(BaseModel):
    key: str = Field(..., description="Guideline id, or the developer's name.")
    name: str
    answers: int = Field(..., description="Answered questions that cited it in the period.")
    citations: int
    items: int = Field(..., description="Review items on its text.")
    reviewed: int
    reviewed_share: float | None
    judgements: int
    approved: int = Field(..., description="Judgements 'supports' or 'partially supports'.")
    approval_rate: float | None
    disputes: int = Field(..., description="Items waiting for adjudication.")
    labels: dict[str, int]


# -- the guideline lifecycle: versions in time, diffs, supersession, withdrawal, stale answers --
class VersionOut(BaseModel):
    version_id: str
    released: str | None = Field(..., description="The release date as the source states it.")
    valid_from: str = Field(..., description="ISO instant: the release date when later than the previous "
                            "version's, else when it was ingested.")
    valid_to: str | None = Field(..., description="When a newer version, a withdrawal or a supersession ended it.")
    current: bool
    ingested_at: str
    ingested_by: str | None = None
    source: str
    content_sha256: str
    char_count: int
    replaced_by: str | None = None


class SupersededOut(BaseModel):
    guideline_id: str
    at: str
    by: str = Field(..., description="Who marked it ('metadata' when the guideline's status field said so).")
    source: str


class GuidelineHistoryOut(BaseModel):
    guideline_id: str
    title: str
    developer: str | None
    current_version: str | None = Field(..., description="Null once the guideline is withdrawn or superseded.")
    current_valid_from: str | None
    retired: Literal["withdrawn", "superseded"] | None
    retired_at: str | None
    retired_by: str | None
    retired_reason: str | None
    superseded_by: str | None
    versions: list[VersionOut] = Field(..., description="Oldest first.")
    supersedes: list[SupersededOut] = Field(..., description="The guidelines this one replaced.")


class SectionChangeOut(BaseModel):
    path: str
    change: Literal["added", "removed", "changed"]
    lines: list[str] = Field(..., description="For a changed section: its changed lines, '-' old and '+' new.")


class RecommendationChangeOut(BaseModel):
    change: Literal["added", "removed", "changed", "grade changed"]
    text: str
    section: str | None
    old_text: str | None = None
    old_grade: str | None = None
    new_grade: str | None = None


class VersionDiffOut(BaseModel):
    guideline_id: str
    old_version: str
    new_version: str
    sections: list[SectionChangeOut]
    recommendations: list[RecommendationChangeOut]
    chunks_unchanged: int = Field(..., description="Chunks whose text is the same: they keep their vectors.")
    chunks_added: int
    chunks_removed: int
    summary: dict[str, int]


class WithdrawRequest(BaseModel):
    reason: str = Field(..., min_length=3, max_length=500, description="Why, for the record (shown in the history).")


class SupersedeRequest(BaseModel):
    by: str = Field(..., min_length=1, max_length=100, description="The guideline that replaces this one.")
    reason: str | None = Field(None, max_length=500)


class RetirementOut(BaseModel):
    guideline_id: str
    kind: Literal["withdrawn", "superseded"]
    at: str
    actor: str
    reason: str | None
    by: str | None


class StaleCitationOut(BaseModel):
    chunk_id: str
    version_id: str
    section: str
    why: Literal["changed", "removed", "withdrawn", "superseded"]
    detail: str
    current_version: str | None
    changes: list[str] = Field(..., description="The cited section's changed lines, '-' old and '+' new.")
    grade_changes: list[RecommendationChangeOut] = Field(..., description="Recommendation changes in that section.")


class StaleAnswerOut(BaseModel):
    seq: int = Field(..., description="The answer's audit trail entry.")
    time: str
    actor: str
    question: str
    citations: list[StaleCitationOut] = Field(..., description="Only the citations that went stale.")
