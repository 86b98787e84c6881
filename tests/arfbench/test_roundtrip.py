import dataclasses

import numpy as np
import pytest

from tsqa.arfbench import generate, load_dataset, write_dataset
from tsqa.arfbench.schema import Sample, Series


@pytest.fixture(scope="module")
def generated() -> list[Sample]:
    samples = generate(24, seed=11)
    assert any(np.isnan(s.values).any() for sample in samples for s in sample.series)  # gaps are exercised
    return samples


def test_write_then_load_gives_back_equal_samples(tmp_path, generated):
    write_dataset(generated, tmp_path / "d", images=False)
    loaded = load_dataset(tmp_path / "d")
    assert len(loaded) == len(generated)
    for original, back in zip(generated, loaded):
        assert back == original  # every field: options, answer, series values (NaN included), meta


def test_round_trip_of_the_published_fixture(published, tmp_path):
    original = load_dataset(published)
    write_dataset(original, tmp_path / "copy")
    again = load_dataset(tmp_path / "copy")
    assert [dataclasses.replace(s, images=[]) for s in again] == [dataclasses.replace(s, images=[]) for s in original]
    assert [[p.name for p in s.images] for s in again] == [[p.name for p in s.images] for s in original]


def test_coarser_intervals_are_means_and_picked_by_max_steps(tmp_path):
    timestamps = 1735689600 + 60 * np.arange(12)
    values = np.arange(24, dtype=float).reshape(12, 2)
    values[6:10, 1] = np.nan
    series = Series("x_0", ["a:1", "a:2"], timestamps, values, 60)
    sample = Sample("x_0#0", "x_0", "Anomaly Presence", "q?\nTime-series: x", ["Yes", "No"], "No", [series])
    write_dataset([sample], tmp_path / "d", coarser=2, images=False)
    assert sorted(p.name for p in (tmp_path / "d" / "arfbench-ts-data").iterdir()) == [
        "x_0_1800.parquet", "x_0_300.parquet", "x_0_60.parquet"
    ]  # fmt: skip
    (coarse,) = load_dataset(tmp_path / "d", max_steps=3)[0].series
    assert coarse.interval == 300
    np.testing.assert_array_equal(coarse.timestamps, [1735689600, 1735689900, 1735690200])
    np.testing.assert_array_equal(coarse.values[:, 0], [4.0, 14.0, 21.0])  # means of steps 0-4, 5-9, 10-11
    np.testing.assert_array_equal(coarse.values[:, 1], [5.0, 11.0, 22.0])  # the NaN steps are left out of the mean


def test_writer_refuses_to_overwrite_and_conflicting_series(tmp_path, generated):
    write_dataset(generated[:2], tmp_path / "d", images=False)
    with pytest.raises(FileExistsError, match="overwrite"):
        write_dataset(generated[:2], tmp_path / "d", images=False)
    single = next(s for s in generated if len(s.series) == 1)
    first = single.series[0]
    clash = Series(first.name, first.channels, first.timestamps, first.values + 1.0, first.interval)
    twin = Sample("clash#99", first.name, "Anomaly Presence", "q?\nTime-series: x", ["Yes", "No"], "No", [clash])
    with pytest.raises(ValueError, match="two different series"):
        write_dataset([single, twin], tmp_path / "e", images=False)
    assert len(load_dataset(tmp_path / "d")) == 2  # the earlier dataset is untouched

