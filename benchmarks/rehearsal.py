"""Rehearse a recipe at its published shapes, offline: random weights, everything else real.

The recipe's base models are built with random weights from the configs kept in the repo (`factories/published/`),
saved in the Hugging Face layout (safetensors) under a temporary Hugging Face cache, and loaded by their Hub ids
with HF_HUB_OFFLINE=1: exactly the code path a downloaded model takes. Then, at the recipe's precision, gradient
checkpointing, LoRA and token budget, on one two-series question with its plot at the processor's real resolution
and as many channels as the recipe's largest time-series budget shows:
  - one option-scored and one generated answer;
  - one optimizer step of `align` and one of `sft` (one micro-batch at the recipe's batch size; gradient
    accumulation repeats the same memory pattern).
It prints parameters (total, trainable), prompt tokens (text, image, time series), measured peak memory (process RSS
on CPU, allocated memory on CUDA) per phase, and the projected GPU memory of a training step at the recipe's batch:
bf16/fp32 weights + trainable gradients + AdamW state + activations measured at the real sequence length.

Where this machine cannot hold a model (Qwen3-VL-8B), `--text-layers` builds a copy with the same widths and fewer
language-model layers; weights and LoRA are projected per layer from the config, activations per layer from two
copies of different depths when two are given (their difference is one layer's activations at this sequence length),
else as what non-reentrant gradient checkpointing keeps per layer: its input, batch x sequence x width in bf16.

    python benchmarks/rehearsal.py --recipe toto22m-qwen3vl2b
    python benchmarks/rehearsal.py --recipe toto313m-qwen3vl8b --text-layers 2 4
    python benchmarks/rehearsal.py --recipe toto22m-qwen3vl2b --device cuda --throughput   # scripts/gpu_check.sh
"""

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

# The Hub-id path must read a temporary cache and never the network: set before huggingface_hub is imported.
_HUB_CACHE = Path(tempfile.mkdtemp(prefix="tsqa-rehearsal-"))
os.environ["HF_HUB_CACHE"] = str(_HUB_CACHE / "hub")
os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import psutil  # noqa: E402
import torch  # noqa: E402

GPUS = {"toto22m-qwen3vl2b": 24, "toto313m-qwen3vl8b": 80}  # GiB of the GPU each recipe names (its description)
CHANNEL_STEPS = 1440  # one day at one-minute steps per series
GIB = 2**30


class PeakRSS:
    """Peak memory during a `with` block: the process's resident set sampled every 20 ms on CPU, or the CUDA
    allocator's peak."""

    def __init__(self, device: torch.device):
        self.device, self.peak, self._stop = device, 0, threading.Event()

    def __enter__(self) -> "PeakRSS":
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.start = torch.cuda.memory_allocated()
            return self
        process = psutil.Process()
        self.start = self.peak = process.memory_info().rss

        def sample() -> None:
            while not self._stop.wait(0.02):
                self.peak = max(self.peak, process.memory_info().rss)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            self.peak = torch.cuda.max_memory_allocated()
            return
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, psutil.Process().memory_info().rss)

    @property
    def growth(self) -> int:
        return max(0, self.peak - self.start)


def question(max_ts_tokens: int, tokens_per_channel: int, seed: int = 0):
    """A two-series correlation question whose channels fill the recipe's largest time-series budget."""
    from tsqa.arfbench import Sample, Series
    from tsqa.arfbench.options import CORRELATION_OPTIONS

    channels = max(1, max_ts_tokens // tokens_per_channel // 2)
    rng = np.random.default_rng(seed)
    series = []
    for index in range(2):
        values = rng.uniform(50, 500, (1, channels)) + rng.normal(size=(CHANNEL_STEPS, channels)) * 10
        values[700:760, 0] += 300  # an incident in the first channel of each
        timestamps = 1_700_000_000 + 60 * np.arange(CHANNEL_STEPS)
        names = [f"pod_name:{100 * index + c}" for c in range(channels)]
        series.append(Series(f"rehearsal_{index}", names, timestamps, values, 60))
    options = list(CORRELATION_OPTIONS)
    return Sample(id="rehearsal", query_group="rehearsal_0, rehearsal_1", category="Anomaly Correlation",
                  question="Do both time-series have an anomaly, and are they correlated?", options=options,
                  answer=options[0], series=series)


def prepare_bases(recipe, workdir: Path, text_layers: int | None, accelerator) -> tuple[str, str]:
    """(encoder id, VLM id) as the recipe names them, made loadable offline: published shapes in the temporary
    Hugging Face cache; tiny and built models as the training pipeline makes them."""
    from tsqa.factories.bases import build_bases, run_corpus
    from tsqa.factories.cache import add_to_hub_cache
    from tsqa.factories.hub import is_built
    from tsqa.factories.published_vlm import QWEN3_VL, save_published_vlm
    from tsqa.factories.tiny_toto import PUBLISHED, save_published_toto

    encoder, vlm = recipe.model.encoder, recipe.model.vlm
    if encoder in PUBLISHED:
        add_to_hub_cache(save_published_toto(encoder, workdir / "encoder"), encoder, Path(os.environ["HF_HUB_CACHE"]))
    if vlm in QWEN3_VL:
        saved = save_published_vlm(vlm, workdir / "vlm", text_layers=text_layers)
        add_to_hub_cache(saved, vlm, Path(os.environ["HF_HUB_CACHE"]))
    if encoder == "tiny" or vlm.startswith("tiny:") or is_built(vlm):
        sample = question(recipe.model.adapter.max_ts_tokens, 8)
        model = recipe.model
        encoder, vlm = build_bases(
            model.encoder, model.vlm, workdir / "base", lambda: run_corpus([sample], model.prompt.system),
            recipe.seed, model.tiny_encoder, model.tiny_vlm, accelerator.is_main_process,
        )
        accelerator.wait_for_everyone()
    return recipe.model.encoder if encoder in PUBLISHED else encoder, vlm


def prompt_tokens(model, batch: dict) -> dict:
    ids = batch["input_ids"][batch["attention_mask"].bool()]
    image_id = getattr(model.vlm.config, "image_token_id", None)
    image = int((ids == image_id).sum()) if image_id is not None else 0
    series = int((ids == model.placeholder_id).sum())
    return {"text": len(ids) - image - series, "image": image, "time_series": series}


def train_one_step(recipe, stage, bases, previous, accelerator, sample, out: Path, peaks: dict, name: str):
    """One optimizer step of `stage` on `stage.batch_size` copies of the question, through the trainer itself."""
    from tsqa.training.loop import StageRun
    from tsqa.training.pipeline import stage_model

    device, bf16 = _device(accelerator), accelerator.mixed_precision == "bf16"
    model = stage_model(recipe.model, stage, bases, previous, device, torch.bfloat16 if bf16 else torch.float32)
    stage = replace(stage, max_steps=1, grad_accum=1, eval_every=0, checkpoint_every=0, log_every=1)
    copies = [replace(sample, id=f"{sample.id}-{i}") for i in range(stage.batch_size)]
    run = StageRun(model, stage, copies, out / stage.kind, accelerator, recipe.seed, None, recipe.model.modality)
    with PeakRSS(device) as peak:
        started = time.perf_counter()
        result = run.run()
        seconds = time.perf_counter() - started
    peaks[name] = {"peak_gib": peak.peak / GIB, "growth_gib": peak.growth / GIB, "seconds": seconds,
                   "loss": result.losses[0]}
    return model, result.final_dir


def _device(accelerator) -> torch.device:
    return torch.device("cpu") if accelerator.device.type == "cpu" else accelerator.device


def memory_parts(model, bf16: bool) -> dict:
    """Bytes of frozen weights, trainable weights, their gradients and AdamW's two fp32 moments."""
    frozen = sum(p.numel() * p.element_size() for p in model.parameters() if not p.requires_grad)
    encoder = sum(p.numel() * (2 if bf16 else 4) for p in model.encoder.model.parameters()) if model.encoder else 0
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"frozen": frozen + encoder, "trainable": trainable * 4, "gradients": trainable * 4,
            "optimizer": trainable * 8, "trainable_count": trainable,
            "total_count": sum(p.numel() for p in model.parameters())
            + (sum(p.numel() for p in model.encoder.model.parameters()) if model.encoder else 0)}


def rehearse(recipe_name: str, device: torch.device, text_layers: int | None, throughput: bool) -> dict:
    from accelerate import Accelerator

    from tsqa.bridges.answering import AnswerEngine
    from tsqa.bridges.inputs import InputBuilder
    from tsqa.training.pipeline import stage_model, uses_bf16
    from tsqa.training.recipes import load_recipe

    recipe = load_recipe(recipe_name)
    bf16 = uses_bf16(recipe.precision) or (recipe.precision == "auto" and device.type == "cpu")
    accelerator = Accelerator(mixed_precision="bf16" if bf16 else "no", cpu=device.type == "cpu")
    workdir = Path(tempfile.mkdtemp(prefix="bases-", dir=_HUB_CACHE))
    bases = prepare_bases(recipe, workdir, text_layers, accelerator)
    align, sft = ({s.kind: s for s in recipe.stages}[kind] for kind in ("align", "sft"))
    sample = question(recipe.model.adapter.max_ts_tokens, recipe.model.adapter.tokens_per_channel)
    report = {"recipe": recipe_name, "device": device.type, "precision": "bf16" if bf16 else "fp32",
              "text_layers": text_layers, "phases": {}}
    peaks = report["phases"]

    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        with PeakRSS(device) as peak:
            started = time.perf_counter()
            model = stage_model(recipe.model, align, bases, None, device, torch.bfloat16 if bf16 else torch.float32)
        peaks["load"] = {"peak_gib": peak.peak / GIB, "seconds": time.perf_counter() - started}
        batch, _ = InputBuilder.for_model(model).build([sample], recipe.model.modality)
        report["prompt_tokens"] = prompt_tokens(model, batch)
        for mode, tokens in (("score", 0), ("generate", 8)):
            with PeakRSS(device) as peak:
                started = time.perf_counter()
                (answer,) = AnswerEngine(model).answer([sample], mode=mode, batch_size=1, max_new_tokens=tokens)
            peaks[mode] = {"peak_gib": peak.peak / GIB, "seconds": time.perf_counter() - started,
                           "answer": answer.answer}
        if throughput:
            report["throughput"] = scoring_throughput(model, sample)
        report["answer_loss"] = loss_memory(model, sample, recipe.model.modality, device)
        del model
        out = workdir / "run"
        _, align_final = train_one_step(recipe, align, bases, None, accelerator, sample, out, peaks, "align_step")
        model, _ = train_one_step(recipe, sft, bases, align_final, accelerator, sample, out, peaks, "sft_step")
    report["parameters"] = memory_parts(model, bf16)
    report["lora_per_layer"] = sum(p.numel() for n, p in model.named_parameters() if "lora_" in n and ".layers.0." in n)
    report["sequence_length"] = int(batch["attention_mask"].sum())
    report["batch_size"] = sft.batch_size
    return report


def loss_memory(model, sample, modality, device: torch.device) -> dict:
    """Peak memory growth (GiB) of the answer loss's forward and backward: as the model computes it (logits only for
    the positions that predict the answer) and, for comparison, as computing logits for every position of the
    sequence does (the VLM's own loss, which builds (batch, sequence, vocabulary) logits: what this code did before)."""
    from tsqa.bridges.inputs import InputBuilder

    batch = InputBuilder.for_model(model).prepare([sample], answers=[sample.answer], modality=modality)
    inputs = {k: v for k, v in batch.items() if k not in ("payload", "labels")}
    figures = {}
    for name in ("answer_window", "every_position"):
        model.zero_grad(set_to_none=True)
        with PeakRSS(device) as peak:
            if name == "answer_window":
                loss = model(**batch).loss
            else:
                positions = model.position_ids(inputs["input_ids"], inputs["attention_mask"], inputs)
                with model._injection(batch.get("payload")):
                    loss = model.vlm(**inputs, position_ids=positions, labels=batch["labels"]).loss
            loss.backward()
        figures[name] = {"growth_gib": peak.growth / GIB, "loss": float(loss)}
    model.zero_grad(set_to_none=True)
    return figures


def scoring_throughput(model, sample) -> dict:
    """Questions per second of option scoring at batch 1 and 8 (after one warm-up batch)."""
    from tsqa.bridges.answering import AnswerEngine

    rates = {}
    engine = AnswerEngine(model)
    for batch_size in (1, 8):
        questions = [replace(sample, id=f"t{i}") for i in range(8)]
        engine.answer(questions[:batch_size], batch_size=batch_size)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        started = time.perf_counter()
        engine.answer(questions, batch_size=batch_size)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        rates[f"batch_{batch_size}"] = len(questions) / (time.perf_counter() - started)
    return rates


def projection(reports: list[dict], depth: tuple[int, int, int], bf16: bool) -> dict:
    """GiB of one sft training step on a GPU at the recipe's batch: the full depth from the measured copies.
    `depth`: the published language model's (layers, parameters per layer, width)."""
    full_layers, per_layer_params, width = depth
    last = reports[-1]
    layers = [r["text_layers"] for r in reports]
    step = [r["phases"]["sft_step"]["growth_gib"] * GIB for r in reports]
    parts = last["parameters"]
    activation = step[-1] - parts["gradients"] - parts["optimizer"]
    extra = 0 if layers[-1] is None else full_layers - layers[-1]
    per_layer_activation = last["batch_size"] * last["sequence_length"] * width * 2  # checkpointed layer input
    lora_per_layer = 0.0
    if len(reports) > 1 and layers[-1] != layers[0]:
        per_layer_activation = (step[-1] - step[0]) / (layers[-1] - layers[0])
        grown = parts["trainable_count"] - reports[0]["parameters"]["trainable_count"]
        lora_per_layer = grown / (layers[-1] - layers[0])
    elif extra:
        lora_per_layer = last["lora_per_layer"]
    weights = parts["frozen"] + extra * per_layer_params * (2 if bf16 else 4) + parts["trainable"]
    trainable = parts["trainable_count"] + extra * lora_per_layer
    activations = max(0.0, activation) + extra * max(0.0, per_layer_activation)
    total = weights + trainable * 4 + trainable * 8 + activations
    return {"weights_gib": weights / GIB, "gradients_gib": trainable * 4 / GIB, "optimizer_gib": trainable * 8 / GIB,
            "activations_gib": activations / GIB, "total_gib": total / GIB,
            "total_parameters": parts["total_count"] + extra * (per_layer_params + lora_per_layer),
            "trainable_parameters": trainable}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", required=True, help="tiny, smollm2, toto22m-qwen3vl2b, toto313m-qwen3vl8b or a file")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--text-layers", type=int, nargs="*", default=None,
                        help="build copies with these many language-model layers (same widths) and project")
    parser.add_argument("--throughput", action="store_true", help="also time option scoring at batch 1 and 8")
    parser.add_argument("--json", help="write the report here")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("rehearsal: --device cuda, but torch sees no CUDA device", file=sys.stderr)
        return 2
    reports = [rehearse(args.recipe, device, layers, args.throughput) for layers in (args.text_layers or [None])]
    from tsqa.training.recipes import load_recipe

    recipe = load_recipe(args.recipe)
    depth = _language_model_depth(recipe.model.vlm)
    summary = {"runs": reports, "projection": projection(reports, depth, reports[0]["precision"] == "bf16"),
               "gpu_gib": GPUS.get(args.recipe)}
    print(_table(args.recipe, summary))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    return 0


def _language_model_depth(vlm: str) -> tuple[int, int, int]:
    """(layers, parameters per layer, width) of a published VLM's language model; zeros for others (never cut)."""
    from tsqa.factories.published_vlm import QWEN3_VL, qwen3_vl_config

    if vlm not in QWEN3_VL:
        return 0, 0, 0
    full, one = qwen3_vl_config(vlm), qwen3_vl_config(vlm, text_layers=1, vision_depth=0)
    with torch.device("meta"):
        from transformers import Qwen3VLForConditionalGeneration

        zero = qwen3_vl_config(vlm, text_layers=0, vision_depth=0)
        count = [sum(p.numel() for p in Qwen3VLForConditionalGeneration(c).parameters()) for c in (one, zero)]
    return full.text_config.num_hidden_layers, count[0] - count[1], full.text_config.hidden_size


def _table(name: str, summary: dict) -> str:
    last, projected = summary["runs"][-1], summary["projection"]
    phases = last["phases"]
    cut = f", language model cut to {[r['text_layers'] for r in summary['runs']]} layers" if last["text_layers"] else ""
    lines = [
        f"recipe {name} ({last['device']}, {last['precision']}{cut})",
        f"  parameters: total {projected['total_parameters'] / 1e6:,.1f} M, trainable "
        f"{projected['trainable_parameters'] / 1e6:,.2f} M",
        "  prompt tokens: " + ", ".join(f"{k} {v}" for k, v in last["prompt_tokens"].items())
        + f" (sequence {last['sequence_length']})",
    ]
    for phase, figures in phases.items():
        extra = f", answer {figures['answer'][:40]!r}" if "answer" in figures else ""
        extra += f", loss {figures['loss']:.3f}" if "loss" in figures else ""
        lines.append(f"  {phase}: peak {figures['peak_gib']:.2f} GiB, {figures['seconds']:.1f} s{extra}")
    if "answer_loss" in last:
        window, every = last["answer_loss"]["answer_window"], last["answer_loss"]["every_position"]
        lines.append(f"  answer loss, forward + backward: {window['growth_gib']:.2f} GiB with logits for the answer "
                     f"only, {every['growth_gib']:.2f} GiB with logits for every position (before); losses "
                     f"{window['loss']:.4f} / {every['loss']:.4f}")
    if "throughput" in last:
        lines.append("  option scoring: " + ", ".join(f"{k} {v:.2f} q/s" for k, v in last["throughput"].items()))
    gpu = summary["gpu_gib"]
    lines.append(
        f"  projected GPU memory of an sft step at batch {last['batch_size']}: weights {projected['weights_gib']:.2f}"
        f" + gradients {projected['gradients_gib']:.2f} + optimizer {projected['optimizer_gib']:.2f}"
        f" + activations {projected['activations_gib']:.2f} = {projected['total_gib']:.2f} GiB"
        + (f" (recipe's GPU: {gpu} GiB)" if gpu else "")
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
