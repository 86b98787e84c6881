"""Evidence in every answerer: what an API endpoint receives (a local fake OpenAI-compatible server), what a
checkpoint's prompt holds, how results are named and reported side by side, and `tsqa ask --evidence`."""

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from tsqa.arfbench import categories as cat
from tsqa.arfbench import generate, write_dataset
from tsqa.arfbench.options import TIMESTAMP_FORMAT
from tsqa.cli import main
from tsqa.eval.api import ChatCompletionsAnswerer, RetryPolicy
from tsqa.evidence.question import EvidenceRequest, evidence_text, with_evidence
from tsqa.eval.prompt import EVIDENCE_NOTE, system_prompt
from tsqa.eval.report import build_report
from tsqa.eval.results import read_results
from tsqa.eval.runner import run_answerer
from tsqa.bridges.inputs import InputBuilder

JSON = "application/json"
HEADER = "Evidence from the values."


@pytest.fixture(scope="module")
def samples():
    return generate(6, seed=8, categories=[cat.START, cat.INDICATOR])


def test_with_evidence_appends_to_the_question_only(samples):
    sample = samples[0]
    extended = with_evidence(sample)
    question, evidence = extended.question.split("\n\n", 1)
    assert question == sample.question and evidence.startswith(HEADER)
    assert evidence == evidence_text(sample)
    assert (extended.options, extended.series, extended.answer) == (sample.options, sample.series, sample.answer)
    words = evidence_text(sample, budget=60, count=lambda text: len(text.split()))
    assert len(words.split()) <= max(60, len(evidence_text(sample, budget=1).split()))  # fixed lines only beyond


def test_the_api_runner_sends_the_evidence(tmp_path, serve, completion, samples):
    server = serve([(200, completion('{"answer": "No Anomaly", "reasoning": "flat"}'), JSON, 0)])
    answerer = ChatCompletionsAnswerer("test-model", api_key="sk-test", base_url=server.url, timeout=2,
                                       retry=RetryPolicy(retries=0), name="test-model+evidence",
                                       system=system_prompt(evidence=True), evidence=EvidenceRequest())
    run_answerer(answerer, samples, tmp_path / "r.csv", seed=3, progress=False)

    assert len(server.requests) == len(samples)
    rows = read_results(tmp_path / "r.csv")
    assert {r.model for r in rows} == {"test-model+evidence"}
    for request, row, sample in zip(server.requests, rows, samples):
        system, user = request["body"]["messages"]
        assert system["content"].endswith(EVIDENCE_NOTE)
        (text,) = [part["text"] for part in user["content"] if part["type"] == "text"]
        head, options = text.split("\nOptions: ")
        assert head == f"Question: {sample.question}\n\n{evidence_text(sample)}"
        assert sorted(json.loads(options)) == sorted(sample.options)
        assert row.question == sample.question  # results keep the question as asked, without the evidence
        pairs = len(sample.series) == 2
        assert ("Time-series 1 vs 2" in head) == pairs


def test_tsqa_eval_evidence_against_an_endpoint_and_the_report_pairs_the_runs(
    tmp_path, serve, completion, samples, monkeypatch, capsys
):
    from tsqa import arfbench

    monkeypatch.setattr(arfbench, "load_dataset", lambda directory: samples, raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server = serve([(200, completion('{"answer": "No Anomaly"}'), JSON, 0)])
    argv = ["eval", "--model", f"{server.url}::served", "--data", str(tmp_path), "--no-progress"]
    assert main([*argv, "--out", str(tmp_path / "plain.csv")]) == 0
    assert main([*argv, "--out", str(tmp_path / "evidence.csv"), "--evidence", "--evidence-budget", "900"]) == 0
    plain, with_text = server.requests[: len(samples)], server.requests[len(samples) :]
    assert not any(HEADER in json.dumps(r["body"]) for r in plain)
    for request in with_text:
        (text,) = [p["text"] for p in request["body"]["messages"][1]["content"] if p["type"] == "text"]
        evidence = text.split("\n\n", 1)[1].split("\nOptions: ")[0]
        assert evidence.startswith(HEADER) and len(evidence) <= 900
    report = build_report([tmp_path / "evidence.csv", tmp_path / "plain.csv"])
    assert list(report.models) == ["served", "served+evidence"]
    assert main(["eval", "--model", "random", "--data", str(tmp_path), "--out", str(tmp_path / "x.csv"),
                 "--evidence"]) == 1
    assert main([*argv, "--out", str(tmp_path / "y.csv"), "--evidence-budget", "10"]) == 1
    assert "--evidence-budget needs --evidence" in capsys.readouterr().err


def test_a_checkpoint_sees_the_evidence_in_its_prompt_and_is_named_for_it(tiny_checkpoint, tmp_path):
    from tsqa.bridges.hybrid import HybridModel
    from tsqa.evidence.question import token_counter

    model = HybridModel.from_pretrained(tiny_checkpoint)
    sample = generate(1, seed=9, categories=[cat.MAGNITUDE])[0]
    count = token_counter(model.processor.tokenizer)
    extended = with_evidence(sample, model.encoder, budget=300, count=count)
    evidence = extended.question.split("\n\n", 1)[1]
    assert " | band " in evidence or "band = distance outside" in evidence  # its own Toto gives the band
    assert count(evidence) <= 300 or "- " not in evidence
    batch = InputBuilder.for_model(model).prepare([extended], modality="series")
    prompt = model.processor.tokenizer.decode(batch["input_ids"][0])
    assert evidence.splitlines()[1] in prompt

    data = write_dataset(generate(3, seed=10), tmp_path / "data", images=False).parent
    out = tmp_path / "r.csv"
    args = ["eval", "--model", str(tiny_checkpoint), "--data", str(data), "--out", str(out), "--no-progress",
            "--name", "tiny", "--evidence", "--evidence-budget", "200"]
    assert main(args) == 0
    rows = read_results(out)
    assert {r.model for r in rows} == {"tiny+evidence"} and len(rows) == 3
    assert all(HEADER not in r.question for r in rows)


def test_z_only_evidence_leaves_out_the_checkpoints_band_and_is_named_for_it(tiny_checkpoint, tmp_path, capsys):
    from tsqa.bridges.answering import AnswerEngine
    from tsqa.bridges.hybrid import HybridModel

    engine = AnswerEngine(HybridModel.from_pretrained(tiny_checkpoint))
    sample = generate(1, seed=9, categories=[cat.MAGNITUDE])[0]
    both, = engine.answer([sample], evidence=EvidenceRequest(400))
    z_only, = engine.answer([sample], evidence=EvidenceRequest(400, band=False))
    assert "band = distance outside" in both.evidence
    assert "band" not in z_only.evidence and z_only.evidence.startswith(HEADER)

    data = write_dataset(generate(3, seed=10), tmp_path / "data", images=False).parent
    args = ["eval", "--model", str(tiny_checkpoint), "--data", str(data), "--no-progress", "--name", "tiny"]
    assert main([*args, "--out", str(tmp_path / "r.csv"), "--evidence", "--evidence-z-only"]) == 0
    assert {r.model for r in read_results(tmp_path / "r.csv")} == {"tiny+evidence-z"}
    assert main([*args, "--out", str(tmp_path / "s.csv"), "--evidence-z-only"]) == 1
    assert "--evidence-z-only needs --evidence" in capsys.readouterr().err


def test_ask_with_evidence_prints_it_and_the_model_reads_it(tiny_checkpoint, tmp_path, capsys, monkeypatch):
    from tsqa.api.model import TSQA

    steps = 120
    values = 50 + 2 * np.sin(np.arange(steps) / 6.0)
    values[70:90] += 40  # a level shift from step 70 to 90
    stamps = 1_700_000_000 + 60 * np.arange(steps)
    path = tmp_path / "incident.csv"
    pd.DataFrame({"timestamp": stamps, "cpu:web-0": values, "cpu:web-1": values[::-1] * 0 + 50}).to_csv(path,
                                                                                                     index=False)
    options = ["Yes, there is an anomaly in the time-series", "No, there is no anomaly in the time-series"]
    assert main(["ask", "--model", str(tiny_checkpoint), "--series", str(path), "--question", "Is there an anomaly?",
                 "--options", *options, "--evidence", "--evidence-budget", "4000", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    start = datetime.fromtimestamp(int(stamps[70]), UTC).strftime(TIMESTAMP_FORMAT)
    end = datetime.fromtimestamp(int(stamps[90]), UTC).strftime(TIMESTAMP_FORMAT)
    assert f"- cpu:web-0: z outside {start} to {end} (20 steps)" in result["evidence"]

    tsqa = TSQA.from_pretrained(tiny_checkpoint)
    seen = []
    build = tsqa.engine.builder.build  # what the model is shown
    monkeypatch.setattr(tsqa.engine.builder, "build", lambda samples, *a: seen.extend(samples) or build(samples, *a))
    asked = tsqa.ask(str(path), "Is there an anomaly?", options, evidence=True, evidence_budget=4000)
    assert seen[0].question == "Is there an anomaly?\n\n" + asked.evidence
    assert asked.evidence == result["evidence"]  # the text `tsqa ask --evidence` prints is the one the model read
    assert "- cpu:web-0: z outside" in seen[0].question
