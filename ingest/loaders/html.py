"""HTML: the heading hierarchy (h1-h6) becomes the section path; leaf blocks become paragraphs."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, Tag

from ckg.text import normalise_inline
from ckg.types import Document
from ingest.loaders.common import DocumentBuilder, SourceMeta, decode_text, make_meta

HEADINGS = {f"h{i}": i for i in range(1, 7)}
BLOCKS = {"p", "li", "td", "th", "dt", "dd", "pre", "blockquote", "caption", "div", "figcaption"}
SKIP = {"script", "style", "noscript", "template", "nav", "head"}
META_NAMES = ("guideline-id", "developer", "released", "status", "title")


def load(path: Path, data: bytes, sidecar: SourceMeta) -> Document:
    declared = _declared_charset(data)
    soup = BeautifulSoup(decode_text(path, data, declared), "lxml")
    found = {
        str(m["name"]): str(m.get("content", ""))
        for m in soup.find_all("meta", attrs={"name": True})
        if m["name"] in META_NAMES
    }
    if soup.title and soup.title.string:
        found.setdefault("title", normalise_inline(soup.title.string))
    for tag in soup(list(SKIP)):
        tag.decompose()
    for br in soup("br"):
        br.replace_with("\n")
    meta = make_meta(path, found, sidecar)
    return sections_of(soup, meta.title).build(meta, path)


def _declared_charset(data: bytes) -> str | None:
    head = data[:2048].decode("ascii", errors="ignore")
    probe = BeautifulSoup(head, "lxml").find("meta", charset=True)
    return str(probe["charset"]) if isinstance(probe, Tag) else None


def sections_of(soup: BeautifulSoup, title: str) -> DocumentBuilder:
    builder = DocumentBuilder()
    trail: list[tuple[int, str]] = []  # (level, heading text) from the outermost heading in
    paragraphs: list[str] = []

    def flush() -> None:
        path = " > ".join(text for _, text in trail) or "Document"
        builder.add(path, trail[-1][1] if trail else "Document", paragraphs.copy())
        paragraphs.clear()

    root = soup.body or soup
    for element in root.find_all(True):
        if element.name in HEADINGS:
            heading = normalise_inline(element.get_text())
            level = HEADINGS[element.name]
            if level == 1 and heading == title:
                continue  # the document title, not a section
            flush()
            trail[:] = [(lvl, text) for lvl, text in trail if lvl < level] + [(level, heading)]
        elif element.name in BLOCKS and not _has_block_child(element):
            text = normalise_inline(element.get_text())
            if text:
                paragraphs.append(text)
    flush()
    return builder


CONTAINERS = BLOCKS | set(HEADINGS) | {"ul", "ol", "table", "section"}


def _has_block_child(element: Tag) -> bool:
    return any(isinstance(c, Tag) and c.name in CONTAINERS for c in element.descendants)
