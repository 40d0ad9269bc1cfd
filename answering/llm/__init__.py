"""LLM answers through LangChain: the prompt, the chat models, and the generator that checks
what the model cites."""
