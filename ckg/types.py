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
        return embed_text(self.header, self.text)


def embed_text(header: str, text: str) -> str:
    """A chunk as the embedder reads it: its title and section header, then its text."""
    return f"{header}\n{text}"


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


@dataclass(frozen=True)
class Grade:
    """A recommendation's grade as written, and normalised."""

    label: str | None  # as written, e.g. "Level of Evidence: C", "I statement"; None = no grade stated
    scheme: str | None
    direction: str | None  # for | against | insufficient
    strength: str | None  # strong | moderate | weak | insufficient | good-practice | expert-opinion
    certainty: str | None  # high | moderate | low | very low

    @property
    def graded(self) -> bool:
        return self.label is not None


@dataclass(frozen=True)
class Recommendation:
    """A recommendation statement: its exact span, section, grade and the chunks that hold it."""

    rec_id: str
    text: str
    char_start: int
    char_end: int
    section: str
    grade: Grade
    chunk_ids: tuple[str, ...]
