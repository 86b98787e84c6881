"""Questions of all eight categories about labelled real incidents, with the synthetic generator's option rules,
answer-class and position balancing, phrasing and ground-truth metadata.

The generator places an anomaly where the answer class it wants puts it; here the anomaly is where a person marked it,
so the options are drawn around it instead (the timestamp options pinned at its onset or end, the four sizes shown
around its size, the listed channels around its channels). Each series (or marked pair) gets up to `per_unit`
questions per category, each of another answer class it allows; among the classes it allows, the one drawn least so
far is taken, so the set is as balanced as the labels permit. Several windows on one series count as one incident:
it starts at the earliest onset, ends at the latest recovery, is as large as its largest window and covers the union
of their channels; windows of different kinds (or of kind Other) give no categorization question.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tsqa.arfbench import categories as cat
from tsqa.arfbench import options as opt
from tsqa.arfbench.answer_classes import END_CLASSES, MAGNITUDE_CLASSES, START_CLASSES, answer_class
from tsqa.arfbench.deviation import level_and_noise
from tsqa.arfbench.incident_labels import LABELS_FILE, OTHER, place_window
from tsqa.arfbench.schema import Sample, Series
from tsqa.arfbench.synth import pairs, questions
from tsqa.arfbench.synth.anomalies import Anomaly
from tsqa.arfbench.synth.generate import BalancedDraw, finish_question
from tsqa.arfbench.synth.questions import CLASSES, MAGNITUDES, Context, Draft
from tsqa.arfbench.synth.scene import Drafted
from tsqa.arfbench.synth.timeline import can_space

RELATION_OF_MARK = {  # the pair's mark, seen in its stored order and swapped
    "first_leads": (pairs.LEADING, pairs.LAGGING),
    "second_leads": (pairs.LAGGING, pairs.LEADING),
    "simultaneous": (pairs.SIMULTANEOUS, pairs.SIMULTANEOUS),
    "unrelated": (pairs.UNCORRELATED, pairs.UNCORRELATED),
}


@dataclass
class LabelledQuestions:
    samples: list[Sample] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<series>: <category>: why no question could be asked"


def _combined(series: Series, windows: list[dict], where: str) -> tuple[Anomaly, np.ndarray]:
    """(the incident as one anomaly, (time, channels) True inside its windows)."""
    mask = np.zeros(series.values.shape, dtype=bool)
    placed = []
    for i, window in enumerate(windows):
        onset, stop, channels = place_window(window, series, f"{where}, window {i}")
        mask[onset : stop if stop is not None else None, channels] = True
        placed.append((onset, stop, channels, window))
    kinds = {w["kind"] for *_, w in placed}
    largest = max(placed, key=lambda p: p[3]["magnitude_pct"])[3]
    began_before = any(w["start"] is None for *_, w in placed)
    anomaly = Anomaly(
        kind=kinds.pop() if len(kinds) == 1 else OTHER,
        onset=min(p[0] for p in placed),
        end=None if any(p[1] is None for p in placed) else max(p[1] for p in placed),
        magnitude_pct=largest["magnitude_pct"],
        direction=1 if largest["direction"] == "up" else -1,
        channels=sorted({c for p in placed for c in p[2]}),
        before_window=int(began_before),
    )
    return anomaly, mask


def labelled_scene(series: Series, label: dict, caption: str, where: str) -> Drafted:
    """A labelled series as the builders' scene: its incident, and each channel's normal level and noise."""
    if label["windows"]:
        anomaly, mask = _combined(series, label["windows"], where)
    else:
        anomaly, mask = None, np.zeros(series.values.shape, dtype=bool)
    levels, noise = level_and_noise(series.values, mask)
    return Drafted(series, None, None, None, label["caption"] or caption, levels, noise, anomaly)


def _nearest_size(magnitude_pct: float) -> int:
    """Index of the option size closest to `magnitude_pct` on a log scale (sizes double from one to the next)."""
    return int(np.argmin(np.abs(np.log(np.asarray(MAGNITUDES, dtype=float)) - np.log(magnitude_pct))))


class _Unit:
    """One labelled series, or a marked pair: which answer classes each category allows, and the draft of each."""

    def __init__(self, scenes: list[Drafted], mark: str | None = None) -> None:
        self.scenes, self.mark = scenes, mark
        self.name = ", ".join(s.series.name for s in scenes)

    @property
    def anomaly(self) -> Anomaly | None:
        return self.scenes[0].anomaly

    @property
    def steps(self) -> int:
        return len(self.scenes[0].series.timestamps)

    def _start_configs(self, answer_class: str) -> list[tuple[bool, tuple[int, int] | None]]:
        """(with "Before the earliest timestamp", pinned (rank, step) or None) settings that make `answer_class`."""
        a = self.anomaly
        low, high, gap = questions.start_bounds(self.steps)
        if a is None or a.before_window:
            wanted = "no_anomaly" if a is None else "earliest"
            befores = (False, True) if a is None else (True,)
            fits = [(b, None) for b in befores if can_space(low, high, questions.stamp_count(b), gap)]
            return fits if answer_class == wanted else []
        index = START_CLASSES.index(answer_class) if answer_class in START_CLASSES else -1
        configs = [(b, (index - int(b), a.onset)) for b in (False, True) if index - int(b) >= 0]
        return [(b, pin) for b, pin in configs if can_space(low, high, questions.stamp_count(b), gap, pin)]

    def _end_configs(self, answer_class: str) -> list[tuple[bool, int | None, tuple[int, int] | None]]:
        """(with "Not resolved", lowest timestamp step or None, pinned (rank, step) or None) settings."""
        a, count = self.anomaly, questions.stamp_count
        low, high, gap = questions.end_bounds(self.steps)
        if a is None:
            fits = [(u, None, None) for u in (False, True) if can_space(low, high, count(u), gap)]
            return fits if answer_class == "no_anomaly" else []
        if a.end is None:
            fits = can_space(a.onset + 1, high, count(True), gap) and answer_class == "latest"
            return [(True, a.onset + 1, None)] if fits else []
        index = END_CLASSES.index(answer_class) if answer_class in END_CLASSES else -1
        configs = [(u, (index, a.end)) for u in (False, True) if 0 <= index < count(u)]
        return [(u, None, pin) for u, pin in configs if can_space(low, high, count(u), gap, pin)]

    def _identification_classes(self) -> list[str]:
        names = self.scenes[0].series.channels
        anomalous = self.anomaly.channels if self.anomaly else []
        normal = [c for c in range(len(names)) if c not in anomalous]
        found = []
        if len(normal) >= 3:
            found.append("no_anomaly")
        if len(anomalous) == 1 and len(normal) >= 2:
            mine = names[anomalous[0]]
            found += ["one_channel_small"] if any(names[n] > mine for n in normal) else []
            found += ["one_channel_large"] if any(names[n] < mine for n in normal) else []
        if len(anomalous) == 2 and normal:
            found.append("two_channel")
        if len(anomalous) == 3:
            found.append("three_channel")
        return found

    def _pair_relations(self) -> list[tuple[str, list[Drafted]]]:
        """(relation, scenes in that order) for the pair as marked and swapped."""
        found = []
        for swapped, scenes in ((0, self.scenes), (1, self.scenes[::-1])):
            first, second = (s.anomaly is not None for s in scenes)
            if first and second:
                relation = RELATION_OF_MARK[self.mark][swapped]
            else:
                relation = pairs.ONLY_FIRST if first else pairs.ONLY_SECOND if second else pairs.NEITHER
            found.append((relation, scenes))
        return found

    def classes(self, category: str) -> tuple[list[str], str]:
        """(the answer classes this unit allows in `category`, why there are none when empty)."""
        a = self.anomaly
        if category in cat.PAIRED:
            if len(self.scenes) != 2:
                return [], "needs a pair"
            answers = {pairs.ANSWER_OF_RELATION[category][r] for r, _ in self._pair_relations()}
            return [c for c in CLASSES[category] if c in answers], ""
        if len(self.scenes) != 1:
            return [], "needs one series"
        if category == cat.PRESENCE:
            return [opt.PRESENCE_YES if a else opt.PRESENCE_NO], ""
        if category == cat.START:
            found = [c for c in CLASSES[category] if self._start_configs(c)]
            return found, "the series is too short, or the onset too close to its end, for spaced timestamp options"
        if category == cat.END:
            found = [c for c in CLASSES[category] if self._end_configs(c)]
            return found, "the series is too short, or the onset too close to its end, for spaced timestamp options"
        if category == cat.CATEGORIZATION:
            if a is not None and a.kind not in opt.ANOMALY_KINDS:
                return [], "the windows' kind is Other, or they differ: no single option names it"
            return [questions.categorization_class(a.kind) if a else opt.NO_ANOMALY], ""
        if category == cat.MAGNITUDE:
            if a is None:
                return ["no_anomaly"], ""
            index = _nearest_size(a.magnitude_pct)
            ranks = [r for r in range(4) if 0 <= index - r <= len(MAGNITUDES) - 4]
            return [MAGNITUDE_CLASSES[r] for r in ranks], ""
        if category == cat.IDENTIFICATION:
            found = self._identification_classes()
            return found, "needs 3 or more channels, at most 3 of them anomalous, and enough normal ones to list"
        raise ValueError(f"unknown category {category!r}")

    def draft(self, category: str, ctx: Context, answer_class: str) -> Draft:
        rng, a, scene = ctx.rng, self.anomaly, self.scenes[0]
        if category in cat.PAIRED:
            relation, scenes = next((r, s) for r, s in self._pair_relations()
                                    if pairs.ANSWER_OF_RELATION[category][r] == answer_class)
            both = all(s.anomaly is not None for s in scenes)
            lag = int(scenes[1].series.timestamps[scenes[1].anomaly.onset]
                      - scenes[0].series.timestamps[scenes[0].anomaly.onset]) if both else 0
            extra = {"lag_steps": round(lag / scenes[0].series.interval), "lag_seconds": lag}
            return pairs.pair_question(category, relation, list(scenes), extra)
        if category == cat.PRESENCE:
            return Draft([opt.PRESENCE_YES, opt.PRESENCE_NO], answer_class, [scene])
        if category == cat.START:
            configs = self._start_configs(answer_class)
            with_before, pin = configs[int(rng.random() < 0.5)] if len(configs) == 2 else configs[0]
            stamps = questions.start_stamps(ctx, with_before, pin)
            answer = opt.NO_ANOMALY if a is None else opt.BEFORE_EARLIEST if pin is None else ctx.stamp(a.onset)
            return Draft(questions.start_options(ctx, with_before, stamps), answer, [scene])
        if category == cat.END:
            configs = self._end_configs(answer_class)
            with_unresolved, low, pin = configs[int(rng.random() < 0.5)] if len(configs) == 2 else configs[0]
            stamps = questions.end_stamps(ctx, with_unresolved, low, pin)
            answer = opt.NO_ANOMALY if a is None else opt.NOT_RESOLVED if a.end is None else ctx.stamp(a.end)
            return Draft(questions.end_options(ctx, with_unresolved, stamps), answer, [scene])
        if category == cat.CATEGORIZATION:
            answer = a.kind if a else opt.NO_ANOMALY
            return Draft(questions.categorization_options(rng, answer), answer, [scene])
        if category == cat.MAGNITUDE:
            if a is None:
                _, options = questions.magnitude_options(int(rng.integers(0, len(MAGNITUDES) - 3)))
                return Draft(options, opt.NO_ANOMALY, [scene])
            index = _nearest_size(a.magnitude_pct)
            _, options = questions.magnitude_options(index - MAGNITUDE_CLASSES.index(answer_class))
            return Draft(options, f"{MAGNITUDES[index]:g}", [scene], extra={"magnitude_asked_pct": MAGNITUDES[index]})
        return self._identification(rng, answer_class)

    def _identification(self, rng: np.random.Generator, answer_class: str) -> Draft:
        """The listed channels picked around the anomalous ones so that `answer_class` is the truth."""
        scene = self.scenes[0]
        names = scene.series.channels
        anomalous = list(self.anomaly.channels) if self.anomaly else []
        normal = [c for c in range(len(names)) if c not in anomalous]

        def pick(pool: list[int], count: int) -> list[int]:
            return [int(c) for c in rng.choice(pool, size=count, replace=False)]

        if answer_class in ("one_channel_small", "one_channel_large"):
            mine = anomalous[0]
            larger = answer_class == "one_channel_small"
            other = pick([n for n in normal if (names[n] > names[mine]) == larger], 1)[0]
            listed = sorted([mine, other, pick([n for n in normal if n != other], 1)[0]])
            singles, chosen = sorted([mine, other], key=names.__getitem__), [mine]
        else:
            chosen = [] if answer_class == "no_anomaly" else anomalous
            listed = sorted(chosen + pick(normal, 3 - len(chosen)))
            singles = sorted(pick(listed, 2), key=names.__getitem__)
        pair = chosen if len(chosen) == 2 else sorted(pick(listed, 2))
        return questions.identification_draft(scene, listed, singles, pair, chosen)


def _units(scenes: dict[str, Drafted], marks: list[dict], skipped: list[str]) -> list[_Unit]:
    units = [_Unit([scenes[name]]) for name in sorted(scenes)]
    for mark in marks:
        first, second = mark["series"]
        if first in scenes and second in scenes:
            units.append(_Unit([scenes[first], scenes[second]], mark["relation"]))
        else:
            skipped.append(f"{first}, {second}: paired, but not both series are labelled")
    return units


def labelled_questions(
    labels: dict,
    series: dict[str, Series],
    seed: int = 0,
    *,
    categories: Sequence[str] | None = None,
    per_unit: int = 1,
    captions: dict[str, str] | None = None,
) -> LabelledQuestions:
    """Questions about every labelled series in `series` (and every marked pair of two labelled ones).

    labels: a checked labels document (`incident_labels.read_labels`). captions: the query caption of each series
    when its label has none (default: its name).
    """
    chosen = list(categories or cat.CATEGORIES)
    unknown = [c for c in chosen if c not in cat.TIER_OF]
    if unknown or per_unit < 1:
        raise ValueError(f"unknown categories {unknown} or per_unit {per_unit} < 1")
    found = LabelledQuestions()
    scenes = {}
    for name, label in labels["series"].items():
        if name not in series:
            found.skipped.append(f"{name}: labelled, but no such series in the dataset")
        elif label["no_anomaly"] or label["windows"]:
            caption = (captions or {}).get(name) or name
            scenes[name] = labelled_scene(series[name], label, caption, f"{LABELS_FILE}, series {name!r}")
    master = np.random.default_rng(seed)
    class_draws = {c: BalancedDraw(master, CLASSES[c]) for c in chosen}
    position_draws = {c: BalancedDraw(master, range(cat.OPTION_COUNT[c])) for c in chosen}
    units = _units(scenes, labels["pairs"], found.skipped)
    for category in chosen:
        for unit in units:
            if (len(unit.scenes) == 2) != (category in cat.PAIRED):
                continue
            allowed, why = unit.classes(category)
            if not allowed:
                found.skipped.append(f"{unit.name}: {category}: {why}")
            for _ in range(min(per_unit, len(allowed))):
                answer_class_ = class_draws[category].next_among(allowed)
                allowed = [c for c in allowed if c != answer_class_]
                index = len(found.samples)
                rng = np.random.default_rng([seed, index])
                grid = (unit.scenes[0].series.timestamps, unit.scenes[0].series.interval)
                draft = unit.draft(category, Context(rng, f"labelled-{index:06d}", grid=grid), answer_class_)
                generator = {"labels": LABELS_FILE, "seed": seed, "index": index}
                position = position_draws[category].next()
                sample = finish_question(rng, draft, category, answer_class_, position, index, generator)
                if answer_class(sample.answer, sample.options, category) != answer_class_:
                    found.skipped.append(f"{unit.name}: {category}: its channel names read as another answer class")
                    continue
                found.samples.append(sample)
    return found
