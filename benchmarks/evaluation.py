"""End-to-end evaluation throughput on an ARFBench-shaped dataset: `tsqa eval`'s path (load the dataset from disk,
answer in batches of 8 with a checkpoint, write the results file) over 750 questions on 142 series (`shaped.py`),
with where the time goes.

The dataset is written in ARFBench's layout with its plots, as the benchmark ships them, so the model reads each
question's PNG instead of drawing one. Parts: loading the dataset, the encoder, reading images, the rest of input
building (features, grounding, prompt, processor), the VLM forward, and the rest (scoring maths, results file).

    python benchmarks/evaluation.py                        # a fresh tiny random hybrid, series and plots
    python benchmarks/evaluation.py --model tsqa/demo_model --modality series
"""

import argparse
import tempfile
import time
from pathlib import Path

import torch

import tsqa.bridges.images as bridge_images
from tsqa.arfbench import load_dataset, write_dataset
from tsqa.bridges.answering import AnswerEngine
from tsqa.bridges.hybrid import HybridModel
from tsqa.factories.tiny_vlm import save_tiny_vlm
from tsqa.factories.tiny_toto import save_tiny_toto
from tsqa.eval.answerers import CheckpointAnswerer
from tsqa.eval.runner import run_answerer

from bridge import Timers  # beside this script
from shaped import arfbench_shaped, unique_series


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="checkpoint directory (default: a fresh tiny random hybrid)")
    parser.add_argument("--modality", default="both", choices=("both", "plot", "series"))
    parser.add_argument("--questions", type=int, default=750)
    parser.add_argument("--series", type=int, default=142)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        samples = arfbench_shaped(args.questions, args.series)
        start = time.perf_counter()
        root = write_dataset(samples, work / "data").parent
        written = time.perf_counter() - start
        if args.model:
            model = HybridModel.from_pretrained(args.model)
        else:
            model = HybridModel.create(save_tiny_toto(work / "toto"), save_tiny_vlm("qwen3_vl", work / "vlm"))
        timers = Timers()
        model.encoder.encode = timers.wrap("encoder", model.encoder.encode)
        bridge_images.question_images = timers.wrap("images", bridge_images.question_images)
        engine = AnswerEngine(model)
        engine.builder.build = timers.wrap("input building (total)", engine.builder.build)
        timers.hook("vlm forward", model.vlm)
        cache = engine.builder.encoder

        start = time.perf_counter()
        loaded = list(load_dataset(root))
        loading = time.perf_counter() - start
        answerer = CheckpointAnswerer(engine, "bench", modality=args.modality)
        start = time.perf_counter()
        run_answerer(answerer, loaded, work / "results.csv", batch_size=args.batch_size, progress=False)
        answering = time.perf_counter() - start

    parts = dict(timers.seconds)
    building = parts.pop("input building (total)")
    parts["features, grounding, prompt, processor"] = building - parts["encoder"] - parts["images"]
    parts["other (scoring maths, results file)"] = answering - building - parts["vlm forward"]
    total = loading + answering
    print(f"{len(loaded)} questions over {unique_series(samples)} series (dataset written in {written:.1f} s), "
          f"modality {args.modality}, batch {args.batch_size}: {len(loaded) / total:.2f} questions/s end to end")
    print(f"encodes per unique series {cache.misses / unique_series(loaded):.2f}; "
          f"share of the time outside the VLM forward {100 * (1 - parts['vlm forward'] / total):.1f}%")
    print(f"    {'loading the dataset':38s} {loading:8.2f} s  ({100 * loading / total:5.1f}%)")
    for part, seconds in parts.items():
        print(f"    {part:38s} {seconds:8.2f} s  ({100 * seconds / total:5.1f}%)")


if __name__ == "__main__":
    main()
