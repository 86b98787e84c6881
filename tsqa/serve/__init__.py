"""`tsqa serve`: a checkpoint behind an OpenAI-compatible chat-completions endpoint.

A request is an ordinary chat completion; the last user message carries the question. Its content parts:

    {"type": "text", "text": "Question: Is there an anomaly?\\nOptions: [\\"Yes\\", \\"No\\"]"}
    {"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}      (inline only; png, jpeg, webp)
    {"type": "time_series", "time_series": {
        "name": "checkout-latency",                  optional; default series_1, series_2
        "channels": ["host:web-1", "host:web-2"],    optional; default channel_0, channel_1, ...
        "values": [[1.0, 2.5], [1.2, null], ...],    one row per step (a plain number per step for one channel);
                                                     null is a missing value
        "timestamps": [1700000000, 1700000060, ...], optional unix seconds (or date strings), one per step;
        "interval": 60, "start": 1700000000}}        without timestamps: a grid from `start` every `interval` s
    {"type": "time_series", "time_series": {"name": "...", "csv": "timestamp,cpu\\n1700000000,0.5\\n..."}}
                                                     (a wide CSV or the long epoch,group,value layout)

One or two series (two: a paired question). Options are read from a line of the text that starts with `Options:`
or `Answer Choices:` followed by a JSON list (the evaluator's format above), or from the body field
`"options": [...]` (`extra_body` in the `openai` client); with options every
option is scored and the reply is `{"answer": <option>, "reasoning": ...}` as JSON text, with per-option
probabilities in the response's extra `tsqa` field. Without options the model generates. Without a series the
model answers from the image(s) alone; without an image it sees a plot rendered from the series.

Concurrent requests are answered in batches by one model worker (`batcher`); every limit (body, grid cells,
images, question and option tokens, option count) is checked before a request is queued, a full queue is a 503
with Retry-After, and every error, protocol errors included, is a JSON body in OpenAI's shape.

Modules: `server` (HTTP, routes, auth, body limits), `request` and `parts` (parsing and checks), `batcher` (the
queue and the model worker), `backend` (the only module that touches the model), `responses` (OpenAI-shaped
bodies), `limits`, `errors`. Nothing is imported here, so `tsqa serve --help` stays light.
"""
