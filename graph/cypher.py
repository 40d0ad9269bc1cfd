"""Every Cypher statement the project runs, in one place.

Only portable openCypher is used (no APOC, no FULLTEXT/VECTOR DDL) so that Neo4j and
ArcadeDB run exactly the same statements.
"""

UNIQUE_KEYS = {
    "Guideline": "guideline_id",
    "GuidelineVersion": "version_id",
    "Section": "section_id",
    "Chunk": "chunk_id",
    "Recommendation": "rec_id",
    "Concept": "concept_id",
    "Patient": "patient_key",
    "Answer": "answer_id",
    "ReviewItem": "item_id",
    "Review": "review_id",
    "ApiKey": "key_id",
    "AuditHead": "chain",
}


def unique_constraint(label: str, key: str) -> str:
    return (
        f"CREATE CONSTRAINT {label.lower()}_{key} IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
    )


VERSION_SHA = """
MATCH (g:Guideline {guideline_id: $guideline_id})-[:HAS_VERSION]->(v:GuidelineVersion)
WHERE v.content_sha256 = $sha
RETURN v.version_id AS version_id, v.current AS current
"""

CURRENT_CHUNKS_OF_OTHER_VERSIONS = """
MATCH (g:Guideline {guideline_id: $guideline_id})-[:HAS_VERSION]->(v:GuidelineVersion {current: true})
WHERE v.version_id <> $version_id
MATCH (v)-[:HAS_SECTION]->(:Section)-[:HAS_CHUNK]->(c:Chunk)
RETURN c.chunk_id AS chunk_id
"""

MERGE_GUIDELINE = """
MERGE (g:Guideline {guideline_id: $guideline_id})
SET g.title = $title, g.developer = $developer, g.kind = $kind
"""

# The version a new one replaces stays as history: valid until the new one is valid from.
RETIRE_OTHER_VERSIONS = """
MATCH (g:Guideline {guideline_id: $guideline_id})-[:HAS_VERSION]->(v:GuidelineVersion {current: true})
WHERE v.version_id <> $version_id
SET v.current = false, v.valid_to = $valid_from, v.replaced_by = $version_id
"""

MERGE_VERSION = """
MATCH (g:Guideline {guideline_id: $guideline_id})
MERGE (v:GuidelineVersion {version_id: $version_id})
SET v.released = $released, v.status = $status, v.content_sha256 = $sha,
    v.current = true, v.source = $source, v.ingested_at = $ingested_at, v.char_count = $char_count,
    v.valid_from = $valid_from, v.valid_to = null, v.ingested_by = $actor
MERGE (g)-[:HAS_VERSION]->(v)
"""

MERGE_SECTIONS = """
MATCH (v:GuidelineVersion {version_id: $version_id})
UNWIND $sections AS s
MERGE (n:Section {section_id: s.section_id})
SET n.path = s.path, n.title = s.title, n.ord = s.ord, n.char_start = s.char_start, n.char_end = s.char_end
MERGE (v)-[:HAS_SECTION]->(n)
"""

MERGE_CHUNKS = """
UNWIND $chunks AS c
MATCH (s:Section {section_id: c.section_id})
MERGE (n:Chunk {chunk_id: c.chunk_id})
SET n.text = c.text, n.ord = c.ord, n.char_start = c.char_start, n.char_end = c.char_end,
    n.content_sha256 = c.content_sha256, n.header = c.header
MERGE (s)-[:HAS_CHUNK]->(n)
"""

MERGE_CONCEPTS = """
UNWIND $concepts AS k
MERGE (n:Concept {concept_id: k.concept_id})
SET n.name = k.name, n.system = k.system, n.code = k.code, n.kind = k.kind, n.synonyms = k.synonyms
"""

MERGE_IS_A = """
UNWIND $pairs AS p
MATCH (child:Concept {concept_id: p.child}), (parent:Concept {concept_id: p.parent})
MERGE (child)-[:IS_A]->(parent)
"""

MERGE_MENTIONS = """
UNWIND $mentions AS m
MATCH (c:Chunk {chunk_id: m.chunk_id}), (k:Concept {concept_id: m.concept_id})
MERGE (c)-[r:MENTIONS {assertion: m.assertion}]->(k)
SET r.count = m.count
"""

MERGE_HEADINGS = """
MATCH (v:GuidelineVersion {version_id: $version_id})
UNWIND $headings AS h
MERGE (k:Concept {concept_id: h.concept_id})
SET k.name = h.name, k.system = 'MeSH', k.code = h.name, k.kind = 'heading', k.synonyms = []
MERGE (v)-[:INDEXED_AS]->(k)
"""

MERGE_RECOMMENDATIONS = """
MATCH (v:GuidelineVersion {version_id: $version_id})
UNWIND $recommendations AS r
MERGE (n:Recommendation {rec_id: r.rec_id})
SET n.text = r.text, n.char_start = r.char_start, n.char_end = r.char_end, n.section = r.section,
    n.label = r.label, n.scheme = r.scheme, n.direction = r.direction, n.strength = r.strength,
    n.certainty = r.certainty, n.graded = r.graded
MERGE (v)-[:HAS_RECOMMENDATION]->(n)
WITH n, r
UNWIND r.chunk_ids AS chunk_id
MATCH (c:Chunk {chunk_id: chunk_id})
MERGE (n)-[:SUPPORTED_BY]->(c)
"""

RECOMMENDATIONS_OF_CHUNKS = """
MATCH (c:Chunk) WHERE c.chunk_id IN $chunk_ids
MATCH (c)<-[:SUPPORTED_BY]-(n:Recommendation)
RETURN c.chunk_id AS chunk_id, n.rec_id AS rec_id, n.char_start AS char_start, n.char_end AS char_end,
       n.label AS label, n.scheme AS scheme, n.direction AS direction, n.strength AS strength,
       n.certainty AS certainty
"""

CONCEPT_NEIGHBOURS = """
UNWIND $concept_ids AS id
MATCH (k:Concept {concept_id: id})-[:IS_A]-(n:Concept)
RETURN DISTINCT n.concept_id AS concept_id
"""

# A MeSH heading counts as mentioned by every chunk of the documents indexed under it: both kinds
# of mention in one round trip.
CHUNKS_MENTIONING = """
MATCH (k:Concept) WHERE k.concept_id IN $concept_ids
MATCH (k)<-[m:MENTIONS]-(c:Chunk)<-[:HAS_CHUNK]-(:Section)<-[:HAS_SECTION]-(:GuidelineVersion {current: true})
WHERE m.assertion <> 'negated'
RETURN c.chunk_id AS chunk_id, collect(DISTINCT k.concept_id) AS concepts
UNION ALL
MATCH (k:Concept) WHERE k.concept_id IN $concept_ids
MATCH (k)<-[:INDEXED_AS]-(:GuidelineVersion {current: true})-[:HAS_SECTION]->(:Section)-[:HAS_CHUNK]->(c:Chunk)
RETURN c.chunk_id AS chunk_id, collect(DISTINCT k.concept_id) AS concepts
"""

HEADINGS = """
MATCH (k:Concept {system: 'MeSH'})
RETURN k.concept_id AS concept_id, k.name AS name
"""

# How many chunks mention each concept, or are indexed under it as a heading.
CONCEPT_CHUNK_COUNTS = """
UNWIND $concept_ids AS id
MATCH (:Concept {concept_id: id})<-[m:MENTIONS]-(:Chunk)
RETURN id AS concept_id, count(m) AS chunks
UNION ALL
UNWIND $concept_ids AS id
MATCH (:Concept {concept_id: id})<-[:INDEXED_AS]-(:GuidelineVersion {current: true})-[:HAS_SECTION]->(:Section)-[:HAS_CHUNK]->(c:Chunk)
RETURN id AS concept_id, count(c) AS chunks
"""

# Reads anchor on the indexed node first: ArcadeDB plans a pattern left to right, and starting
# from (:Guideline) made a 50-chunk provenance lookup take 1.4 s instead of 16 ms.
PROVENANCE = """
MATCH (c:Chunk) WHERE c.chunk_id IN $chunk_ids
MATCH (c)<-[:HAS_CHUNK]-(s:Section)<-[:HAS_SECTION]-(v:GuidelineVersion)<-[:HAS_VERSION]-(g:Guideline)
RETURN c.chunk_id AS chunk_id, g.guideline_id AS guideline_id, v.version_id AS version_id,
       g.title AS title, s.path AS section, c.char_start AS char_start, c.char_end AS char_end,
       c.text AS text
"""

_SECTION_CHUNK_ROWS = """WHERE toLower(s.path) CONTAINS $path_contains
RETURN c.chunk_id AS chunk_id, g.guideline_id AS guideline_id, v.version_id AS version_id,
       g.title AS title, s.path AS section, c.char_start AS char_start, c.char_end AS char_end,
       c.text AS text
ORDER BY c.chunk_id
LIMIT $limit
"""

SECTION_CHUNKS = """
UNWIND $guideline_ids AS gid
MATCH (g:Guideline {guideline_id: gid})-[:HAS_VERSION]->(v:GuidelineVersion {current: true})-[:HAS_SECTION]->(s:Section)-[:HAS_CHUNK]->(c:Chunk)
""" + _SECTION_CHUNK_ROWS

# One list in one record: 25k ids arrive in 0.2 s this way, 1.1 s as one record each (health checks
# and start-up compare them with the index).
CURRENT_CHUNK_IDS = """
MATCH (:GuidelineVersion {current: true})-[:HAS_SECTION]->(:Section)-[:HAS_CHUNK]->(c:Chunk)
RETURN collect(c.chunk_id) AS chunk_ids
"""

CHUNK_TEXTS = """
UNWIND $chunk_ids AS id
MATCH (c:Chunk {chunk_id: id})
RETURN c.chunk_id AS chunk_id, c.text AS text, c.header AS header
"""

GUIDELINE_OF_CHUNKS = """
MATCH (c:Chunk) WHERE c.chunk_id IN $chunk_ids
MATCH (c)<-[:HAS_CHUNK]-(:Section)<-[:HAS_SECTION]-(:GuidelineVersion)<-[:HAS_VERSION]-(g:Guideline)
RETURN c.chunk_id AS chunk_id, g.guideline_id AS guideline_id
"""

COUNT_BY_LABEL = "MATCH (n:{label}) RETURN count(n) AS n"

COUNT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN count(r) AS n"

PING = "RETURN 1 AS ok"

DELETE_ALL = "MATCH (n) DETACH DELETE n"

# -- patient records -----------------------------------------------------------------------
MERGE_PATIENT = """
MERGE (p:Patient {patient_key: $patient_key})
SET p.birth_year = $birth_year, p.sex = $sex, p.age_band = $age_band, p.zip3 = $zip3
"""

CLEAR_PATIENT_FACTS = """
MATCH (p:Patient {patient_key: $patient_key})-[f:HAS_FACT]->()
DELETE f
"""

CREATE_PATIENT_FACTS = """
MATCH (p:Patient {patient_key: $patient_key})
UNWIND $facts AS f
MATCH (k:Concept {concept_id: f.concept_id})
CREATE (p)-[:HAS_FACT {kind: f.kind, year: f.year, status: f.status, value: f.value, unit: f.unit}]->(k)
"""

MERGE_MAPS_TO = """
UNWIND $links AS l
MATCH (a:Concept {concept_id: l.source}), (b:Concept {concept_id: l.target})
MERGE (a)-[:MAPS_TO]->(b)
"""

PATIENT_FACTS = """
MATCH (p:Patient {patient_key: $patient_key})-[f:HAS_FACT]->(k:Concept)
OPTIONAL MATCH (k)-[:MAPS_TO]->(m:Concept)
RETURN f.kind AS kind, f.year AS year, f.status AS status, f.value AS value, f.unit AS unit,
       k.concept_id AS concept_id, k.name AS name, collect(m.concept_id) AS maps_to
"""

PATIENT = """
MATCH (p:Patient {patient_key: $patient_key})
RETURN p.patient_key AS patient_key, p.birth_year AS birth_year, p.sex AS sex, p.age_band AS age_band, p.zip3 AS zip3
"""

MENTIONS_IN_CHUNKS = """
UNWIND $chunk_ids AS id
MATCH (c:Chunk {chunk_id: id})-[m:MENTIONS]->(k:Concept)
WHERE k.concept_id IN $concept_ids
RETURN c.chunk_id AS chunk_id, k.concept_id AS concept_id, k.name AS name, m.assertion AS assertion
"""

ANCESTORS = """
UNWIND $concept_ids AS id
MATCH (:Concept {concept_id: id})-[:IS_A*1..4]->(a:Concept)
RETURN id AS concept_id, collect(DISTINCT a.concept_id) AS ancestors
"""

# -- access: API keys (argon2 hashes only) and the audit chain's anchor ---------------------
CREATE_API_KEY = """
CREATE (k:ApiKey {key_id: $key_id, name: $name, role: $role, hash: $hash, created: $created})
"""

API_KEY_FIELDS = (
    "k.key_id AS key_id, k.name AS name, k.role AS role, k.hash AS hash, k.created AS created, k.revoked AS revoked"
)

API_KEY = f"MATCH (k:ApiKey {{key_id: $key_id}}) RETURN {API_KEY_FIELDS}"

API_KEYS = f"MATCH (k:ApiKey) RETURN {API_KEY_FIELDS} ORDER BY k.created, k.key_id"

REVOKE_API_KEY = """
MATCH (k:ApiKey {key_id: $key_id})
SET k.revoked = coalesce(k.revoked, $at)
RETURN k.key_id AS key_id
"""

SAVE_AUDIT_HEAD = """
MERGE (h:AuditHead {chain: $chain})
SET h.seq = $seq, h.hash = $hash, h.time = $time
"""

AUDIT_HEAD = "MATCH (h:AuditHead {chain: $chain}) RETURN h.seq AS seq, h.hash AS hash, h.time AS time"

# -- clinician review: items (question, answer sentence, cited span) and reviewers' judgements --
MERGE_REVIEW_ITEMS = """
UNWIND $items AS it
MATCH (c:Chunk {chunk_id: it.chunk_id})
MATCH (v:GuidelineVersion {version_id: it.version_id})
MERGE (i:ReviewItem {item_id: it.item_id})
SET i.pair_key = it.pair_key, i.question = it.question, i.sentence = it.sentence, i.chunk_id = it.chunk_id,
    i.version_id = it.version_id, i.char_start = it.char_start, i.char_end = it.char_end, i.quote = it.quote,
    i.grade = it.grade, i.system_verdict = it.system_verdict, i.system_score = it.system_score,
    i.reasons = it.reasons, i.generator = it.generator, i.patient_specific = it.patient_specific,
    i.origin = coalesce(i.origin, it.origin), i.note = coalesce(it.note, i.note), i.needs = coalesce(i.needs, it.needs),
    i.risk = CASE WHEN i.risk IS NULL OR it.risk > i.risk THEN it.risk ELSE i.risk END,
    i.created = coalesce(i.created, it.created), i.status = coalesce(i.status, 'open'), i.seen = coalesce(i.seen, 0) + 1
MERGE (i)-[:CITES]->(c)
MERGE (i)-[:OF_VERSION]->(v)
RETURN count(i) AS n
"""

REVIEW_ITEM_FIELDS = """
OPTIONAL MATCH (r:Review)-[:ON]->(i)
WITH i, collect(r {.review_id, .label, .comment, .seconds, .at, .reviewer, .role, .adjudication}) AS reviews
MATCH (i)-[:OF_VERSION]->(v:GuidelineVersion)<-[:HAS_VERSION]-(g:Guideline)
RETURN i {.*} AS item, reviews, g.guideline_id AS guideline_id, g.title AS title, g.developer AS developer,
       v.released AS released
"""

REVIEW_ITEMS = "MATCH (i:ReviewItem) WHERE i.item_id IN $item_ids" + REVIEW_ITEM_FIELDS

REVIEW_QUEUE = """
MATCH (i:ReviewItem) WHERE i.status IN $statuses
WITH i ORDER BY i.risk DESC, i.created DESC LIMIT $limit
""" + REVIEW_ITEM_FIELDS + "ORDER BY item.risk DESC, item.created DESC"

REVIEW_ITEMS_BY_PAIR = "MATCH (i:ReviewItem) WHERE i.pair_key IN $pair_keys" + REVIEW_ITEM_FIELDS

ALL_REVIEW_ITEMS = "MATCH (i:ReviewItem)" + REVIEW_ITEM_FIELDS + "ORDER BY item.created"

CREATE_REVIEW = """
MATCH (i:ReviewItem {item_id: $item_id})
CREATE (r:Review {review_id: $review_id, label: $label, comment: $comment, seconds: $seconds, at: $at,
                  reviewer: $reviewer, role: $role, adjudication: $adjudication})-[:ON]->(i)
RETURN r.review_id AS review_id
"""

SET_REVIEW_STATUS = """
MATCH (i:ReviewItem {item_id: $item_id})
SET i.status = $status, i.final = $final
"""

PASSAGE = """
MATCH (c:Chunk {chunk_id: $chunk_id})<-[:HAS_CHUNK]-(s:Section)<-[:HAS_SECTION]-(v:GuidelineVersion)<-[:HAS_VERSION]-(g:Guideline)
MATCH (s)-[:HAS_CHUNK]->(n:Chunk)
RETURN g.guideline_id AS guideline_id, g.title AS title, g.developer AS developer, v.version_id AS version_id,
       v.released AS released, v.current AS current, s.path AS section,
       collect(n {.chunk_id, .ord, .char_start, .char_end, .text}) AS chunks
"""

VERSION_OWNERS = """
MATCH (v:GuidelineVersion) WHERE v.version_id IN $version_ids
MATCH (v)<-[:HAS_VERSION]-(g:Guideline)
RETURN v.version_id AS version_id, g.guideline_id AS guideline_id, g.title AS title, g.developer AS developer
"""

# -- the version history: validity in time, supersession and withdrawal ---------------------
GUIDELINE_STATE = """
MATCH (g:Guideline {guideline_id: $guideline_id})
OPTIONAL MATCH (g)-[:HAS_VERSION]->(v:GuidelineVersion {current: true})
OPTIONAL MATCH (g)-[s:SUPERSEDED_BY]->(n:Guideline)
RETURN g.guideline_id AS guideline_id, g.title AS title, g.developer AS developer, g.retired AS retired,
       g.retired_at AS retired_at, g.retired_by AS retired_by, g.retired_reason AS retired_reason,
       n.guideline_id AS superseded_by, v.version_id AS current_version,
       coalesce(v.valid_from, v.ingested_at) AS current_valid_from
"""

VERSION_HISTORY = """
MATCH (g:Guideline {guideline_id: $guideline_id})-[:HAS_VERSION]->(v:GuidelineVersion)
RETURN v.version_id AS version_id, v.released AS released, coalesce(v.valid_from, v.ingested_at) AS valid_from,
       v.valid_to AS valid_to, v.current AS current, v.ingested_at AS ingested_at, v.ingested_by AS ingested_by,
       v.source AS source, v.content_sha256 AS content_sha256, v.char_count AS char_count,
       v.replaced_by AS replaced_by
ORDER BY valid_from, ingested_at
"""

SUPERSEDES = """
MATCH (o:Guideline)-[s:SUPERSEDED_BY]->(:Guideline {guideline_id: $guideline_id})
RETURN o.guideline_id AS guideline_id, s.at AS at, s.by AS by, s.source AS source
"""

VERSION_SECTIONS = """
MATCH (v:GuidelineVersion {version_id: $version_id})-[:HAS_SECTION]->(s:Section)-[:HAS_CHUNK]->(c:Chunk)
RETURN s.path AS path, s.ord AS ord, c.chunk_id AS chunk_id, c.ord AS chunk_ord, c.text AS text,
       c.content_sha256 AS content_sha256
ORDER BY ord, chunk_ord
"""

VERSION_RECOMMENDATIONS = """
MATCH (v:GuidelineVersion {version_id: $version_id})-[:HAS_RECOMMENDATION]->(r:Recommendation)
RETURN r.rec_id AS rec_id, r.text AS text, r.section AS section, r.label AS label, r.strength AS strength,
       r.direction AS direction, r.certainty AS certainty
ORDER BY rec_id
"""

RETIRE_GUIDELINE = """
MATCH (g:Guideline {guideline_id: $guideline_id})
SET g.retired = $retired, g.retired_at = $at, g.retired_by = $actor, g.retired_reason = $reason
"""

CLOSE_CURRENT_VERSION = """
MATCH (:Guideline {guideline_id: $guideline_id})-[:HAS_VERSION]->(v:GuidelineVersion {current: true})
SET v.current = false, v.valid_to = $at
RETURN v.version_id AS version_id
"""

MERGE_SUPERSEDED_BY = """
MATCH (o:Guideline {guideline_id: $guideline_id}), (n:Guideline {guideline_id: $by})
MERGE (o)-[s:SUPERSEDED_BY]->(n)
SET s.at = $at, s.by = $actor, s.source = $source
"""

ACTIVE_GUIDELINE_TITLES = """
MATCH (g:Guideline) WHERE g.retired IS NULL
RETURN g.guideline_id AS guideline_id, g.title AS title, g.developer AS developer
"""

# A version was current at $at if it had begun and had not yet been replaced, withdrawn or superseded.
VERSIONS_AS_OF = """
MATCH (g:Guideline)-[:HAS_VERSION]->(v:GuidelineVersion)
WHERE coalesce(v.valid_from, v.ingested_at) < $at
  AND ((v.current = true AND v.valid_to IS NULL) OR v.valid_to > $at)
RETURN g.guideline_id AS guideline_id, v.version_id AS version_id
"""

CHUNKS_OF_VERSIONS = """
UNWIND $version_ids AS vid
MATCH (:GuidelineVersion {version_id: vid})-[:HAS_SECTION]->(:Section)-[:HAS_CHUNK]->(c:Chunk)
RETURN c.chunk_id AS chunk_id, c.text AS text, c.header AS header
"""

SECTION_CHUNKS_OF_VERSIONS = """
UNWIND $version_ids AS vid
MATCH (g:Guideline)-[:HAS_VERSION]->(v:GuidelineVersion {version_id: vid})-[:HAS_SECTION]->(s:Section)-[:HAS_CHUNK]->(c:Chunk)
""" + _SECTION_CHUNK_ROWS

# How much of each version the graph holds: a version written in one transaction is whole or absent.
VERSION_SIZES = """
MATCH (v:GuidelineVersion)
OPTIONAL MATCH (v)-[:HAS_SECTION]->(s:Section)
OPTIONAL MATCH (s)-[:HAS_CHUNK]->(c:Chunk)
OPTIONAL MATCH (c)-[m:MENTIONS]->(:Concept)
WITH v, count(DISTINCT s) AS sections, count(DISTINCT c) AS chunks, count(m) AS mentions
OPTIONAL MATCH (v)-[:HAS_RECOMMENDATION]->(r:Recommendation)
RETURN v.version_id AS version_id, v.current AS current, sections, chunks, mentions, count(r) AS recommendations
"""

CHUNK_VERSIONS = """
MATCH (c:Chunk) WHERE c.chunk_id IN $chunk_ids
MATCH (c)<-[:HAS_CHUNK]-(s:Section)<-[:HAS_SECTION]-(v:GuidelineVersion)
RETURN c.chunk_id AS chunk_id, v.version_id AS version_id, v.current AS current, v.valid_to AS valid_to,
       s.path AS section, c.text AS text
"""
