"""Rebuild the bundled demo checkpoint `tsqa/demo_model/`: synthetic data, the tiny recipe, then one self-contained
directory (the trained adapter and LoRA beside copies of the tiny random base models they were trained on).

    .venv/bin/python scripts/build_demo_model.py --work /tmp/demo   (about an hour on a 2-core CPU)

The tiny recipe is series only, so the data is generated without plots.
"""

import argparse
import json
import shutil
from pathlib import Path

from tsqa import DEMO_MODEL
from tsqa.arfbench.atomic import atomic_folder
from tsqa.cli import main as tsqa

CONFIG = "tsqa_config.json"


def bundle(final: Path, base: Path, out: Path) -> None:
    """Copy `final` and the base models into `out`, the config pointing at them by relative paths."""
    with atomic_folder(out) as staging:
        shutil.copytree(final, staging, dirs_exist_ok=True)
        config = json.loads((staging / CONFIG).read_text())
        for role in ("encoder", "vlm"):
            shutil.copytree(base / role, staging / role)
            config[role] = role
        (staging / CONFIG).write_text(json.dumps(config, indent=2) + "\n")
        lora = staging / "lora" / "adapter_config.json"
        settings = json.loads(lora.read_text())
        settings["base_model_name_or_path"] = "vlm"  # not the build machine's path; the bridge passes the model itself
        lora.write_text(json.dumps(settings, indent=2) + "\n")
        for card in staging.rglob("README.md"):  # generated model cards naming build-machine paths
            card.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="scratch directory for data and the training run")
    parser.add_argument("--n", type=int, default=32000, help="synthetic training questions (default 32000)")
    parser.add_argument("--seed", type=int, default=5, help="data seed (default 5)")
    parser.add_argument("--skip-training", action="store_true", help="bundle an existing run in --work")
    args = parser.parse_args()
    data, run = args.work / "train", args.work / "run"
    if not args.skip_training:
        synth = ["synth", "--out", str(data), "--n", str(args.n), "--seed", str(args.seed), "--no-images"]
        if tsqa([*synth, "--overwrite"]):
            raise SystemExit("tsqa synth failed")
        if tsqa(["train", "--recipe", "tiny", "--data", str(data), "--out", str(run)]):
            raise SystemExit("tsqa train failed")
    bundle(run / "sft" / "final", run / "base", DEMO_MODEL)
    print(f"demo checkpoint written to {DEMO_MODEL}")


if __name__ == "__main__":
    main()
