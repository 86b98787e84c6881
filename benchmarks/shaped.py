"""An ARFBench-shaped question set for throughput benchmarks: many questions over few series, as the benchmark has
(750 questions over 142 series: each series is asked about about five times, and a fifth of the questions are about
a pair).

The questions are the synthetic generator's, of all eight categories in turn; each is moved onto one of the shared
series (tier-3 questions onto one of 30 shared pairs). The answers no longer match the series: this set measures
time, not accuracy.
"""

import random

from tsqa.arfbench.schema import Sample
from tsqa.arfbench.synth import generate


def arfbench_shaped(questions: int = 750, series_count: int = 142, pairs: int = 30, seed: int = 0) -> list[Sample]:
    templates = generate(questions, seed=seed)
    pool = [s.series[0] for s in generate(series_count, seed=seed + 1)]
    rng = random.Random(seed)
    shared_pairs = [[pool[a], pool[b]] for a, b in (rng.sample(range(len(pool)), 2) for _ in range(pairs))]
    shaped = []
    for k, template in enumerate(templates):
        group = rng.choice(shared_pairs) if len(template.series) == 2 else [pool[k % len(pool)]]
        shaped.append(Sample(f"q{k}", ", ".join(s.name for s in group), template.category, template.question,
                             template.options, template.answer, group))  # fmt: skip
    return shaped


def unique_series(samples: list[Sample]) -> int:
    """Distinct series (by name: each shared series keeps its own)."""
    return len({series.name for sample in samples for series in sample.series})


def unique_charts(samples: list[Sample]) -> int:
    """Distinct images: one per single series, one per pair (drawn stacked)."""
    return len({tuple(series.name for series in sample.series) for sample in samples})
