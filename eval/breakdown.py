"""A metric overall, per tier and per category, in percent: the shape every report shows."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Breakdown:
    overall: float | None  # None when nothing could be scored
    tier: dict[str, float] = field(default_factory=dict)  # "Tier 1" -> %, only tiers with questions
    category: dict[str, float] = field(default_factory=dict)  # category -> %, in order of first appearance

    def to_json(self) -> dict:
        return {"overall": self.overall, "tier": dict(self.tier), "category": dict(self.category)}
