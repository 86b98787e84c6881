"""`tsqa synth`: write a synthetic ARFBench-style dataset (series, questions, plots) and report its balance."""

import argparse

from tsqa.arfbench.synth.profile import PROFILES

HELP = "Generate synthetic incident questions in the ARFBench layout."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--n", type=int, default=1000, help="number of questions (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed writes the same files")
    parser.add_argument("--no-images", action="store_true", help="skip rendering the PNG plots (much faster)")
    parser.add_argument("--categories", default=None, help="comma-separated categories (default: all eight)")
    parser.add_argument("--coarser", type=int, default=1, help="also write each series at this many coarser intervals")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing dataset in --out")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="default",
                        help="generator settings: default; shifted (other intervals, lengths, channel counts and "
                             "channel names, for measuring how methods hold up off the default data); or real (the "
                             "real questions' short, wide windows with flat, quantised and missing channels)")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from tsqa.arfbench.synth import answer_summary, format_summary, generate_questions
    from tsqa.arfbench.writer import write_dataset

    categories = [c.strip() for c in args.categories.split(",")] if args.categories else None
    light = []  # the questions without their series, for the summary

    def stream():
        for generated in generate_questions(
            args.n, args.seed, categories=categories, progress=True, profile=PROFILES[args.profile]
        ):
            light.append(replace(generated.sample, series=[]))
            yield generated.sample

    csv_path = write_dataset(
        stream(), args.out, coarser=args.coarser, images=not args.no_images, overwrite=args.overwrite
    )
    print(format_summary(answer_summary(light)))
    print(f"wrote {len(light)} questions to {csv_path.parent}")
    return 0
