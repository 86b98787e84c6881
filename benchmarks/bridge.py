"""Bridge throughput: questions per second for option scoring vs generation, batch 1 vs 8, and where the time goes.

The questions are ARFBench-shaped (`shaped.py`: about five questions per series, a fifth about a pair), and each run
starts with empty encoder and plot caches, so "encodes per unique series" and "plots per unique chart" say whether
the series work was done once (1.00). Time is split into the VLM forward (every call of the VLM's forward, prompt,
continuation and decoding steps), the encoder, the adapter, plotting, and the rest of input building (features,
prompt text, processor/tokenisation), measured with hooks and wrappers around the real code path. Also prints prompt
token counts per time-label format.

    python benchmarks/bridge.py                         # tiny random Toto + tiny random Qwen3-VL, CPU, 64 questions
    python benchmarks/bridge.py --family idefics3
    python benchmarks/bridge.py --qwen3-vl-2b --device cuda   # Qwen3-VL-2B's published shape, random weights, bf16
"""

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import torch

import tsqa.bridges.images as bridge_images
from tsqa.bridges.answering import AnswerEngine
from tsqa.bridges.hybrid import HybridModel, load_encoder
from tsqa.bridges.images import plot_cache, reset_plot_cache
from tsqa.bridges.inputs import InputBuilder
from tsqa.bridges.config import LoraSettings, PromptFormat
from tsqa.factories.published_vlm import published_qwen3_vl, qwen3_vl_processor
from tsqa.factories.tiny_vlm import FAMILIES, save_tiny_vlm
from tsqa.factories.tiny_toto import save_tiny_toto

from shaped import arfbench_shaped, unique_charts, unique_series  # beside this script


QWEN3_VL_2B = "Qwen/Qwen3-VL-2B-Instruct"


class Timers:
    """Seconds per named part, accumulated by wrappers and forward hooks."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._started: dict[str, float] = {}

    def wrap(self, name: str, function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start

        return timed

    def hook(self, name: str, module: torch.nn.Module) -> None:
        module.register_forward_pre_hook(lambda *_: self._start(name))
        module.register_forward_hook(lambda *_: self._stop(name))

    def _start(self, name: str) -> None:
        _synchronize()
        self._started[name] = time.perf_counter()

    def _stop(self, name: str) -> None:
        _synchronize()
        self.seconds[name] += time.perf_counter() - self._started.pop(name)


def _synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def build_model(args, workdir: Path) -> HybridModel:
    toto = save_tiny_toto(workdir / "toto")
    lora = LoraSettings(r=8, alpha=16, dropout=0.0)
    if not args.qwen3_vl_2b:
        vlm_dir = save_tiny_vlm(args.family, workdir / "vlm")
        return HybridModel.create(toto, vlm_dir, lora=lora, device=args.device)
    with torch.device(args.device):
        vlm = published_qwen3_vl(QWEN3_VL_2B, dtype=torch.bfloat16)
    encoder = load_encoder(toto, args.device)
    return HybridModel.from_models(vlm, qwen3_vl_processor(), encoder, QWEN3_VL_2B, str(toto), lora=lora)


def instrument(model: HybridModel, timers: Timers) -> None:
    model.encoder.encode = timers.wrap("encoder", model.encoder.encode)
    bridge_images.question_images = timers.wrap("plotting", bridge_images.question_images)
    timers.hook("adapter", model.adapter)
    timers.hook("vlm forward", model.vlm)


def run(model: HybridModel, timers: Timers, samples, mode: str, batch_size: int) -> dict[str, float]:
    AnswerEngine(model).answer(samples[:batch_size], mode=mode, batch_size=batch_size, max_new_tokens=16)  # warm-up
    engine = AnswerEngine(model)  # empty caches: the run does its own series work
    engine.builder.build = timers.wrap("input building (total)", engine.builder.build)
    encodings = engine.builder.encoder
    reset_plot_cache()
    timers.seconds.clear()
    _synchronize()
    start = time.perf_counter()
    engine.answer(samples, mode=mode, batch_size=batch_size, max_new_tokens=16)
    _synchronize()
    total = time.perf_counter() - start
    timers.seconds["encodes per unique series"] = encodings.misses / unique_series(samples)
    timers.seconds["plots per unique chart"] = plot_cache().renders / unique_charts(samples)
    parts = dict(timers.seconds)
    counts = {name: parts.pop(name) for name in ("encodes per unique series", "plots per unique chart")}
    building = parts.pop("input building (total)", 0.0)
    parts["features, prompt, tokenisation"] = building - parts.get("encoder", 0.0) - parts.get("plotting", 0.0)
    inside = building + parts.get("vlm forward", 0.0) + parts.get("adapter", 0.0)
    parts["other (scoring maths, decoding loop)"] = total - inside
    return {"questions/s": len(samples) / total, "total": total, **counts, **parts}


def token_counts(model: HybridModel, samples) -> None:
    print("\nprompt tokens per question by time-label format (mean over the questions):")
    builder = InputBuilder.for_model(model)
    for labels in ("full", "compact", "none"):
        builder.prompt_format = PromptFormat(time_labels=labels)
        batch = builder.prepare(samples)
        lengths = batch["attention_mask"].sum(dim=1).float()
        ts = (batch["input_ids"] == model.placeholder_id).sum(dim=1).float()
        print(f"  {labels:8s} prompt {lengths.mean():7.1f}   of which time-series tokens {ts.mean():6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=FAMILIES, default="qwen3_vl")
    parser.add_argument("--qwen3-vl-2b", action="store_true", help="random Qwen3-VL-2B-shaped VLM (use a GPU)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--questions", type=int, default=64, help="ARFBench-shaped: about five per series")
    args = parser.parse_args()
    torch.manual_seed(0)
    samples = arfbench_shaped(args.questions, series_count=max(2, round(args.questions * 142 / 750)),
                              pairs=max(1, args.questions // 25))
    with tempfile.TemporaryDirectory() as workdir:
        model = build_model(args, Path(workdir))
        name = "Qwen3-VL-2B-shaped" if args.qwen3_vl_2b else f"tiny {args.family}"
        print(f"{name} + tiny Toto on {args.device}: {len(samples)} ARFBench-shaped questions (all categories) over "
              f"{unique_series(samples)} series, {unique_charts(samples)} distinct charts")
        timers = Timers()
        instrument(model, timers)
        for mode in ("score", "generate"):
            rates = {}
            for batch_size in (1, 8):
                result = run(model, timers, samples, mode, batch_size)
                rates[batch_size] = result["questions/s"]
                outside = 1 - result["vlm forward"] / result["total"]
                print(f"\n{mode:8s} batch {batch_size}: {result['questions/s']:7.2f} questions/s, "
                      f"{100 * outside:5.1f}% of the time outside the VLM forward; encodes per unique series "
                      f"{result['encodes per unique series']:.2f}, plots per unique chart "
                      f"{result['plots per unique chart']:.2f}")
                for part, seconds in result.items():
                    if part not in ("questions/s", "total", "encodes per unique series", "plots per unique chart"):
                        print(f"    {part:38s} {seconds:8.3f} s  ({100 * seconds / result['total']:5.1f}%)")
            print(f"\n{mode}: batch 8 / batch 1 = {rates[8] / rates[1]:.2f}x")
        token_counts(model, samples)


if __name__ == "__main__":
    main()
