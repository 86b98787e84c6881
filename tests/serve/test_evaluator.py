"""The evaluator's API runner benchmarks a served checkpoint exactly as it does a frontier VLM."""

import numpy as np

from tsqa.arfbench.plot import render_plot
from tsqa.arfbench.schema import Sample, Series
from tsqa.eval.api import ChatCompletionsAnswerer, RetryPolicy


def test_the_api_answerer_gets_one_of_the_options(start_server, api_key, checkpoint, tmp_path):
    server = start_server(api_key)  # default limits: the evaluator's 960x320 plots fit
    steps = 96
    values = np.sin(np.arange(steps) / 8.0)[:, None] * 10 + 50
    values[40:44] += 30
    series = Series("cpu", ["host:web-0"], 1_700_000_000 + 60 * np.arange(steps), values, 60)
    plot = tmp_path / "plot.png"
    render_plot(series, plot)
    options = ["Yes", "No"]
    sample = Sample("cpu#0", "cpu", "Anomaly Presence", "Is there an anomaly in the time-series?", options, "Yes",
                    [series], [plot])
    answerer = ChatCompletionsAnswerer(checkpoint.name, api_key=api_key, base_url=server.url,
                                       retry=RetryPolicy(retries=0), name="served")
    (answer,) = answerer.answer([sample])
    assert answer.error is None, answer.error
    assert answer.choice in options and answer.choice_is_text
    assert answer.reasoning and "Scored all 2 options" in answer.reasoning
