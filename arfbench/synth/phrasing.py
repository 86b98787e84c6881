"""Question wording: several phrasings per category (each keeps the words the benchmark's questions use), then the
caption lines naming the series."""

import numpy as np

from tsqa.arfbench import categories as cat

TEMPLATES: dict[str, tuple[str, ...]] = {
    cat.PRESENCE: (
        "Is there an anomaly in this time-series?",
        "Does the time-series below show any anomalous behaviour?",
        "An on-call engineer is looking at this metric. Is there an anomaly in it?",
        "Looking at the whole window, is there an anomaly in the time-series?",
    ),
    cat.START: (
        "What is the start time of the anomaly in the time-series?",
        "At what start time does the anomalous behaviour begin?",
        "Identify the start time of the anomaly, if there is one.",
        "Which timestamp is closest to the start time of the incident shown in the time-series?",
    ),
    cat.END: (
        "At what time has the time-series recovered from the anomaly?",
        "When has the metric recovered to its normal behaviour?",
        "By which timestamp has the anomaly ended and the series recovered?",
        "At what time has the incident in this time-series recovered, if it has?",
    ),
    cat.CATEGORIZATION: (
        "What type of anomaly is present in the time-series?",
        "What type of anomaly best describes the unusual behaviour of this metric?",
        "Classify the anomaly: what type of anomaly does the time-series show?",
    ),
    cat.MAGNITUDE: (
        "By how much, in percent of its normal level, does the anomaly deviate from normal at its peak?",
        "How far does the metric deviate from its usual level during the anomaly, in percent?",
        "At its largest, how much does the anomalous period deviate from normal, as a percentage of the normal level?",
    ),
    cat.IDENTIFICATION: (
        "Which channels are exhibiting anomalies?",
        "Among the channels listed in the options, which channels are exhibiting anomalies?",
        "The time-series has several channels. Which channels are exhibiting anomalies?",
    ),
    cat.CORRELATION: (
        "Are there anomalies in both time-series, and if so, are they correlated?",
        "Do time-series 1 and time-series 2 both show an anomaly, and are the two anomalies related?",
        "Compare the two time-series: is there a correlated anomaly in both of them?",
    ),
    cat.INDICATOR: (
        "Is the anomaly in time-series 1 a leading or a lagging indicator of the anomaly in time-series 2?",
        "How does the timing of the anomaly in time-series 1 relate to the anomaly in time-series 2?",
        "Could the anomaly in time-series 1 serve as an early warning for the anomaly in time-series 2?",
    ),
}


def phrase_question(rng: np.random.Generator, category: str, captions: list[str]) -> str:
    """The question, then `Time-series: <caption>` (a pair: `Time-series 1:` and `Time-series 2:` lines)."""
    templates = TEMPLATES[category]
    sentence = templates[int(rng.integers(len(templates)))]
    if len(captions) == 1:
        return f"{sentence}\nTime-series: {captions[0]}"
    return "\n".join([sentence] + [f"Time-series {k + 1}: {c}" for k, c in enumerate(captions)])
