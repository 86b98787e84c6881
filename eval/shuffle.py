"""Options are shuffled before a model sees them (as ARFBench does), deterministically per question and seed."""

import dataclasses
import random

from tsqa.arfbench import Sample


def question_rng(seed: int, sample_id: str) -> random.Random:
    """A generator that depends only on the seed and the question, so reruns and resumed runs draw the same."""
    return random.Random(f"{seed}:{sample_id}")


def shuffled_options(sample: Sample, seed: int) -> Sample:
    """A copy of `sample` whose options are in a seeded random order."""
    options = list(sample.options)
    question_rng(seed, sample.id).shuffle(options)
    return dataclasses.replace(sample, options=options)
