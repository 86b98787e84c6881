"""Evaluation: ARFBench-exact answer parsing and metrics, baselines, runners, results files and reports.

Import what you need from its module (`tsqa.eval.runner`, `tsqa.eval.metrics`, ...): importing the package runs
nothing, so `tsqa ask` with a checkpoint loads only the evaluator's answerer, not its reports and baselines.
"""
