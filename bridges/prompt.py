"""The prompt: system text, the plot image(s), one block per series, the question and its options.

A series block names the series, its interval and time range; then each shown channel's name followed by its
time-series tokens between block markers, each temporal token preceded by the start time of its span, so that a
question about *when* becomes matching an option's timestamp against the prompt. The layout is versioned.
"""

import json

from tsqa.arfbench import Series
from tsqa.arfbench.options import format_timestamp
from tsqa.bridges.budget import ChannelPlan
from tsqa.bridges.config import TS_END, TS_START, TS_TOKEN, PromptFormat, TimeLabels

def time_labels(epochs: list[int], mode: TimeLabels) -> list[str]:
    """The text written before each temporal token: full timestamps; compact (the date only on the first token and
    where it changes, else `HH:MM:SS`); or none."""
    if mode == TimeLabels.NONE:
        return ["" for _ in epochs]
    full = [format_timestamp(epoch) for epoch in epochs]
    if mode == TimeLabels.FULL:
        return full
    dates = [label[:10] for label in full]
    return [label if i == 0 or dates[i] != dates[i - 1] else label[11:] for i, label in enumerate(full)]


def series_label(index: int, count: int) -> str:
    """`Time-series` for a single series, `Time-series 1` / `Time-series 2` for a pair, as ARFBench captions do."""
    return "Time-series" if count == 1 else f"Time-series {index + 1}"


def series_block(
    series: Series,
    label: str,
    plan: ChannelPlan,
    span_starts: list[int] | None,
    fmt: PromptFormat,
    grounded: bool = False,
) -> str:
    """One series' text. `span_starts`: epoch of each temporal token's span start, or None for no tokens.
    `grounded`: a grounding token follows the series label and each shown channel's name (`bridges.grounding`), so
    the block's time-series tokens run: the label's, then per channel its name's and its temporal tokens."""
    start, end = (format_timestamp(series.timestamps[i]) for i in (0, -1))
    ground = TS_TOKEN if grounded else ""
    lines = [
        f"{label}{ground} ({series.name}): interval {series.interval} s, {len(series.timestamps)} steps "
        f"from {start} to {end}."
    ]
    if span_starts is None:
        lines.append("Channels: " + ", ".join(series.channels[c] for c in plan.shown))
    elif fmt.time_labels == TimeLabels.HEADER:
        lines.append("Token spans start at: " + ", ".join(time_labels(span_starts, TimeLabels.FULL)))
        tokens = TS_TOKEN * len(span_starts)
        lines.extend(f"{series.channels[c]}{ground}: {TS_START}{tokens}{TS_END}" for c in plan.shown)
    else:
        labels = time_labels(span_starts, fmt.time_labels)
        tokens = " ".join(f"{text}{TS_TOKEN}" for text in labels)
        lines.extend(f"{series.channels[c]}{ground}: {TS_START}{tokens}{TS_END}" for c in plan.shown)
    if plan.hidden:
        names = [series.channels[c] for c in plan.hidden[: fmt.max_named_hidden]]
        if len(plan.hidden) > len(names):
            names.append("...")
        lines.append(f"({len(plan.hidden)} more channels not shown: {', '.join(names)})")
    return "\n".join(lines)


def question_block(question: str, options: list[str]) -> str:
    """The question, then its options as a list (none for an open question the model answers in its own words)."""
    if not options:
        return f"Question: {question}"
    listed = "\n".join(f"- {option}" for option in options)
    return f"Question: {question}\nOptions:\n{listed}"


def chat_messages(body: str, image_count: int, fmt: PromptFormat) -> list[dict]:
    """Chat messages in the content-list form every VLM chat template accepts; images before any text."""
    return [
        {"role": "system", "content": [{"type": "text", "text": fmt.system}]},
        {"role": "user", "content": [{"type": "image"}] * image_count + [{"type": "text", "text": body}]},
    ]


def answer_text(option: str, fmt: PromptFormat) -> str:
    """The answer as it continues the prompt: the option JSON-escaped, then the suffix closing the object."""
    return json.dumps(option, ensure_ascii=False)[1:-1] + fmt.answer_suffix
