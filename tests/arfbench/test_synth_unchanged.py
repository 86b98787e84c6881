"""`tsqa synth` writes the same questions for the same seed as before labelled incidents could drive its builders:
a digest of every question (text, options, answer, ground truth, series values) against the one recorded before the
refactor."""

import hashlib
import json

import numpy as np

from tsqa.arfbench.synth import generate_questions

RECORDED = {  # (seed, questions, categories or None): digest recorded before the refactor
    (5, 240, None): "2431889bf42b4418b66db101fac011f62502620da673e8504dce99be574e61f6",
    (11, 80, None): "70d8867d2da666ca8f63b5498defb243614ce26392f7805ea5f6b49c119cbfae",
    (3, 60, ("Anomaly Start", "Anomaly Identification")): "582e296625218c74d6683aaa90d83daddfa6d0731ae2a3efc4ff8c9e6b3c2d82",
}


def fingerprint(seed: int, n: int, categories=None) -> str:
    digest = hashlib.sha256()
    for generated in generate_questions(n, seed, categories=categories):
        s = generated.sample
        fields = [s.id, s.query_group, s.category, s.question, s.options, s.answer, s.meta]
        digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
        for series, baseline in zip(s.series, generated.baselines):
            digest.update(json.dumps([series.name, series.channels, series.interval]).encode())
            digest.update(series.timestamps.tobytes())
            digest.update(np.round(series.values, 6).tobytes())
            digest.update(np.round(baseline, 6).tobytes())
    return digest.hexdigest()


def test_synth_output_is_unchanged():
    for (seed, n, categories), expected in RECORDED.items():
        assert fingerprint(seed, n, categories) == expected, f"seed {seed}: synth output changed"
