"""Evaluation: ARFBench-exact answer parsing and metrics, baselines, runners, results files and reports.

The OpenAI-compatible runner lives in `eval.api` (it imports `openai`); everything else is importable from here.
"""

from tsqa.eval.accuracy import accuracy
from tsqa.eval.answerer import Answerer
from tsqa.eval.baselines import MostFrequentAnswerer, RandomAnswerer, baseline_tables
from tsqa.arfbench.answer_classes import answer_class, options_from_json
from tsqa.eval.breakdown import Breakdown
from tsqa.eval.f1 import CategoryF1, category_f1, f1_breakdown
from tsqa.eval.oracle import oracle_rows
from tsqa.eval.parsing import ParsedResponse, parse_answer, parse_response
from tsqa.eval.report import Report, build_report
from tsqa.eval.results import COLUMNS, EXTRA_COLUMNS, PUBLISHED_COLUMNS, ResultRow, read_results
from tsqa.eval.results_writer import ResultsWriter
from tsqa.eval.runner import RunSummary, run_answerer
from tsqa.eval.scores import ModelScores, score_model, split_by_model

__all__ = [
    "COLUMNS",
    "EXTRA_COLUMNS",
    "PUBLISHED_COLUMNS",
    "Answerer",
    "Breakdown",
    "CategoryF1",
    "ModelScores",
    "MostFrequentAnswerer",
    "ParsedResponse",
    "RandomAnswerer",
    "Report",
    "ResultRow",
    "ResultsWriter",
    "RunSummary",
    "accuracy",
    "answer_class",
    "baseline_tables",
    "build_report",
    "category_f1",
    "f1_breakdown",
    "options_from_json",
    "oracle_rows",
    "parse_answer",
    "parse_response",
    "read_results",
    "run_answerer",
    "score_model",
    "split_by_model",
]
