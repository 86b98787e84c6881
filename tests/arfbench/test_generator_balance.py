import hashlib
from pathlib import Path

from tsqa.arfbench import categories as cat
from tsqa.arfbench import generate
from tsqa.arfbench.answer_classes import answer_class
from tsqa.arfbench.synth import answer_summary
from tsqa.arfbench.synth.questions import CLASSES
from tsqa.arfbench.writer import write_dataset


def test_answer_classes_and_positions_are_balanced_on_1000_questions():
    samples = generate(1000, seed=3)
    summary = answer_summary(samples)
    assert set(summary) == set(cat.CATEGORIES)
    for category, row in summary.items():
        assert row["questions"] == 125
        assert row["most_frequent_share"] <= row["chance"] + 0.10, (category, row["classes"])
        assert set(row["classes"]) == set(CLASSES[category])  # every F1 class occurs, nothing outside them
        expected = row["questions"] / cat.OPTION_COUNT[category]
        assert min(row["positions"]) >= 0.8 * expected, (category, row["positions"])
    for sample in samples:  # the scheduled class is the class the benchmark's binning gives the answer
        assert answer_class(sample.answer, sample.options, sample.category) == sample.meta["answer_class"]
        assert len(sample.options) == cat.OPTION_COUNT[sample.category]
        assert len(set(sample.options)) == len(sample.options) and sample.answer in sample.options


def test_ids_unique_and_phrasings_varied():
    samples = generate(200, seed=4)
    assert len({s.id for s in samples}) == 200
    for category in cat.CATEGORIES:
        first_lines = {s.question.split("\n")[0] for s in samples if s.category == category}
        assert len(first_lines) >= 3
    pair = next(s for s in samples if s.category in cat.PAIRED)
    assert pair.question.split("\n")[1].startswith("Time-series 1: ")
    assert pair.question.split("\n")[2].startswith("Time-series 2: ")
    single = next(s for s in samples if s.category == cat.START)
    assert single.question.split("\n")[1].startswith("Time-series: ")


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


def test_same_seed_gives_identical_samples_and_byte_identical_files(tmp_path):
    first, second = generate(12, seed=9), generate(12, seed=9)
    assert first == second
    assert generate(12, seed=10) != first
    write_dataset(first, tmp_path / "a")
    write_dataset(second, tmp_path / "b", coarser=0)
    digests = _digests(tmp_path / "a")
    assert any(name.endswith(".png") for name in digests) and any(name.endswith(".parquet") for name in digests)
    assert digests == _digests(tmp_path / "b")


def test_prefix_is_stable_when_n_grows():
    assert generate(30, seed=2)[:10] == generate(10, seed=2)
