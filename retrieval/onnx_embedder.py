"""The packaged embedding model on ONNX Runtime with int8 weights: a faster CPU backend.

Exported once, offline, from the installed sentence-transformers model (``torch.onnx``, in a
child process, so that a process embedding with this backend never loads torch: ~0.7 GB and
~3 s of every start), then dynamically quantised by ONNX Runtime (MatMul weights, int8, per
channel, reduced range: the variant that kept cosine ≥ 0.99 to the float model here; quantising
every op lost 6 points). The model is exported with its eager attention, whose plain MatMul and
Softmax graph ONNX Runtime runs about a quarter faster than the fused attention kernel's export.
Cached under ``EmbeddingSettings.cache_dir``. Tokenised by the model's own ``tokenizer.json``
(the ``tokenizers`` library, without transformers); mean pooling and L2 normalisation as the
model's own sentence-transformers configuration prescribes.

One text per inference, never a padded batch: dynamic quantisation scales activations per input
tensor, so a text encoded in a batch would depend on its batch-mates (cosine 0.99 to itself
alone). Alone, a text always gets the same vector, which the evidence-sentence vectors stored at
ingestion rely on; on CPU it costs nothing in throughput (226 passages/s alone against 206 in
batches of 32, measured here).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ckg.errors import ConfigurationError

if TYPE_CHECKING:
    from tokenizers import Encoding

log = logging.getLogger(__name__)

BACKEND = "onnx-int8"
EXPORT = "eager-1"  # in the cached file's name: a changed export is made anew, not read from an old file


class OnnxInt8Embedder:
    def __init__(self, model: str, model_path: str, cache_dir: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        _require_mean_pooling(Path(model_path))
        self.name = f"{model}+{BACKEND}"
        config = json.loads((Path(model_path) / "sentence_bert_config.json").read_text())
        self._window = int(config.get("max_seq_length", 256))
        self.max_tokens = self._window - 2  # [CLS] and [SEP]
        # The file's own settings (truncation at 128, fixed padding) are not the model's: texts are
        # cut at the model's window and never padded; spans are measured uncut.
        self._tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self._tokenizer.enable_truncation(self._window)
        self._tokenizer.no_padding()
        self._measurer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self._measurer.no_truncation()
        self._measurer.no_padding()
        onnx_file = cache_dir / f"{model.replace('/', '_')}-{BACKEND}-{EXPORT}.onnx"
        if not onnx_file.exists():
            export_in_child_process(model_path, onnx_file)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # warnings about unused initialisers are noise
        # Busy-waiting worker threads starve everything else on a small shared CPU (graph server, API).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        from tqdm import tqdm

        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, encoded in enumerate(tqdm(self._tokenizer.encode_batch(list(texts)), disable=not progress)):
            vectors[i] = self._embed_one(encoded)
        return vectors

    def _embed_one(self, encoded: Encoding) -> np.ndarray:
        given = {"input_ids": encoded.ids, "attention_mask": encoded.attention_mask, "token_type_ids": encoded.type_ids}
        hidden = self._session.run(None, {name: np.array([given[name]], dtype=np.int64) for name in self._inputs})[0]
        pooled = hidden[0].mean(axis=0)  # one text, no padding: every token counts
        return (pooled / np.linalg.norm(pooled)).astype(np.float32)

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        if not texts:
            return []
        encoded = self._measurer.encode_batch(list(texts), add_special_tokens=False)
        return [[(int(a), int(b)) for a, b in e.offsets] for e in encoded]


def export_in_child_process(model_path: str, target: Path) -> None:
    """``export_int8`` in a child interpreter: torch is loaded there, once, and never here."""
    log.info("exporting the embedding model to ONNX int8 (once)", extra={"target": str(target)})
    done = subprocess.run([sys.executable, "-m", __name__, model_path, str(target)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 or not target.exists():
        raise ConfigurationError(f"cannot export {model_path} to ONNX int8 at {target}: "
                                 f"{done.stderr.strip().splitlines()[-1:] or 'no output'}")


def export_int8(model_path: str, target: Path) -> None:
    """Float ONNX export of the transformer, then int8 dynamic quantisation; written atomically."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(model_path, attn_implementation="eager").eval()
    sample = AutoTokenizer.from_pretrained(model_path)(["a sample", "a longer sample text"], padding=True,
                                                       return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]

    class Hidden(torch.nn.Module):  # keyword arguments only: BertModel's positional order varies
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, torch.no_grad():
        float_file, int8_file = Path(tmp) / "float.onnx", Path(tmp) / "int8.onnx"
        axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
        torch.onnx.export(Hidden(), tuple(sample[n] for n in names), str(float_file), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)
        quantize_dynamic(float_file, int8_file, weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                         op_types_to_quantize=["MatMul"])
        os.replace(int8_file, target)


def _require_mean_pooling(model_path: Path) -> None:
    pooling = model_path / "1_Pooling" / "config.json"
    if not pooling.exists() or not json.loads(pooling.read_text()).get("pooling_mode_mean_tokens"):
        raise ConfigurationError(f"the {BACKEND} backend supports mean-pooling models only; {model_path} is not one")


if __name__ == "__main__":  # the child process of export_in_child_process: model path, target file
    export_int8(sys.argv[1], Path(sys.argv[2]))
