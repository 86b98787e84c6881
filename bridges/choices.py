"""The bridge's typed choices, each a `StrEnum` (it reads and writes as its string, in JSON, TOML and the CLI).

Their defaults live where the choice is recorded: a checkpoint's `TSQAConfig` says how the model scores and what it
was trained to see, and answering uses that unless told otherwise.
"""

from enum import StrEnum


class Choice(StrEnum):
    """A StrEnum whose bad values are errors that name the setting and its choices."""

    @classmethod
    def _missing_(cls, value: object):
        choices = ", ".join(repr(member.value) for member in cls)
        raise ValueError(f"{cls.setting()} must be one of {choices}, got {value!r}")

    @classmethod
    def setting(cls) -> str:
        """The setting's name in messages: `AnswerMode` -> `answer mode`."""
        return "".join(f" {c.lower()}" if c.isupper() else c for c in cls.__name__).strip()


class Modality(Choice):
    """What a question shows the model: the plot and time-series tokens, or one of them."""

    BOTH = "both"
    PLOT = "plot"
    SERIES = "series"


class Scoring(Choice):
    """How an option's answer tokens are scored: their mean log-probability, or their sum."""

    MEAN = "mean"
    SUM = "sum"

    def normalise(self, sums, lengths):
        """Option scores from summed answer-token log-probabilities and scored-token counts (tensors of one shape):
        the one place answering and the choice loss turn them into scores, so both rank options alike."""
        return sums / lengths if self == Scoring.MEAN else sums


class TimeLabels(Choice):
    """How temporal tokens are dated: FULL writes `YYYY-MM-DD HH:MM:SS` before every token; COMPACT the date only
    when it changes; HEADER lists the span starts once per series (channels share them) and leaves tokens bare;
    NONE writes no times."""

    FULL = "full"
    COMPACT = "compact"
    HEADER = "header"
    NONE = "none"


class AnswerMode(Choice):
    """SCORE: every option's likelihood, the best one chosen (always valid, with probabilities). GENERATE: greedy
    text, for open questions or to be parsed like an API model's reply."""

    SCORE = "score"
    GENERATE = "generate"
