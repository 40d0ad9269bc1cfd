"""Retrieval: embeddings, the FAISS vector index, BM25, the graph channel and their fusion."""
