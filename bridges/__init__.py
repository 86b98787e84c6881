"""The bridge from time-series encoders into vision-language models: adapter, hybrid model, prompts, answering.

Import the modules themselves (`tsqa.bridges.hybrid`, ...): the package imports nothing, so `import tsqa.bridges`
stays free of transformers and peft.
"""
