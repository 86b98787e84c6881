"""Evaluation: ARFBench-exact answer parsing and metrics, baselines, runners, results files and reports.

Import the modules themselves (`tsqa.eval.metrics`, `tsqa.eval.runner`, ...): the package imports nothing, so a
command that needs one of them does not pay for the others (the OpenAI-compatible runner, `eval.api`, imports
`openai`).
"""
