"""All configuration, read once from the environment (prefix ``CKG_``, nesting with ``__``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
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
    model: str = Field(DEFAULT_MODEL, description="sentence-transformers model name or path")
    batch_size: int = 32
    device: str = "cpu"


class IngestSettings(BaseModel):
    max_file_bytes: int = Field(20_000_000, description="files larger than this are refused")
    chunk_overlap_tokens: int = Field(48, description="tokens shared by consecutive chunks")
    header_max_tokens: int = Field(40, description="budget for the title/section header embedded with a chunk")


class RetrievalSettings(BaseModel):
    top_k: int = 6
    candidates: int = 50
    rrf_k: int = 60
    answer_sentences: int = 3
    # Sections that describe a document (references, authorship, availability) rather than
    # give clinical evidence: retrieved for context, never quoted as an answer.
    non_evidence_sections: list[str] = [
        "bibliograph", "reference", "availability", "companion document", "copyright", "disclaimer",
        "funding", "disclosure", "conflicts of interest", "committee", "composition of group", "ngc status",
        "patient resources", "guideline title", "date released", "guideline developer", "adaptation",
        "endorser", "guideline status", "update", "implementation tools", "scope >", "iom ", "rating scheme",
    ]
    # Calibrated on PubMedQA dev by eval/calibrate_abstention.py (see README, "Abstention").
    abstain_below: float = 0.46


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CKG_", env_nested_delimiter="__", extra="ignore")

    home: Path = Field(Path.home() / ".ckg", description="state directory: graph data, index, logs")
    graph: GraphSettings = GraphSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    ingest: IngestSettings = IngestSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    max_question_chars: int = 2000

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def graph_dir(self) -> Path:
        return self.home / "graph"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
