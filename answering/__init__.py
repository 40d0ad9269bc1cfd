"""Answering a question: the query pipeline, the relevance gate, drafting (extractive or LLM) and
verifying each answer sentence against what it cites."""
