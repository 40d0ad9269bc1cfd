"""Domain types passed between layers (plain dataclasses; pydantic stays at the boundaries)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DocumentMeta:
    guideline_id: str
    title: str
    developer: str | None = None
    released: str | None = None
    status: str | None = None
    kind: str = "guideline"
    source: str = ""
    mesh: tuple[str, ...] = ()  # MeSH headings the source indexed the document under


@dataclass(frozen=True)
class Section:
    path: str  # heading hierarchy joined by " > "
    title: str
    ord: int
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Document:
    """A parsed source: normalised text plus the sections that tile it."""

    meta: DocumentMeta
    text: str
    sections: list[Section]


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    section_ord: int
    ord: int
    char_start: int
    char_end: int
    text: str
    content_sha256: str
    header: str  # title and section path, embedded with the text for context

    @property
    def embed_text(self) -> str:
        """What the embedder reads; chunking guarantees it fits the model's window."""
        return f"{self.header}\n{self.text}"


@dataclass(frozen=True)
class Provenance:
    chunk_id: str
    guideline_id: str
    version_id: str
    title: str
    section: str
    char_start: int
    char_end: int
    text: str


@dataclass
class Hit:
    chunk_id: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    provenance: Provenance | None = None
