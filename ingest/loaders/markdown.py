"""Markdown: YAML front matter for metadata, rendered by markdown-it and read like HTML."""

from __future__ import annotations

from pathlib import Path

import frontmatter
import yaml
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from ckg.errors import InputError
from ckg.text import normalise_inline
from ckg.types import Document
from ingest.loaders import html
from ingest.loaders.common import SourceMeta, decode_text, make_meta

_RENDERER = MarkdownIt("commonmark").enable("table")


def load(path: Path, data: bytes, sidecar: SourceMeta) -> Document:
    text = decode_text(path, data)
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # bad YAML, or YAML that is not a mapping
        raise InputError(f"has malformed front matter: {exc}", source=str(path)) from exc
    soup = BeautifulSoup(_RENDERER.render(post.content), "lxml")
    found = {k: str(v) for k, v in post.metadata.items() if k in {"id", "title", "developer", "released", "status"}}
    first_h1 = soup.find("h1")
    if "title" not in found and first_h1:
        found["title"] = normalise_inline(first_h1.get_text(" "))
    meta = make_meta(path, found, sidecar)
    return html.sections_of(soup, meta.title).build(meta, path)
