"""How balanced a question set is: answer classes per category and where the correct option sits."""

from collections import Counter

from tsqa.arfbench import categories as cat
from tsqa.arfbench.answer_classes import answer_class
from tsqa.arfbench.schema import Sample
from tsqa.arfbench.synth.questions import CLASSES


def answer_summary(samples: list[Sample]) -> dict:
    """Per category: question count, answer-class counts, share of the most frequent class next to chance
    (what "always answer the most frequent class" would score), and a histogram of the correct option's position."""
    summary = {}
    for category in cat.CATEGORIES:
        chosen = [s for s in samples if s.category == category and s.answer is not None]
        if not chosen:
            continue
        classes = Counter(answer_class(s.answer, s.options, category) for s in chosen)
        positions = Counter(s.options.index(s.answer) for s in chosen)
        summary[category] = {
            "questions": len(chosen),
            "classes": dict(sorted(classes.items(), key=lambda kv: str(kv[0]))),
            "most_frequent_share": max(classes.values()) / len(chosen),
            "chance": 1 / len(CLASSES[category]),
            "positions": [positions[p] for p in range(cat.OPTION_COUNT[category])],
        }
    return summary


def format_summary(summary: dict) -> str:
    lines = []
    for category, row in summary.items():
        lines.append(
            f"{category}: {row['questions']} questions, most frequent class {100 * row['most_frequent_share']:.1f}% "
            f"(chance {100 * row['chance']:.1f}%), correct position {row['positions']}"
        )
        lines += [f"    {name}: {count}" for name, count in row["classes"].items()]
    return "\n".join(lines)
