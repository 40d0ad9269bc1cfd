"""Clinical language understanding shared by ingestion and the query side.

``ClinicalNLP`` finds concept mentions (conditions, drugs) and their assertion (present,
negated, possible, hypothetical, historical, family) with medspaCy; ``lexicon`` says which
phrases name which concept.
"""
