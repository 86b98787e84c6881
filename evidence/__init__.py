"""What a series shows without a language model: excursions past robust z-scores or Toto's forecast band, lag and
overlap between two series, the evidence text appended to a question, and the detector baseline with its fitted
rules. Evidence reads `encoders` and `arfbench`; `eval`, the API and the server read evidence."""
