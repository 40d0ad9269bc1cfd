"""Trains a reader (``answering.reader``) on guidelines' own key questions (``eval.key_questions``).

The cross-encoder starts from the configured embedding model's transformer (all-MiniLM-L6-v2 by
default: the one model this machine has) with a fresh one-label head, and learns, with binary
cross-entropy, to tell a key question's answers from the guideline's other statements. Fixed seeds:
the same guidelines give the same reader. On 2 CPU cores about 4,400 pairs take ~4 minutes an epoch.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

BATCH = 16
LEARNING_RATE = 3e-5
WARMUP = 0.1  # share of the steps with a rising learning rate
MAX_LENGTH = 128


def train_reader(pairs: list[tuple[str, str, float]], base_model: str, out: Path, epochs: int = 2,
                 seed: int = 0, progress: bool = False, learning_rate: float = LEARNING_RATE) -> Path:
    """Fine-tunes ``base_model`` on (question, sentence, label) pairs and saves a CrossEncoder
    directory at ``out``."""
    import torch
    from tqdm import tqdm
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # the new head's "newly initialized" warning is the point
    transformers_logging.disable_progress_bar()
    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    model = AutoModelForSequenceClassification.from_pretrained(base_model, num_labels=1)
    steps = epochs * -(-len(pairs) // BATCH)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / (WARMUP * steps)) * max(0.0, 1 - step / steps))
    loss_of = torch.nn.BCEWithLogitsLoss()
    model.train()
    for batch in tqdm(_batches(pairs, epochs, seed), total=steps, desc="training reader", disable=not progress):
        encoded = tokenizer([q for q, _, _ in batch], [s for _, s, _ in batch], truncation=True,
                            max_length=MAX_LENGTH, padding=True, return_tensors="pt")
        loss = loss_of(model(**encoded).logits.squeeze(-1), torch.tensor([label for _, _, label in batch]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def _batches(pairs: list[tuple[str, str, float]], epochs: int, seed: int) -> Iterator[list[tuple[str, str, float]]]:
    shuffle = random.Random(seed)
    for _ in range(epochs):
        order = pairs[:]
        shuffle.shuffle(order)
        yield from (order[i : i + BATCH] for i in range(0, len(order), BATCH))
