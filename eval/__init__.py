"""Evaluation: ARFBench-exact answer parsing and metrics, baselines, runners, results files and reports.

The OpenAI-compatible runner lives in `eval.api` (it imports `openai`); everything else is importable from here.
"""

from eval.accuracy import accuracy
from eval.answerer import Answer, Answerer
from eval.baselines import MostFrequentAnswerer, RandomAnswerer, baseline_tables
from arfbench.answer_classes import answer_class, options_from_json
from eval.breakdown import Breakdown
from eval.f1 import CategoryF1, category_f1, f1_breakdown
from eval.oracle import oracle_rows
from eval.parsing import ParsedResponse, parse_answer, parse_response
from eval.report import Report, build_report
from eval.results import COLUMNS, EXTRA_COLUMNS, PUBLISHED_COLUMNS, ResultRow, read_results
from eval.results_writer import ResultsWriter
from eval.runner import RunSummary, run_answerer
from eval.scores import ModelScores, score_model, split_by_model

__all__ = [
    "COLUMNS",
    "EXTRA_COLUMNS",
    "PUBLISHED_COLUMNS",
    "Answer",
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
