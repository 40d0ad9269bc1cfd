"""Ingestion: source files -> documents -> chunks -> graph + vector index."""
