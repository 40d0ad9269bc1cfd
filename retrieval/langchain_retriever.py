"""The hybrid retriever as a LangChain ``BaseRetriever``, for users' own chains.

Each LangChain ``Document`` is one chunk; its metadata carries the full provenance (chunk id,
guideline, version, section, character span) so a chain built on it can still cite exactly.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import PrivateAttr

from retrieval.retriever import HybridRetriever


class ClinicalKGRetriever(BaseRetriever):
    k: int = 6
    # Private: pydantic cannot build a validator for the retriever's Protocol-typed parts.
    _retriever: HybridRetriever = PrivateAttr()

    def __init__(self, retriever: HybridRetriever, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._retriever = retriever

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        documents = []
        for hit in self._retriever.retrieve(query, self.k):
            prov = hit.provenance
            assert prov is not None  # retrieve() returns only hits the graph can place
            metadata = {k: v for k, v in asdict(prov).items() if k != "text"}
            metadata.update(score=hit.score, ranks=dict(hit.ranks))
            documents.append(Document(page_content=prov.text, metadata=metadata, id=prov.chunk_id))
        return documents
