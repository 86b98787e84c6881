"""Evaluation: ARFBench-exact answer parsing and metrics, baselines, runners, results files and reports.

The OpenAI-compatible runner lives in `eval.api` (it imports `openai`); everything else is importable from here.
"""

from tsqa.arfbench.answer_classes import answer_class, options_from_json
from tsqa.eval.baselines import MostFrequentAnswerer, RandomAnswerer, baseline_tables
from tsqa.eval.experts import oracle_rows
from tsqa.eval.metrics import (
    Breakdown, CategoryF1, ModelScores, accuracy, category_f1, f1_breakdown, score_model, split_by_model,
)
from tsqa.eval.parsing import ParsedResponse, parse_answer, parse_response
from tsqa.eval.report import Report, build_report
from tsqa.eval.results import COLUMNS, EXTRA_COLUMNS, PUBLISHED_COLUMNS, ResultRow, read_results
from tsqa.eval.results_writer import ResultsWriter
from tsqa.eval.runner import Answerer, RunSummary, run_answerer

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
