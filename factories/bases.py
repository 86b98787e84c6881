"""Base models that are made, not downloaded (`factories.hub.locate` finds any model reference's local directory).

A recipe's `tiny` encoder and `tiny:<family>` VLM are built offline into a run's `base/` folder at its start (and
reused when it resumes), the VLM's tokenizer trained on the run's own text. A built VLM such as `smollm2:smolvlm`
(real SmolLM2 weights, `factories.smollm2`) is built once into the tsqa cache and kept by its name, which
checkpoints record. Hub resolution (`factories.hub.resolve`) finds models and builds none; building happens here.
"""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tsqa.arfbench.atomic import atomic_folder
from tsqa.arfbench.schema import Sample
from tsqa.factories.hub import is_built, locate

if TYPE_CHECKING:
    from tsqa.factories.sizes import TinySizes

TINY = "tiny"


def run_corpus(samples: Iterable[Sample], system_prompt: str) -> list[str]:
    """The text a tiny VLM's tokenizer will meet: the defaults, the system prompt, the questions and options."""
    from tsqa.factories.tiny_vlm import DEFAULT_CORPUS

    samples = list(samples)
    questions = [s.question for s in samples]
    options = [o for s in samples for o in s.options]
    return list(dict.fromkeys([*DEFAULT_CORPUS, system_prompt, *questions, *options]))


def build_bases(
    encoder: str,
    vlm: str,
    base: Path,
    corpus: Callable[[], list[str]],
    seed: int = 0,
    tiny_encoder: dict | None = None,
    tiny_vlm: "TinySizes | None" = None,
    main_process: bool = True,
) -> tuple[str, str]:
    """(encoder id, VLM id) to load: the given references, with `tiny` ones replaced by the paths of the models built
    under `base` (`corpus()` gives a tiny VLM's tokenizer text), and built specs built into the cache. Only the main
    process builds; the others wait for it (the caller's barrier) and read the same paths."""
    if encoder == TINY:
        from tsqa.factories.tiny_toto import save_tiny_toto

        encoder = _built(base / "encoder", main_process, lambda d: save_tiny_toto(d, seed, **(tiny_encoder or {})))
    if vlm.startswith(f"{TINY}:"):
        from tsqa.factories.tiny_vlm import save_tiny_vlm

        family = vlm.removeprefix(f"{TINY}:")
        vlm = _built(
            base / "vlm", main_process, lambda d: save_tiny_vlm(family, d, corpus(), seed=seed, sizes=tiny_vlm)
        )
    elif is_built(vlm) and main_process:
        locate(vlm)  # built into the cache before the other processes read it
    return encoder, vlm


def _built(directory: Path, main_process: bool, save: Callable[[Path], object]) -> str:
    """Builds once (on the main process), aside and then renamed, so an interrupted build is never reused."""
    if main_process and not directory.is_dir():
        with atomic_folder(directory) as partial:
            save(partial)
    return str(directory)
