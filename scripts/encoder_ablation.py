"""What a learned encoder adds: the tiny recipe trained with the same data, steps and seed in each arm, only the
encoder or the adapter's inputs changed, then every arm evaluated on the same fresh question sets.

Arms: `random` (the random Toto the small Toto was pretrained from, `both` inputs), `pretrained` (tsqa/toto_small,
`both`), `pretrained-toto` (its embeddings and surprise only, `model.adapter.inputs=toto`), `features` (parameter-free
features only, `model.adapter.inputs=features`: no encoder weight can matter).

    python scripts/encoder_ablation.py --arm random --random-toto /tmp/toto-run/base/encoder \\
        --train /tmp/abl/train --eval /tmp/abl/d2027 /tmp/abl/s2027 ... --work /tmp/abl
    python scripts/score_table.py /tmp/abl/results/d*.csv   # the table, pooled over seeds

Each arm is one process (arms can run side by side); a rerun resumes the training run and the results files.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from tsqa.forecasting import BUNDLED_TOTO

ARMS = {"random": ("random", "both"), "pretrained": ("pretrained", "both"), "pretrained-toto": ("pretrained", "toto"),
        "features": ("random", "features")}


def tsqa(*args: str) -> None:
    command = [sys.executable, "-m", "tsqa", *args]
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arm", choices=sorted(ARMS), required=True)
    parser.add_argument("--random-toto", type=Path, required=True, help="the random Toto pretraining started from")
    parser.add_argument("--train", type=Path, required=True, help="training questions (ARFBench layout)")
    parser.add_argument("--eval", type=Path, nargs="+", required=True, help="fresh question sets")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--set", action="append", default=[], dest="overrides", help="more recipe overrides")
    args = parser.parse_args()
    encoder, inputs = ARMS[args.arm]
    toto = args.random_toto if encoder == "random" else BUNDLED_TOTO
    run = args.work / "runs" / args.arm
    train = ["train", "--recipe", "tiny", "--data", str(args.train), "--out", str(run),
             "--set", f"model.encoder={toto.resolve()}", "--set", f"model.adapter.inputs={inputs}",
             "--set", "eval.max_samples=0", *(f"--set={o}" for o in args.overrides)]
    if (run / "recipe.json").is_file():
        train.append("--resume")
    tsqa(*train)
    for data in args.eval:
        out = args.work / "results" / f"{data.name}-{args.arm}.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        tsqa("eval", "--model", str(run / "sft" / "final"), "--data", str(data), "--out", str(out),
             "--name", args.arm, "--no-progress")


if __name__ == "__main__":
    main()
