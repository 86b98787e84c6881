"""How models are made, apart from the code that uses them: tiny random Totos and VLMs built from configs, the
published architectures with random weights, SmolVLM with SmolLM2's real weights, where a model reference resolves
to, and the caches built models go into."""
