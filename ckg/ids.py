"""Every id format in one place. Ids are stable: the same source text always gets the same ids,
which is what makes re-ingesting a no-op and lets a citation outlive a restart.

    version         ngc-10008@2ea30adff5e5        guideline id @ first 12 hex of the text's SHA-256
    section         ngc-10008@2ea30adff5e5#s004   version # s + section ordinal
    chunk           ngc-10008@2ea30adff5e5#c0003  version # c + chunk ordinal in the document
    recommendation  ngc-10008@2ea30adff5e5#r002   version # r + recommendation ordinal
"""

from __future__ import annotations


def version_id(guideline_id: str, content_sha256: str) -> str:
    return f"{guideline_id}@{content_sha256[:12]}"


def section_id(version: str, ordinal: int) -> str:
    return f"{version}#s{ordinal:03d}"


def chunk_id(version: str, ordinal: int) -> str:
    return f"{version}#c{ordinal:04d}"


def recommendation_id(version: str, ordinal: int) -> str:
    return f"{version}#r{ordinal:03d}"


def version_of(part_id: str) -> str:
    """The version id a section, chunk or recommendation id belongs to."""
    return part_id.rsplit("#", 1)[0]


def guideline_of(any_id: str) -> str:
    """The guideline id a version, section, chunk or recommendation id belongs to."""
    return any_id.split("@", 1)[0]
