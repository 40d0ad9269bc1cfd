"""Guideline updates staged from a real guideline folder, for the update benchmark and the crash
harness: a *base* set, and a batch of *new* guidelines plus *updated* versions of base ones, each
with one section edited the way a routine revision reads (a sentence added to its recommendations)."""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from ckg.errors import InputError

REVISION = ("<p>Reviewed by the guideline development group in the scheduled update: the evidence published "
            "since the previous version does not change these recommendations.</p>\n")
_NEXT_HEADING = re.compile(r"<h[1-3][ >]")


def edit_one_section(html: str, heading: str = "Major Recommendations") -> str:
    """The guideline with a sentence added at the end of one section (the other sections unchanged)."""
    start = html.find(f">{heading}</h3>")
    if start < 0:
        raise InputError(f"no section headed {heading!r} to edit")
    following = _NEXT_HEADING.search(html, start + len(heading) + 6)
    at = following.start() if following else len(html)
    return html[:at] + REVISION + html[at:]


def editable(folder: Path) -> list[str]:
    """Guideline ids whose HTML has a Major Recommendations section, in a stable order."""
    return sorted(p.stem for p in folder.glob("*.html") if ">Major Recommendations</h3>" in p.read_text("utf-8"))


def stage_update_batch(folder: Path, out: Path, base: int, new: int, updated: int,
                       seed: int = 7) -> tuple[Path, Path]:
    """Folders ``out/base`` (guidelines as released) and ``out/batch`` (new ones, and one section of
    ``updated`` of the base ones edited), each with its sidecar metadata."""
    if updated > base:
        raise InputError(f"cannot update {updated} of {base} base guidelines")
    chosen = random.Random(seed).sample(editable(folder), base + new)
    base_ids, new_ids = chosen[:base], chosen[base:]
    sidecar = {json.loads(line)["file"]: line for line in (folder / "index.jsonl").read_text().splitlines()}
    base_dir = _stage(folder, out / "base", {g: None for g in base_ids}, sidecar)
    edits: dict[str, Callable[[str], str] | None] = {g: None for g in new_ids}
    edits |= {g: edit_one_section for g in base_ids[:updated]}
    return base_dir, _stage(folder, out / "batch", edits, sidecar)


def _stage(folder: Path, into: Path, guidelines: Mapping[str, Callable[[str], str] | None],
           sidecar: dict[str, str]) -> Path:
    into.mkdir(parents=True)
    for gid, edit in guidelines.items():
        source = folder / f"{gid}.html"
        if edit is not None:
            (into / source.name).write_text(edit(source.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            shutil.copy(source, into / source.name)
    (into / "index.jsonl").write_text("".join(sidecar[f"{g}.html"] + "\n" for g in guidelines))
    return into
