"""Retrieval: embeddings, the FAISS vector index, BM25, fusion, answers and their checks."""
