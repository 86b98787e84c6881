"""The synthetic incident generator: balanced categories, answer classes and correct-option positions, one
independent random stream per question (so a question depends only on the seed and its index)."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from tsqa.arfbench import categories as cat
from tsqa.arfbench import options as opt
from tsqa.arfbench.layout import join_query_group
from tsqa.arfbench.schema import Sample
from tsqa.arfbench.synth import pairs, questions
from tsqa.arfbench.synth.phrasing import phrase_question
from tsqa.arfbench.synth.profile import DEFAULT, Profile
from tsqa.arfbench.synth.questions import CLASSES, Context, Draft
from tsqa.arfbench.synth.scene import describe, series_meta

BUILDERS = {
    cat.PRESENCE: questions.presence,
    cat.START: questions.start,
    cat.END: questions.end,
    cat.CATEGORIZATION: questions.categorization,
    cat.MAGNITUDE: questions.magnitude,
    cat.IDENTIFICATION: questions.identification,
    cat.CORRELATION: pairs.correlation,
    cat.INDICATOR: pairs.indicator,
}
HARDER_KINDS = (opt.SEASONALITY, opt.VARIANCE)


@dataclass
class Generated:
    sample: Sample
    baselines: list[np.ndarray]  # per series, (time, channels): the same values without the anomaly


class BalancedDraw:
    """Draws from `items` in shuffled rounds holding each item once, so counts never differ by more than one.

    `next_among` serves callers for whom only some items are possible (a labelled anomaly allows few answer classes):
    the least drawn of those, ties broken at random, which keeps the counts as even as the constraints allow.
    """

    def __init__(self, rng: np.random.Generator, items: Sequence) -> None:
        self.rng, self.items, self.queue = rng, list(items), []
        self.counts = dict.fromkeys(self.items, 0)

    def next(self):
        if not self.queue:
            self.queue = [int(i) for i in self.rng.permutation(len(self.items))]
        item = self.items[self.queue.pop()]
        self.counts[item] += 1
        return item

    def next_among(self, allowed: Sequence):
        candidates = [item for item in self.items if item in allowed]
        if not candidates:
            raise ValueError(f"none of {list(allowed)} is among {self.items}")
        fewest = min(self.counts[item] for item in candidates)
        ties = [item for item in candidates if self.counts[item] == fewest]
        item = ties[int(self.rng.integers(len(ties)))] if len(ties) > 1 else ties[0]
        self.counts[item] += 1
        return item


def _difficulty(draft: Draft) -> str:
    """easy / medium / hard from the anomaly's size against the noise of the channels it is on."""
    anomalies = [(s, s.anomaly) for s in draft.scenes if s.anomaly is not None]
    if not anomalies:
        return "medium"
    scene, anomaly = anomalies[0]
    ratio = anomaly.magnitude_pct / 100 / float(np.median(scene.noise[anomaly.channels]))
    ratio /= 1.5 if anomaly.kind in HARDER_KINDS else 1.0
    return "easy" if ratio >= 6 else "medium" if ratio >= 2.5 else "hard"


def _place_answer(rng: np.random.Generator, draft: Draft, position: int) -> list[str]:
    others = [o for o in draft.options if o != draft.answer]
    rng.shuffle(others)
    return others[:position] + [draft.answer] + others[position:]


def make_question(
    seed: int, index: int, category: str, answer_class: str, position: int, profile: Profile = DEFAULT
) -> Generated:
    """Question `index` of the dataset for `seed`, of the given category, answer class and correct position."""
    rng = np.random.default_rng([seed, index])
    draft = BUILDERS[category](Context(rng, f"s{seed}-{index:06d}", profile), answer_class)
    generator = {"seed": seed, "index": index} | ({} if profile is DEFAULT else {"profile": profile.name})
    sample = finish_question(rng, draft, category, answer_class, position, index, generator)
    return Generated(sample, [s.baseline for s in draft.scenes])


def finish_question(
    rng: np.random.Generator, draft: Draft, category: str, answer_class: str, position: int, index: int,
    generator: dict,
) -> Sample:
    """The question of a draft: the correct option moved to `position`, a phrasing, and the ground truth in meta."""
    options = _place_answer(rng, draft, position)
    query_group = join_query_group([s.series.name for s in draft.scenes])
    meta = {
        "difficulty": _difficulty(draft),
        "answer_class": answer_class,
        "generator": generator,
        "series": [series_meta(s) for s in draft.scenes],
        "description": "; ".join(describe(s) for s in draft.scenes),
        **draft.extra,
    }
    if draft.relation is not None:
        meta["relation"] = draft.relation
    return Sample(
        id=f"{query_group}#{index}",
        query_group=query_group,
        category=category,
        question=phrase_question(rng, category, [s.caption for s in draft.scenes]),
        options=options,
        answer=draft.answer,
        series=[s.series for s in draft.scenes],
        meta=meta,
    )


def generate_questions(
    n: int, seed: int, *, categories: Sequence[str] | None = None, progress: bool = False, profile: Profile = DEFAULT
) -> Iterator[Generated]:
    """Yield `n` questions (with their no-anomaly baselines) one at a time, so large sets stream to disk.
    `profile` sets intervals, lengths, channel counts and names (`arfbench.synth.profile`)."""
    if n < 0 or seed < 0:
        raise ValueError(f"n and seed must be >= 0, got n={n}, seed={seed}")
    chosen = list(categories or cat.CATEGORIES)
    unknown = [c for c in chosen if c not in cat.TIER_OF]
    if unknown:
        raise ValueError(f"unknown categories {unknown}; expected some of {list(cat.CATEGORIES)}")
    master = np.random.default_rng(seed)
    category_draw = BalancedDraw(master, chosen)
    class_draws = {c: BalancedDraw(master, CLASSES[c]) for c in chosen}
    position_draws = {c: BalancedDraw(master, range(cat.OPTION_COUNT[c])) for c in chosen}
    for index in tqdm(range(n), desc="generating", unit="question", disable=not progress):
        category = category_draw.next()
        answer_class, position = class_draws[category].next(), position_draws[category].next()
        yield make_question(seed, index, category, answer_class, position, profile)


def generate(
    n: int, seed: int, *, categories: Sequence[str] | None = None, progress: bool = False, profile: Profile = DEFAULT
) -> list[Sample]:
    """`n` synthetic questions in memory, balanced over `categories` (default: all eight)."""
    return [g.sample for g in generate_questions(n, seed, categories=categories, progress=progress, profile=profile)]
