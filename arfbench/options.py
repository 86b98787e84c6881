"""Fixed option texts of the published benchmark, spelled exactly as in `arfbench-qa.csv`.

Answers are compared as exact strings, so every producer of questions (generator, writer, tests) takes them from here.
"""

import time

PRESENCE_YES = "Yes, there is an anomaly in the time-series"
PRESENCE_NO = "No, there is no anomaly in the time-series"

NO_ANOMALY = "No Anomaly"  # Start, End, Categorization, Magnitude
BEFORE_EARLIEST = "Before the earliest timestamp"  # Start: the anomaly is already under way when the series begins
NOT_RESOLVED = "Not resolved"  # End: the anomaly is still under way when the series ends
NO_ANOMALY_LISTED = "No anomaly among the listed channels"  # Identification
CHANNEL_JOIN = " and "  # Identification options naming several channels

LEVEL_SHIFT = "Level Shift"
TRANSIENT_SPIKE = "Transient Spike"
SEASONALITY = "Change in Seasonality"
VARIANCE = "Change in Variance"
TREND = "Change in Trend"
ANOMALY_KINDS: tuple[str, ...] = (LEVEL_SHIFT, TRANSIENT_SPIKE, SEASONALITY, VARIANCE, TREND)

CORRELATED = "Yes, there is an anomaly in both and they are correlated"
NOT_CORRELATED = "No, there is an anomaly in both but they are not correlated"
ONLY_FIRST = "No, there is an anomaly only in time-series 1"
ONLY_SECOND = "No, there is an anomaly only in time-series 2"
NEITHER = "No, there is no anomaly in either time-series"
CORRELATION_OPTIONS: tuple[str, ...] = (CORRELATED, NOT_CORRELATED, ONLY_FIRST, ONLY_SECOND, NEITHER)

LEADING = "The anomaly in time-series 1 is a leading indicator of the anomaly in time-series 2."
LAGGING = "The anomaly in time-series 1 is a lagging indicator of the anomaly in time-series 2."
SIMULTANEOUS = "The anomaly in time-series 1 occurs at the same time as the anomaly in time-series 2."
INDICATOR_UNCORRELATED = "The anomaly in time-series 1 is not correlated to the anomaly in time-series 2."
INDICATOR_NO_ANOMALY = "No anomaly in one or both series"
INDICATOR_OPTIONS: tuple[str, ...] = (LEADING, LAGGING, SIMULTANEOUS, INDICATOR_UNCORRELATED, INDICATOR_NO_ANOMALY)

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"  # UTC, as the Start and End options write times


def format_timestamp(epoch: int) -> str:
    """Unix seconds -> `YYYY-MM-DD HH:MM:SS` in UTC, as the benchmark's options write times (prompts, generated
    options and the evidence text all write them so)."""
    return time.strftime(TIMESTAMP_FORMAT, time.gmtime(int(epoch)))
