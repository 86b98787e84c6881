"""Synthetic ARFBench-style incidents: realistic metrics, injected anomalies with exact ground truth, questions."""

from tsqa.arfbench.synth.generate import generate, generate_questions
from tsqa.arfbench.synth.summary import answer_summary, format_summary

__all__ = ["answer_summary", "format_summary", "generate", "generate_questions"]
