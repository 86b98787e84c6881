"""The bundled demo checkpoint loads offline from the package and answers every kind of question validly.

It is a tiny model that does not yet beat chance (see README), so this checks mechanics, not accuracy.
"""

from pathlib import Path

import pytest

from arfbench import CATEGORIES, generate
from tsqa.api import DEMO_MODEL, TSQA

EXAMPLE = Path(__file__).parents[2] / "examples" / "incident.csv"


@pytest.fixture(scope="module")
def demo() -> TSQA:
    return TSQA.from_pretrained()


def test_demo_is_small_and_in_safe_formats():
    files = [p for p in DEMO_MODEL.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 10 * 2**20
    assert {p.suffix for p in files} <= {".json", ".safetensors", ".jinja"}


def test_demo_answers_fresh_questions_of_every_category(demo):
    samples = generate(24, seed=12345)
    assert {s.category for s in samples} == set(CATEGORIES)
    answers = demo.model.answer(samples, batch_size=8)
    for sample, answer in zip(samples, answers):
        assert answer.choice in sample.options
        assert sum(answer.probabilities.values()) == pytest.approx(1.0)


def test_demo_asks_about_the_bundled_example(demo, tmp_path):
    options = ["Level Shift", "Transient Spike", "Change in Seasonality", "Change in Trend", "No Anomaly"]
    result = demo.ask(EXAMPLE, "What type of anomaly is present in the time-series?", options,
                      plot=tmp_path / "incident.png")
    assert result.answer in options and result.plot.stat().st_size > 10_000
    assert result.shown_channels == [["dc:ap1", "dc:eu1", "dc:us1", "dc:us5"]]
