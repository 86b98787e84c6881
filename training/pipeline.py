"""A recipe end to end: base models (tiny ones built on the spot), then each stage, each starting from the final
checkpoint of the one before.

Output directory: `recipe.json` and `data.json` (the recipe, and a fingerprint of the data; a resumed run must
match both), `log.jsonl`, `base/` (tiny base models, when the recipe asks for them), and one directory per stage
(`align/`, `sft/`) with `checkpoint-<step>/` and `final/`; `encoder_cache/` when the recipe keeps encoder outputs
on disk. Every `final/` loads with `HybridModel.from_pretrained`.
"""

import hashlib
import json
import sys
from functools import partial
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from accelerate.utils import set_seed

from tsqa import DEMO_MODEL
from tsqa.arfbench.schema import Sample
from tsqa.bridges.answering import AnswerEngine
from tsqa.bridges.config import Modality, TSQAConfig, config_dict
from tsqa.bridges.hybrid import HybridModel
from tsqa.bridges.inputs import InputBuilder
from tsqa.factories.bases import build_bases, run_corpus
from tsqa.factories.hub import resolve
from tsqa.training.config import DEMO_INIT, ModelConfig, Precision, Recipe, StageConfig, StageKind
from tsqa.training.descriptions import descriptive_samples
from tsqa.training.evaluation import held_out_metrics
from tsqa.training.forecast_stage import question_series, run_forecast_stage, series_fingerprint
from tsqa.training.log import TrainLog, unevaluated_final_step
from tsqa.training.loop import FINAL_DIR, LOG_FILE, StageRun
from tsqa.training.split import evaluation_subset

RECIPE_FILE = "recipe.json"
DATA_FILE = "data.json"  # question counts and a hash of the questions, checked on resume
ENCODER_CACHE_DIR = "encoder_cache"
BASE_DIR = "base"  # tiny base models built for the run


def uses_bf16(precision: Precision) -> bool:
    if precision == Precision.AUTO:
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return precision == Precision.BF16


def _fingerprint(samples: list[Sample]) -> dict:
    digest = hashlib.sha256()
    for sample in samples:
        digest.update(json.dumps([sample.id, sample.question, sample.options, sample.answer]).encode("utf-8"))
    return {"questions": len(samples), "sha256": digest.hexdigest()}


def _claim_output(recipe: Recipe, data: dict, out_dir: Path, resume: bool, accelerator: Accelerator) -> None:
    """A new run needs an unused directory; a resumed one the same recipe and data (else resume is not exact)."""
    for name, current in ((RECIPE_FILE, config_dict(recipe)), (DATA_FILE, data)):
        saved_path = out_dir / name
        if not saved_path.is_file():
            continue
        if not resume:
            raise ValueError(f"{out_dir} already holds a training run: pass --resume, or choose another --out")
        saved = json.loads(saved_path.read_text(encoding="utf-8"))
        if saved != current:
            changed = sorted(k for k in current.keys() | saved.keys() if current.get(k) != saved.get(k))
            raise ValueError(f"{saved_path}: the run was started with different settings (differs in {changed})")
    accelerator.wait_for_everyone()  # every process has checked before the main one writes
    if accelerator.is_main_process:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / RECIPE_FILE).write_text(json.dumps(config_dict(recipe), indent=2) + "\n", encoding="utf-8")
        (out_dir / DATA_FILE).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    accelerator.wait_for_everyone()


def stage_model(
    model_config: ModelConfig,
    stage: StageConfig,
    bases: tuple[str, str],
    previous: Path | None,
    device: torch.device,
    dtype: torch.dtype,
) -> HybridModel:
    """The model a stage starts from: a fresh hybrid, or the previous stage's final one (or the checkpoint the run
    goes on from); `sft` adds fresh LoRA where that model has none.

    Only the adapter (and LoRA in `sft`) require gradients; the encoder and VLM weights stay frozen."""
    if previous is None:
        encoder_id, vlm_id = bases
        model = HybridModel.create(
            encoder_id, vlm_id, model_config.adapter, prompt=model_config.prompt, device=device, dtype=dtype,
            modality=model_config.modality,
        )
    else:
        model = HybridModel.from_pretrained(previous, device=device, dtype=dtype,
                                            trainable=stage.kind == StageKind.SFT)
    if stage.kind == StageKind.SFT and model.peft is None:  # a checkpoint's LoRA (model.init) goes on training
        model.add_lora(model_config.lora)
    if model_config.gradient_checkpointing:
        model.vlm.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    return model


def initial_checkpoint(model_config: ModelConfig) -> Path:
    """The checkpoint `model.init` names ("demo": the bundled one), checked to show what the recipe trains on."""
    directory = DEMO_MODEL if model_config.init == DEMO_INIT else resolve(model_config.init)
    config = TSQAConfig.load(directory)
    if config.modality != model_config.modality:
        raise ValueError(f"model.init: {model_config.init} was trained on {config.modality.value!r}, the recipe shows "
                         f"{model_config.modality.value!r}; pass --set model.modality={config.modality.value}")
    print(f"[init] going on from {directory}: its encoder, VLM, adapter, LoRA and prompt (the recipe's other model "
          "settings are not used)", file=sys.stderr)
    return directory


def prepare_bases(
    recipe: Recipe, train: list[Sample], held_out: list[Sample], out_dir: Path, accelerator: Accelerator
) -> tuple[tuple[str, str] | None, list[Sample]]:
    """((encoder id, VLM id), descriptive targets): tiny bases are built with every text the run will show; a run
    that goes on from a checkpoint (`model.init`) has its bases already, so None."""
    described = descriptive_samples(train, recipe.seed) if any(s.descriptive_targets for s in recipe.stages) else []
    model = recipe.model
    if model.init:
        return None, described
    bases = build_bases(
        model.encoder, model.vlm, out_dir / BASE_DIR,
        lambda: run_corpus([*train, *described, *held_out], model.prompt.system),
        recipe.seed, model.tiny_encoder, model.tiny_vlm, accelerator.is_main_process,
    )
    accelerator.wait_for_everyone()
    return bases, described


def _evaluate_final_once(final: Path, stage: str, log_path: Path, samples: list[Sample], recipe: Recipe,
                         device: torch.device, bf16: bool, accelerator: Accelerator) -> None:
    """The held-out evaluation of a finished stage, when a kill came between writing `final/` and logging it."""
    step = unevaluated_final_step(log_path, stage)
    if step is not None and accelerator.is_main_process:
        print(f"[{stage}] evaluating {final} (its evaluation was not logged before the run stopped)", file=sys.stderr)
        model = HybridModel.from_pretrained(final, device=device, dtype=torch.bfloat16 if bf16 else torch.float32)
        metrics = held_out_metrics(AnswerEngine(model), samples, batch_size=recipe.eval.batch_size,
                                   modality=recipe.model.modality)
        TrainLog(log_path, stage).write("eval", step, **metrics)
    accelerator.wait_for_everyone()


def _held_out(model: HybridModel, builder: InputBuilder, **settings) -> dict:
    return held_out_metrics(AnswerEngine(model, builder), **settings)


def run_recipe(
    recipe: Recipe, train: list[Sample], held_out: list[Sample], out_dir: Path, resume: bool = False,
    series: "tuple[list[np.ndarray], list[np.ndarray]] | None" = None,
) -> Path:
    """Runs (or resumes) every stage of `recipe`; returns the last stage's `final/` directory.

    series: (train, held-out) metric series, (channels, time) each, for a `forecast` stage; default: the series of
    the training and held-out questions."""
    bf16 = uses_bf16(recipe.precision)
    accelerator = Accelerator(mixed_precision="bf16" if bf16 else "no")
    out_dir = Path(out_dir).resolve()
    data = {"train": _fingerprint(train), "held_out": _fingerprint(held_out)}
    if recipe.stages[0].kind == StageKind.FORECAST:
        series = series or (question_series(train), question_series(held_out))
        data["series"] = {"train": series_fingerprint(series[0]), "held_out": series_fingerprint(series[1])}
    initial = initial_checkpoint(recipe.model) if recipe.model.init else None  # refused before --out is claimed
    _claim_output(recipe, data, out_dir, resume, accelerator)
    bases, described = prepare_bases(recipe, train, held_out, out_dir, accelerator)
    evaluation = evaluation_subset(held_out, recipe.eval.max_samples, recipe.seed)
    # CPU processes of a multi-process run get "cpu:N", which safetensors refuses; there is one CPU device anyway.
    device = torch.device("cpu") if accelerator.device.type == "cpu" else accelerator.device
    previous, trained_encoder = initial, None
    for index, stage in enumerate(recipe.stages):
        stage_dir = out_dir / stage.kind
        if stage.kind == StageKind.FORECAST:
            final = stage_dir / FINAL_DIR
            if not final.is_dir():
                set_seed(recipe.seed + index)
                run_forecast_stage(bases[0], stage, series, stage_dir, accelerator, recipe.seed, resume, device)
            bases, trained_encoder = (str(final), bases[1]), final
            continue
        if (stage_dir / FINAL_DIR).is_dir():
            previous = stage_dir / FINAL_DIR
            if evaluation:
                _evaluate_final_once(previous, stage.kind, out_dir / LOG_FILE, evaluation, recipe, device, bf16,
                                     accelerator)
            continue
        if stage.kind == StageKind.ALIGN and recipe.model.modality == Modality.PLOT:
            print("[align] skipped: a plot-only model shows no series tokens, so the adapter is never used",
                  file=sys.stderr)
            continue
        set_seed(recipe.seed + index)
        model = stage_model(recipe.model, stage, bases, previous, device, torch.bfloat16 if bf16 else torch.float32)
        on_disk = recipe.model.encoder_cache_on_disk and model.encoder is not None
        builder = InputBuilder.for_model(model, out_dir / ENCODER_CACHE_DIR if on_disk else None)
        evaluate = None
        if evaluation:  # the engine shares the stage's builder, and so its encoder cache
            evaluate = partial(_held_out, builder=builder, samples=evaluation, batch_size=recipe.eval.batch_size,
                               modality=recipe.model.modality)
        samples = train + described if stage.descriptive_targets else train
        if stage.descriptive_targets:
            print(f"[{stage.kind}] {len(described)} descriptive targets, {len(train)} questions", file=sys.stderr)
        run = StageRun(model, stage, samples, stage_dir, accelerator, recipe.seed, evaluate, recipe.model.modality,
                       builder)
        previous = run.run(resume=resume).final_dir
    return previous or trained_encoder
