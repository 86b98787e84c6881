"""Tiny random base models for recipes that name `tiny` (encoder) or `tiny:<family>` (VLM): built offline into
`<out>/base/` at the start of a run (and reused when it resumes), the VLM's tokenizer trained on the run's own text.
A built VLM such as `smollm2:smolvlm` (real SmolLM2 weights, `bridges.smollm2`) is built once into the tsqa cache and
kept by its name, which checkpoints record."""

import shutil
from collections.abc import Callable
from pathlib import Path

from accelerate import Accelerator

from tsqa.arfbench.schema import Sample
from tsqa.bridges.hub import BUILT_PREFIXES, resolve
from tsqa.training.config import Recipe

BASE_DIR = "base"
TINY = "tiny"


def _corpus(samples: list[Sample], system_prompt: str) -> list[str]:
    """The text the tokenizer will meet: the bridge's defaults, the system prompt, the questions and options."""
    from tsqa.bridges.tiny import DEFAULT_CORPUS

    questions = [s.question for s in samples]
    options = [o for s in samples for o in s.options]
    return list(dict.fromkeys([*DEFAULT_CORPUS, system_prompt, *questions, *options]))


def build_tiny_bases(recipe: Recipe, out_dir: Path, samples: list[Sample], accelerator: Accelerator) -> tuple[str, str]:
    """(encoder id, VLM id) to load: the recipe's own, or the paths of the tiny models built here."""
    encoder, vlm = recipe.model.encoder, recipe.model.vlm
    base = out_dir / BASE_DIR
    if encoder == TINY:
        from tsqa.encoders.tiny import save_tiny_toto

        encoder = _built(
            base / "encoder", accelerator, lambda d: save_tiny_toto(d, recipe.seed, **recipe.model.tiny_encoder)
        )
    if vlm.startswith(f"{TINY}:"):
        from tsqa.bridges.tiny import save_tiny_vlm

        family = vlm.removeprefix(f"{TINY}:")
        corpus = _corpus(samples, recipe.model.prompt.system)
        vlm = _built(
            base / "vlm", accelerator,
            lambda d: save_tiny_vlm(family, d, corpus, seed=recipe.seed, sizes=recipe.model.tiny_vlm),
        )
    elif vlm.startswith(BUILT_PREFIXES):
        if accelerator.is_main_process:
            resolve(vlm)  # built into the cache before the other processes read it
    accelerator.wait_for_everyone()
    return encoder, vlm


def _built(directory: Path, accelerator: Accelerator, save: Callable[[Path], object]) -> str:
    """Builds once (on the main process), aside and then renamed, so an interrupted build is never reused."""
    if accelerator.is_main_process and not directory.is_dir():
        partial = directory.with_name(directory.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        save(partial)
        partial.rename(directory)
    return str(directory)
