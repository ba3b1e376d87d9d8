"""The encoder and document/token heads run by ONNX Runtime instead of eager PyTorch (CPU inference).

ONNX Runtime fuses attention, GELU and layer norms into single kernels and, with ``int8``, quantises the
weights of every MatMul (dynamic quantisation: activations stay float). The entity heads stay in PyTorch:
they are two small linear layers over pooled spans. The graph is exported from the loaded
:class:`~nlp.model.RiskModel` when the tagger starts (a few seconds), into a temporary folder, so the repo
ships one set of weights and nothing can drift between the two.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path

import torch
from torch import nn

from nlp.model import RiskModel

OUTPUTS = ("hidden", "sentiment", "ner", "events")


class _EncoderAndHeads(nn.Module):
    def __init__(self, model: RiskModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        hidden = self.model.encode(input_ids, attention_mask)
        heads = self.model.heads(hidden, input_ids, attention_mask)
        return hidden, heads["sentiment"], heads["ner"], heads["events"]


def export(model: RiskModel, path: Path) -> None:
    """Write ``model``'s encoder and document/token heads as an ONNX graph with dynamic batch and length."""
    length = min(16, model.config.max_length)
    ids = torch.full((2, length), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, length // 2 :] = 0  # a padded row, so no "mask is all ones" shortcut is traced into the graph
    # The SDPA attention path traces into a graph that ignores the padding mask; eager attention exports
    # faithfully (outputs equal to ~1e-6, tested). The model gets its own attention back afterwards.
    previous = model.encoder.config._attn_implementation
    model.encoder.set_attn_implementation("eager")
    try:
        with warnings.catch_warnings():
            # The tracer's notes (mask-length checks held constant: the mask always has the ids' length;
            # advanced indexing without negative indices) hold for this model; users need not read them.
            warnings.simplefilter("ignore")
            _export(model, ids, mask, path)
    finally:
        model.encoder.set_attn_implementation(previous)
        model.eval()


def _export(model: RiskModel, ids: torch.Tensor, mask: torch.Tensor, path: Path) -> None:
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        _EncoderAndHeads(model).eval(),  # export puts a module back in its mode: eval it stays
        (ids, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=list(OUTPUTS),
        dynamic_axes={
            "input_ids": axes,
            "attention_mask": axes,
            "hidden": axes,
            "ner": axes,
            "sentiment": {0: "batch"},
            "events": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )


class OnnxEncoder:
    """``(input_ids, attention_mask) -> (hidden, {"sentiment", "ner", "events"})``, as
    ``model.encode`` followed by ``model.heads``, computed by an ONNX Runtime CPU session."""

    def __init__(self, model: RiskModel, int8: bool = False, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or torch.get_num_threads()
        # Its threads sleep when a run ends instead of spinning for more work: the tagger's own steps between
        # runs (entity heads in torch, n-gram heads, decoding) then have the cores. Spinning, they lost them:
        # 0.6x the one-document rate, 0.9x the batched one (benchmarks/README.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        with tempfile.TemporaryDirectory(prefix="riskwatch-onnx-") as folder:
            path = Path(folder) / "encoder.onnx"
            export(model, path)
            if int8:
                from onnxruntime.quantization import QuantType, quantize_dynamic

                quantised = Path(folder) / "encoder-int8.onnx"
                logging.disable(
                    logging.WARNING
                )  # its "consider pre-processing" advice goes to the root logger
                try:
                    quantize_dynamic(str(path), str(quantised), weight_type=QuantType.QInt8)
                finally:
                    logging.disable(logging.NOTSET)
                path = quantised
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        hidden, sentiment, ner, events = self.session.run(
            list(OUTPUTS),
            {
                "input_ids": input_ids.numpy(),  # int64, as the graph was traced with
                "attention_mask": attention_mask.numpy(),
            },
        )
        heads = {"sentiment": sentiment, "ner": ner, "events": events}
        return torch.from_numpy(hidden), {name: torch.from_numpy(value) for name, value in heads.items()}
