"""Samples as a `datasets.Dataset`, the form training pipelines map and shuffle, and back.

Columns (one row per question):
- id, query_group, category (str), tier (int), question (str), options (list of str), answer (str, "" if unlabelled)
- series (str): JSON list, one object per series: {"name", "channels", "timestamps" (unix seconds),
  "values" (time x channels nested lists, null for missing), "interval"}
- images (list of str): file paths, combined image first for pairs
- meta (str): `Sample.meta` as JSON
Series are JSON rather than nested Arrow lists because their shapes differ from row to row.
"""

import json
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from tsqa.arfbench.schema import Sample, Series


def _series_json(series: Series) -> dict:
    values = [[None if math.isnan(v) else v for v in row] for row in series.values.tolist()]
    return {
        "name": series.name,
        "channels": list(series.channels),
        "timestamps": series.timestamps.tolist(),
        "values": values,
        "interval": series.interval,
    }


def _series_of(obj: dict) -> Series:
    values = np.array(obj["values"], dtype=np.float64).reshape(len(obj["timestamps"]), len(obj["channels"]))
    return Series(obj["name"], list(obj["channels"]), np.asarray(obj["timestamps"]), values, int(obj["interval"]))


def sample_record(sample: Sample) -> dict:
    return {
        "id": sample.id,
        "query_group": sample.query_group,
        "category": sample.category,
        "tier": sample.tier,
        "question": sample.question,
        "options": list(sample.options),
        "answer": "" if sample.answer is None else sample.answer,
        "series": json.dumps([_series_json(s) for s in sample.series]),
        "images": [str(p) for p in sample.images],
        "meta": json.dumps(sample.meta, sort_keys=True),
    }


def sample_from_record(record: dict) -> Sample:
    """The inverse of one `to_hf_dataset` row."""
    return Sample(
        id=record["id"],
        query_group=record["query_group"],
        category=record["category"],
        question=record["question"],
        options=list(record["options"]),
        answer=record["answer"] or None,
        series=[_series_of(s) for s in json.loads(record["series"])],
        images=[Path(p) for p in record["images"]],
        meta=json.loads(record["meta"]),
    )


def to_hf_dataset(samples: Iterable[Sample]):
    """A `datasets.Dataset` with the columns listed in this module's docstring."""
    import datasets

    return datasets.Dataset.from_list([sample_record(s) for s in samples])
