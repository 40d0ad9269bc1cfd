"""Clinician review of citations: the queue, judgements, and what they change."""
