"""The eight ARFBench task categories, their tiers and option counts, spelled as in `arfbench-qa.csv`."""

PRESENCE = "Anomaly Presence"
START = "Anomaly Start"
END = "Anomaly End"
CATEGORIZATION = "Anomaly Categorization"
MAGNITUDE = "Anomaly Magnitude"
IDENTIFICATION = "Anomaly Identification"
CORRELATION = "Anomaly Correlation"
INDICATOR = "Anomaly Indicator"

TIER_OF: dict[str, int] = {
    PRESENCE: 1,
    START: 2,
    END: 2,
    CATEGORIZATION: 2,
    MAGNITUDE: 2,
    IDENTIFICATION: 2,
    CORRELATION: 3,
    INDICATOR: 3,
}
CATEGORIES: tuple[str, ...] = tuple(TIER_OF)
OPTION_COUNT: dict[str, int] = {c: (2 if c == PRESENCE else 5) for c in CATEGORIES}
PAIRED: frozenset[str] = frozenset({CORRELATION, INDICATOR})


def tier_name(tier: int) -> str:
    return f"Tier {tier}"
