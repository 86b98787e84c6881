"""Each series is encoded once per run: questions sharing series, repeated batches and epochs hit the cache, and
cached answers equal answers computed from scratch."""

from dataclasses import replace

from tsqa.bridges.answering import AnswerEngine
from tsqa.bridges.inputs import InputBuilder


def _sharing(make_sample) -> list:
    """Six questions over three series: each series asked about twice, one of them in a pair."""
    a, b = make_sample(0, channels=2), make_sample(1, channels=3, steps=48)
    pair = make_sample(2, channels=2, pair=True)
    return [
        a, replace(b, id="b#2"), replace(a, id="a#2", question="Is anything unusual in the time-series?"),
        b, replace(pair, series=[a.series[0], b.series[0]], id="pair#1"), replace(pair, series=[b.series[0]], id="b#3"),
    ]


def test_a_run_encodes_each_unique_series_once_and_answers_as_without_cache(hybrid_factory, make_sample):
    model = hybrid_factory("qwen3_vl")
    samples = _sharing(make_sample)
    engine = AnswerEngine(model)
    cache = engine.builder.encoder
    cached = engine.answer(samples, batch_size=2)
    assert (cache.misses, cache.hits) == (2, 5)  # 7 series shown, 2 distinct
    engine.answer(samples, batch_size=4)  # a second pass (an epoch, a repeated request) encodes nothing
    assert cache.misses == 2

    for sample, answer in zip(samples, cached):  # from scratch: a fresh engine (and cache) per question
        (alone,) = AnswerEngine(model).answer([sample], batch_size=1)
        assert alone.choice == answer.choice
        for option, p in alone.probabilities.items():
            assert abs(p - answer.probabilities[option]) < 1e-4


def test_training_epochs_after_the_first_encode_nothing(hybrid_factory, make_sample, tmp_path):
    from tsqa.training.collator import Collator

    model = hybrid_factory("idefics3")
    samples = [replace(s, answer=s.options[0]) for s in _sharing(make_sample)]
    builder = InputBuilder.for_model(model, tmp_path / "cache")
    cache = builder.encoder
    collator = Collator(builder, seed=0)
    for epoch in range(3):
        for start in range(0, len(samples), 2):
            collator(samples[start : start + 2], epoch)
    assert cache.misses == 2 and len(list((tmp_path / "cache").glob("*.safetensors"))) == 2

    restarted = InputBuilder.for_model(model, tmp_path / "cache")  # a resumed run reads the disk cache
    Collator(restarted, seed=0)(samples, epoch=3)
    restarted = restarted.encoder
    assert restarted.misses == 0 and restarted.hits == 7
