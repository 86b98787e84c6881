"""The benchmark-style prompt for chat models: a system message describing the task, then the images and a
"Question: ... / Options: [...]" text, asking for a JSON object with `answer` and `reasoning`."""

import json

SYSTEM_PROMPT = """You analyse metrics from production software systems (observability time series) and answer \
multiple-choice questions about anomalies in them. You are shown a plot of the series, the question with a caption \
that describes the series, and the answer options.

Questions come in eight kinds:
- Anomaly Presence: is there an anomaly at all, i.e. values clearly unlike what the series would otherwise show?
- Anomaly Identification: which channel or channels (tag sets such as pod_name:614) are anomalous?
- Anomaly Start: the timestamp closest to the moment the anomaly begins.
- Anomaly End: the timestamp closest to the moment the anomaly ends, or whether it is not resolved in view.
- Anomaly Magnitude: the option closest to the largest ratio between anomalous values and the values expected \
without the anomaly (the absolute deviation when the expected values are zero).
- Anomaly Categorization: Level Shift (lasting change of the mean), Transient Spike (short excursion that comes \
back by itself), Change in Seasonality, Change in Variance, Change in Trend, or No Anomaly.
- Anomaly Correlation (two series): are the anomalies of the two series related (shared cause, causal link, \
similar behaviour over time), or is an anomaly present in only one or neither?
- Anomaly Indicator (two series): does an anomaly in the first series lead or lag the one in the second?

First decide whether there is an anomaly; if there is none, pick the option that says so. Use the caption to judge \
what is normal for this metric, and the plot's axes to read times and values. When no option is exact, pick the \
closest one.

Reply with a JSON object and nothing else: {"reasoning": "<your reasoning>", "answer": "<one option, copied \
exactly, without any letter or number in front>"}"""


EVIDENCE_NOTE = (
    "The question may be followed by evidence computed from the raw series values (robust z-scores, and Toto's "
    "forecast band when available); it is machine-made and can be wrong, so check it against the plot."
)


def system_prompt(evidence: bool = False) -> str:
    """The system message; with evidence it also says what the text after the question is (`evidence.question`)."""
    return f"{SYSTEM_PROMPT}\n\n{EVIDENCE_NOTE}" if evidence else SYSTEM_PROMPT


def question_text(question: str, options: list[str]) -> str:
    """The user message text that follows the images; options in the order they are shown."""
    return f"Question: {question}\nOptions: {json.dumps(options, ensure_ascii=False)}"
