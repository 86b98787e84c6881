"""Rebuild the bundled demo checkpoint `tsqa/demo_model/`: training questions, the tiny recipe on the bundled
pretrained small Toto (`tsqa/toto_small/`), then one self-contained directory (the trained adapter and LoRA beside a
copy of the tiny random VLM they were trained on; the encoder is the bundled Toto, referenced, not copied).

    .venv/bin/python scripts/build_demo_model.py --work /tmp/demo                 # synthetic questions only
    .venv/bin/python scripts/build_demo_model.py --work /tmp/demo --real /work/realbench/*/train
    .venv/bin/python scripts/build_demo_model.py --work /tmp/demo --run RUN       # bundle a finished training run
    .venv/bin/python scripts/build_demo_model.py --work /tmp/demo --init demo --n 6000 --seed 21 --real ...

The tiny recipe is series only, so the data is generated without plots. `--real` adds training splits in ARFBench's
layout (scripts/build_realbench.py) to the synthetic questions; `--real-profile N` makes N of the synthetic questions
with `tsqa synth --profile real` (the real series' texture) instead of the default settings. `--init CHECKPOINT`
goes on from a trained checkpoint (`demo`: the bundled one) with the `tiny-finetune` recipe, one sft pass over the
data, instead of training from fresh bases.
"""

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tsqa import DEMO_MODEL
from tsqa.arfbench.atomic import atomic_folder
from tsqa.cli import main as tsqa
from tsqa.factories.hub import resolve
from tsqa.forecasting import BUNDLED_TOTO

CONFIG = "tsqa_config.json"


def is_bundled_toto(encoder: Path) -> bool:
    """The bundled Toto, or a copy of it (a checkpoint extracted elsewhere with its encoder beside it)."""
    names = ("config.json", "model.safetensors")
    return all((encoder / n).is_file() and filecmp.cmp(encoder / n, BUNDLED_TOTO / n, shallow=False) for n in names)


def bundle(final: Path, out: Path) -> None:
    """Copy `final` and the VLM it names into `out`, the config pointing at them (and at the bundled Toto) by relative
    paths."""
    with atomic_folder(out) as staging:
        shutil.copytree(final, staging, dirs_exist_ok=True)
        config = json.loads((staging / CONFIG).read_text())
        shutil.copytree(resolve(config["vlm"], final), staging / "vlm")
        config["vlm"] = "vlm"
        encoder = resolve(config["encoder"], final).resolve()
        if is_bundled_toto(encoder):
            config["encoder"] = Path(os.path.relpath(BUNDLED_TOTO, out)).as_posix()
        else:
            shutil.copytree(encoder, staging / "encoder")
            config["encoder"] = "encoder"
        (staging / CONFIG).write_text(json.dumps(config, indent=2) + "\n")
        lora = staging / "lora" / "adapter_config.json"
        settings = json.loads(lora.read_text())
        settings["base_model_name_or_path"] = "vlm"  # not the build machine's path; the bridge passes the model itself
        lora.write_text(json.dumps(settings, indent=2) + "\n")
        for card in staging.rglob("README.md"):  # generated model cards naming build-machine paths
            card.unlink()


def run_tsqa(*args: str) -> None:
    if tsqa(list(args)):
        raise SystemExit(f"tsqa {args[0]} failed")


def training_data(work: Path, n: int, seed: int, real_profile: int, real: list[Path]) -> Path:
    """`n` synthetic questions (the last `real_profile` of them in the real series' texture) plus the `real` splits."""
    parts = []
    default = work / "synthetic"
    run_tsqa("synth", "--out", str(default), "--n", str(n - real_profile), "--seed", str(seed), "--no-images",
             "--overwrite")
    parts.append(str(default))
    if real_profile:
        textured = work / "synthetic-real-profile"
        run_tsqa("synth", "--out", str(textured), "--n", str(real_profile), "--seed", str(seed + 1), "--no-images",
                 "--profile", "real", "--overwrite")
        parts.append(str(textured))
    if not real and len(parts) == 1:
        return default
    merged = work / "train"
    shutil.rmtree(merged, ignore_errors=True)
    merge = Path(__file__).with_name("merge_datasets.py")
    subprocess.run([sys.executable, str(merge), "--out", str(merged), *parts, *map(str, real)], check=True)
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="scratch directory for data and the training run")
    parser.add_argument("--n", type=int, default=32000, help="synthetic training questions (default 32000)")
    parser.add_argument("--seed", type=int, default=5, help="data seed (default 5)")
    parser.add_argument("--real-profile", type=int, default=0, help="how many of them with --profile real")
    parser.add_argument("--real", type=Path, nargs="*", default=[], help="real training splits to add")
    parser.add_argument("--max-steps", type=int, default=0, help="sft optimizer steps (default: one epoch)")
    parser.add_argument("--init", help="go on from this checkpoint ('demo': the bundled one) with tiny-finetune")
    parser.add_argument("--run", type=Path, help="bundle this finished training run instead of training one")
    parser.add_argument("--out", type=Path, default=DEMO_MODEL, help="where the bundle goes (default: the package's demo)")
    args = parser.parse_args()
    run = args.run or args.work / "run"
    if args.run is None:
        data = training_data(args.work, args.n, args.seed, args.real_profile, args.real)
        if args.init:
            recipe = ["--recipe", "tiny-finetune", "--init", args.init, "--set", f"stages.0.max_steps={args.max_steps}"]
        else:
            recipe = ["--recipe", "tiny", "--set", f"model.encoder={BUNDLED_TOTO.resolve()}",
                      "--set", f"stages.1.max_steps={args.max_steps}"]
        run_tsqa("train", *recipe, "--data", str(data), "--out", str(run), "--set", "eval.holdout_fraction=0.0",
                 "--set", "eval.max_samples=0")
    bundle(run / "sft" / "final", args.out)
    print(f"demo checkpoint written to {args.out}")


if __name__ == "__main__":
    main()
