"""What every loader shares: decoding bytes safely and assembling sections into one text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from ckg.errors import InputError
from ckg.types import Document, DocumentMeta, Section

SourceMeta = dict[str, str]

_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def decode_text(path: Path, data: bytes, declared: str | None = None) -> str:
    """Decode as the declared charset or UTF-8; refuse binary content and other encodings.

    Guessing an encoding silently corrupts doses and names (a mis-decoded "µg"), so a file
    that is not what it claims is refused with a hint at what it probably is.
    """
    if not data.strip():
        raise InputError("file is empty", source=str(path))
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("file holds binary data, not text", source=str(path))
    encoding = (declared or "utf-8").lower()
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    try:
        text = data.decode(encoding)
    except LookupError as exc:
        raise InputError(f"declares an unknown charset {declared!r}", source=str(path)) from exc
    except UnicodeDecodeError as exc:
        guess = from_bytes(data).best()
        hint = f" (it looks like {guess.encoding}; re-save it as UTF-8)" if guess else ""
        raise InputError(
            f"is not valid {encoding} at byte {exc.start}{hint}", source=str(path)
        ) from exc
    if _control_ratio(text) > 0.05:
        raise InputError("file holds binary data, not text", source=str(path))
    return text


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(1, len(sample))


def default_guideline_id(path: Path) -> str:
    return _SLUG.sub("-", path.stem).strip("-").lower() or "document"


@dataclass
class DocumentBuilder:
    """Accumulates (heading path, paragraphs) and lays them out as one normalised text.

    Each section's text is its paragraphs joined by newlines; sections are separated by a
    blank line. Offsets recorded here are the offsets every chunk and citation refers to.
    """

    sections: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def add(self, path: str, title: str, paragraphs: list[str]) -> None:
        paragraphs = [p for p in paragraphs if p]
        if not paragraphs:
            return
        if self.sections and self.sections[-1][0] == path:
            self.sections[-1][2].extend(paragraphs)
        else:
            self.sections.append((path, title, paragraphs))

    def build(self, meta: DocumentMeta, source: Path) -> Document:
        if not self.sections:
            raise InputError("has no text content", source=str(source))
        parts: list[str] = []
        sections: list[Section] = []
        offset = 0
        for ord_, (path, title, paragraphs) in enumerate(self.sections):
            body = "\n".join(paragraphs)
            if parts:
                parts.append("\n\n")
                offset += 2
            sections.append(Section(path, title, ord_, offset, offset + len(body)))
            parts.append(body)
            offset += len(body)
        return Document(meta=meta, text="".join(parts), sections=sections)


def make_meta(path: Path, found: SourceMeta, sidecar: SourceMeta, kind: str = "guideline") -> DocumentMeta:
    """Sidecar (index.jsonl) wins over what the file itself declares; the file name is the last resort."""
    merged = {**{k: v for k, v in found.items() if v}, **{k: v for k, v in sidecar.items() if v}}
    return DocumentMeta(
        guideline_id=merged.get("id") or merged.get("guideline-id") or default_guideline_id(path),
        title=merged.get("title") or path.stem,
        developer=merged.get("developer"),
        released=merged.get("released"),
        status=merged.get("status"),
        kind=kind,
        source=path.name,
    )
