"""The evidence of one series (or a pair) as compact text a language model can read and a person can check.

Every figure names its source (`z`: robust z-score of the raw value; `band`: Toto's forecast band), times are
written as the benchmark's options write them (`YYYY-MM-DD HH:MM:SS`, UTC), and channels come most surprising first,
as many as fit the budget (counted by `count`: a tokenizer's token count, or characters by default).
"""

from collections.abc import Callable
from dataclasses import dataclass

from tsqa.arfbench.options import format_timestamp
from tsqa.evidence.excursions import BAND, MIN_STEPS, Z, Excursion, SeriesEvidence, main_excursion, relation

Z_THRESHOLD = 3.5  # |z| past which a step is outside: the lowest the detector fit picks (3.5-4.5), to show more
BAND_THRESHOLD = 1.0  # band widths outside the forecast band
MERGE_GAP = 0.01  # runs closer than this share of the series are one excursion
MAX_EXCURSIONS = 1  # excursions written per channel and source, the largest (the rest are counted)
MAX_QUIET_NAMES = 8  # channels named in the "nothing outside" line


@dataclass(frozen=True)
class TextSettings:
    z_threshold: float = Z_THRESHOLD
    band_threshold: float = BAND_THRESHOLD
    merge_gap: float = MERGE_GAP

    def threshold(self, source: str) -> float:
        return self.z_threshold if source == Z else self.band_threshold


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def header(has_band: bool, settings: TextSettings) -> str:
    band = (
        f" band = distance outside Toto's 10-90% forecast band (one patch ahead) in band widths; outside: above "
        f"{settings.band_threshold:g}."
        if has_band
        else ""
    )
    return (
        "Evidence from the values. z = robust z-score against the channel's rolling median (outliers left out), "
        f"(x - median) / (1.4826 MAD); outside: |z| above {settings.z_threshold:g} for {MIN_STEPS}+ steps.{band} "
        "Times UTC; before/after = median level around the excursion."
    )


def _excursion_text(evidence: SeriesEvidence, source: str, e: Excursion) -> str:
    until = format_timestamp(evidence.epoch(e.end)) if e.end < evidence.steps else "the end (unresolved)"
    if source == Z:
        against = f"z {e.score:+.3g}, rolling median {_num(e.expected)}"
    else:
        against = f"{e.score:+.3g} widths, forecast {_num(e.expected)}"
    return (
        f"{format_timestamp(evidence.epoch(e.start))} to {until} ({e.steps} steps), peak {_num(e.value)} at "
        f"{format_timestamp(evidence.epoch(e.peak))} ({against}), before {_num(e.before)}, after {_num(e.after)}"
    )


def _source_text(evidence: SeriesEvidence, source: str, excursions: list[Excursion]) -> str:
    if not excursions:
        return f"{source} nothing outside"
    ranked = sorted(excursions, key=lambda e: -abs(e.score))[:MAX_EXCURSIONS]
    parts = [_excursion_text(evidence, source, e) for e in sorted(ranked, key=lambda e: e.start)]
    more = len(excursions) - len(ranked)
    return f"{source} outside " + "; ".join(parts) + (f"; +{more} more" if more else "")


def _channel_lines(evidence: SeriesEvidence, settings: TextSettings) -> tuple[list[tuple[int, str]], list[int]]:
    """(channel, line) for every channel with an excursion, most surprising by z first; the quiet channels."""
    found = {
        source: evidence.excursions(source, settings.threshold(source), int(settings.merge_gap * evidence.steps))
        for source in evidence.tracks
    }
    held = evidence.tracks[Z].held()
    order = sorted(range(len(evidence.series.channels)), key=lambda c: -held[c])
    lines, quiet = [], []
    for channel in order:
        if not any(found[source][channel] for source in found):
            quiet.append(channel)
            continue
        texts = [_source_text(evidence, source, found[source][channel]) for source in found]
        lines.append((channel, f"- {evidence.series.channels[channel]}: " + " | ".join(texts)))
    return lines, quiet


def _pair_line(first: SeriesEvidence, second: SeriesEvidence, settings: TextSettings) -> str:
    mains = [
        main_excursion(e.excursions(Z, settings.z_threshold, int(settings.merge_gap * e.steps)))
        for e in (first, second)
    ]
    label = "Time-series 1 vs 2 (z, largest excursion of each)"
    missing = [str(k + 1) for k, m in enumerate(mains) if m is None]
    if missing:
        return f"{label}: nothing outside in time-series {' and '.join(missing)}, so no lag."
    link = relation(first, mains[0], second, mains[1])
    share = abs(link.lag_seconds) / max(link.duration_seconds, 1)
    when = (
        "at the same time as"
        if link.lag_seconds == 0
        else f"{abs(link.lag_seconds)} s ({share:.1%} of the series) {'after' if link.lag_seconds > 0 else 'before'}"
    )
    overlap = f"they overlap for {link.overlap_seconds} s" if link.overlap_seconds else "they do not overlap"
    return f"{label}: time-series 2's starts {when} time-series 1's; {overlap}."


def _series_title(evidence: SeriesEvidence, label: str) -> str:
    count = len(evidence.series.channels)
    return f"{label} ({evidence.series.name}), {count} channel{'s' * (count != 1)}, most surprising first:"


def _quiet_line(evidence: SeriesEvidence, quiet: list[int]) -> str:
    names = [evidence.series.channels[c] for c in quiet[:MAX_QUIET_NAMES]]
    more = f" and {len(quiet) - len(names)} more" if len(quiet) > len(names) else ""
    held = evidence.tracks[Z].held()
    return (
        f"- nothing outside in {len(quiet)} channel{'s' * (len(quiet) != 1)}: {', '.join(names)}{more} "
        f"(largest held |z| {max(held[c] for c in quiet):.3g})"
    )


def _rest_line(evidence: SeriesEvidence, left_out: list[int]) -> str:
    largest = max(evidence.tracks[Z].held()[c] for c in left_out)
    return f"- {len(left_out)} more channels with excursions not listed (largest held |z| {largest:.3g})"


def render(
    evidence: list[SeriesEvidence],
    budget: int | None = None,
    count: Callable[[str], int] = len,
    settings: TextSettings = TextSettings(),
) -> str:
    """The evidence of one series, or two (a pair, with their lag and overlap), within `budget` units of `count`.

    The header, series titles, pair line and the names of channels with nothing outside are always written; lines of
    channels with excursions are added most surprising first, taking turns between the series, while they fit; those
    left out are summarised in one line per series.
    """
    if not 1 <= len(evidence) <= 2:
        raise ValueError(f"evidence is written for one series or a pair, got {len(evidence)}")
    labels = ["Time-series"] if len(evidence) == 1 else ["Time-series 1", "Time-series 2"]
    lines, quiet = zip(*(_channel_lines(e, settings) for e in evidence))
    fixed = [header(any(BAND in e.tracks for e in evidence), settings)]
    fixed += [_series_title(e, label) for e, label in zip(evidence, labels)]
    if len(evidence) == 2:
        fixed.append(_pair_line(*evidence, settings))
    kept = [0] * len(evidence)

    def text() -> str:
        parts = [fixed[0]]
        for index, e in enumerate(evidence):
            parts += [fixed[1 + index], *(line for _, line in lines[index][: kept[index]])]
            left_out = [channel for channel, _ in lines[index][kept[index] :]]
            if left_out:
                parts.append(_rest_line(e, left_out))
            if quiet[index]:
                parts.append(_quiet_line(e, quiet[index]))
        return "\n".join(parts + fixed[1 + len(evidence) :])

    if budget is None:
        kept = [len(series_lines) for series_lines in lines]
        return text()
    used = count(text())
    turns = [(index, position) for position in range(max(map(len, lines))) for index in range(len(lines))]
    for index, position in turns:
        if position >= len(lines[index]):
            continue
        cost = count(lines[index][position][1]) + 1  # the line and its newline; the summary line is already counted
        if used + cost > budget:
            break
        kept[index] += 1
        used += cost
    while kept != [0] * len(kept) and count(text()) > budget:  # a tokenizer need not add up line by line
        last = max(range(len(kept)), key=lambda i: kept[i])
        kept[last] -= 1
    return text()
