"""The stock LangChain stack a team would otherwise assemble: the baseline we must beat.

Documents split by ``RecursiveCharacterTextSplitter`` (1,000 characters, 200 overlap, the
documented defaults), a FAISS vector store and a ``BM25Retriever``, fused by an
``EnsembleRetriever`` with equal weights. It reads the same document texts and uses the same
packaged embedding model as our pipeline, so the comparison isolates the retrieval design.
The vector store is cached on disk (keyed by the texts and the model), as a user would.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_text_splitters import RecursiveCharacterTextSplitter

from ckg.types import Document
from retrieval.embeddings import Embedder

CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200

with warnings.catch_warnings():  # langchain-community announces its sunset on import
    warnings.simplefilter("ignore", DeprecationWarning)
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS


class PackagedEmbeddings(Embeddings):
    """LangChain's ``Embeddings`` over the same packaged sentence-transformers model."""

    def __init__(self, embedder: Embedder, progress: bool = False) -> None:
        self.embedder = embedder
        self.progress = progress

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(texts, progress=self.progress).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text])[0].tolist()


def build(documents: list[Document], embedder: Embedder, cache: Path, k: int = 50) -> BaseRetriever:
    """An ensemble retriever returning up to ``k`` chunks; each chunk's metadata names its document."""
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks = splitter.create_documents([d.text for d in documents],
                                       metadatas=[{"document": d.meta.guideline_id} for d in documents])
    embeddings = PackagedEmbeddings(embedder, progress=True)
    folder = cache / f"langchain-{_fingerprint(documents, embedder.name)}"
    if (folder / "index.faiss").exists():
        store = FAISS.load_local(str(folder), embeddings, allow_dangerous_deserialization=True)  # our own file
    else:
        store = FAISS.from_documents(chunks, embeddings)
        store.save_local(str(folder))
    bm25 = BM25Retriever.from_documents(chunks, k=k)
    dense = store.as_retriever(search_kwargs={"k": k})
    return EnsembleRetriever(retrievers=[bm25, dense], weights=[0.5, 0.5])


def _fingerprint(documents: list[Document], model: str) -> str:
    digest = hashlib.sha256(f"{model}|{CHUNK_SIZE}|{CHUNK_OVERLAP}".encode())
    for d in documents:
        digest.update(d.meta.guideline_id.encode())
        digest.update(d.text.encode())
    return digest.hexdigest()[:16]
