"""The hybrid: a frozen time-series encoder, the trained adapter and any `AutoModelForImageTextToText` VLM.

The model only: checkpoint I/O, `forward` (the VLM with the adapter's vectors in place of the time-series
placeholder tokens), `score_options` and `generate` over a batch that the `InputBuilder` (`bridges.inputs`) made.
It knows nothing of questions, batching or answers: `bridges.answering` turns questions into `Answer`s.

Time-series tokens enter the VLM through placeholder tokens whose embeddings are replaced inside the VLM's own
forward (two hooks on its input embedding), so `input_ids` stay in the call: Qwen-VL computes its 3-D M-RoPE
positions and `generate()` runs unchanged. The VLM stays frozen except for optional LoRA on its language model.

The adapter (one module of the model, as in a transformers modeling file) maps each time-series token's features
(`TimeSeriesPayload`, the payload's one typed object) into the language model's input embedding space.

Checkpoint directory: `tsqa_config.json` (base model ids or paths, adapter config, prompt format and version, added
tokens), `adapter.safetensors`, and `lora/` in peft's format when LoRA was added.
"""

import inspect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path

import torch
from peft import PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn import functional as F
from transformers import AutoModelForImageTextToText, AutoProcessor, PreTrainedModel

from tsqa.bridges.config import (
    ADAPTER_WEIGHTS,
    ADDED_TOKENS,
    LORA_DIR,
    MARKER_TOKENS,
    TS_TOKEN,
    AdapterConfig,
    LoraSettings,
    Modality,
    PromptFormat,
    Scoring,
    TSQAConfig,
)
from tsqa.bridges.features import encoder_feature_mask, feature_dim
from tsqa.encoders import Encoder
from tsqa.factories.hub import anchored, loading_weights, locate, portable, quiet_loading, require_safetensors, resolve

IGNORE_INDEX = -100  # label of a token that is not supervised
TOKEN_KINDS = 4  # a temporal token, or a grounding token of a time, a channel or a series (`bridges.grounding.Kind`)


@dataclass
class TimeSeriesPayload:
    """The adapter's input for every time-series token of a batch, in prompt order (row-major over the batch)."""

    features: torch.Tensor  # (tokens, feature_dim) float32; the pooled-embedding part is 0 where `empty`
    empty: torch.Tensor  # (tokens,) bool: the channel has no observation in the token's span
    channel: torch.Tensor  # (tokens,) long: index of the channel among its series' shown channels
    series: torch.Tensor  # (tokens,) long: 0 for the first series of the question, 1 for the second
    kind: torch.Tensor  # (tokens,) long: a temporal token (0) or what a grounding token grounds (`grounding.Kind`)

    def __len__(self) -> int:
        return self.features.shape[0]

    def to(self, device: "str | torch.device") -> "TimeSeriesPayload":
        return TimeSeriesPayload(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    @classmethod
    def cat(cls, payloads: Sequence["TimeSeriesPayload"]) -> "TimeSeriesPayload":
        return cls(**{f.name: torch.cat([getattr(p, f.name) for p in payloads]) for f in fields(cls)})


class TimeSeriesAdapter(nn.Module):
    """Features (+ channel and series identity) -> MLP -> unit RMS x a learned gate (initialised to the RMS of the
    LM's embedding rows), so the tokens enter the LM at the scale of its own input embeddings.

    Also owns the vectors of the block-marker tokens, so the base model's embedding matrix never needs to train.
    """

    def __init__(self, config: AdapterConfig, num_markers: int = 2):
        super().__init__()
        if config.encoder_dim < 1 or config.lm_width < 1:
            raise ValueError(f"adapter widths unknown (encoder_dim {config.encoder_dim}, lm_width {config.lm_width})")
        self.config = config
        self.empty = nn.Parameter(torch.zeros(config.encoder_dim))  # pooled embedding of a span with no data
        kept = encoder_feature_mask(config.encoder_dim, config.fourier_frequencies, config.inputs)
        self.register_buffer("kept", kept, persistent=False)  # (feature_dim,) the `inputs` ablation; all 1 by default
        self.input = nn.Linear(feature_dim(config.encoder_dim, config.fourier_frequencies), config.hidden_dim)
        self.channel_ids = nn.Embedding(config.max_channel_ids, config.hidden_dim)
        self.series_ids = nn.Embedding(config.max_series, config.hidden_dim)
        self.kinds = nn.Embedding(TOKEN_KINDS, config.hidden_dim)  # temporal token, or what a grounding token names
        self.output = nn.Sequential(
            nn.GELU(), nn.Dropout(config.dropout), nn.Linear(config.hidden_dim, config.lm_width)
        )
        self.markers = nn.Parameter(torch.randn(num_markers, config.lm_width))
        self.gate = nn.Parameter(torch.tensor(float(config.embedding_rms)))
        nn.init.normal_(self.channel_ids.weight, std=0.02)
        nn.init.normal_(self.series_ids.weight, std=0.02)
        nn.init.normal_(self.kinds.weight, std=0.02)

    def forward(self, payload: TimeSeriesPayload) -> torch.Tensor:
        """-> (tokens, lm_width), one vector per time-series token."""
        dim, features = self.config.encoder_dim, payload.features
        pooled = torch.where(payload.empty[:, None], self.empty.to(features.dtype), features[:, :dim])
        x = torch.cat([pooled, features[:, dim:]], dim=-1) * self.kept.to(features.dtype)
        hidden = (
            self.input(x)
            + self.channel_ids(payload.channel % self.config.max_channel_ids)
            + self.series_ids(payload.series)
            + self.kinds(payload.kind)
        )  # (tokens, hidden_dim)
        return self._to_embedding_scale(self.output(hidden))

    def marker_vectors(self) -> torch.Tensor:
        """(markers, lm_width) the learned embeddings of the block-marker tokens."""
        return self._to_embedding_scale(self.markers)

    def _to_embedding_scale(self, x: torch.Tensor) -> torch.Tensor:
        rms = x.pow(2).mean(dim=-1, keepdim=True).add(1e-6).sqrt()
        return x / rms * self.gate


@dataclass
class HybridOutput:
    """What `forward` returns, whatever it was asked."""

    loss: torch.Tensor | None  # mean cross-entropy of the labelled tokens; None without labels
    logits: torch.Tensor  # (batch, kept positions, vocab): the last `logits_to_keep`, or those the loss needs
    cache: object | None  # the KV cache, with use_cache=True


class HybridModel(nn.Module):
    """Build with `create` (fresh adapter) or `from_pretrained` (a saved checkpoint)."""

    def __init__(self, vlm: PreTrainedModel, processor, encoder: Encoder | None, config: TSQAConfig):
        super().__init__()
        self.config = config
        self.vlm = vlm.requires_grad_(False)
        self.processor = processor
        processor.tokenizer.add_tokens(list(ADDED_TOKENS), special_tokens=True)  # no-op when already there
        self.encoder = encoder
        self.adapter = None if config.adapter is None else TimeSeriesAdapter(config.adapter, len(MARKER_TOKENS))
        self._set_peft(None)
        self.merged = False  # LoRA folded into the base weights: no longer a checkpoint over the base model
        tokenizer = processor.tokenizer
        self.placeholder_id = tokenizer.convert_tokens_to_ids(TS_TOKEN)  # a time-series (or grounding) token
        self.marker_ids = [tokenizer.convert_tokens_to_ids(token) for token in MARKER_TOKENS]
        self.injector = _EmbeddingInjector(vlm.get_input_embeddings(), self.placeholder_id, self.marker_ids)
        if self.adapter is not None:
            self.adapter.to(self.device)
        # the KV cache's name in the VLM's inputs and outputs: `cache` from transformers 5.24 on, before that
        # `past_key_values`
        self._cache_keyword = "cache" if "cache" in inspect.signature(vlm.forward).parameters else "past_key_values"

    # ---- construction and checkpoints -------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        encoder_id: "str | Path | None",
        vlm_id: "str | Path",
        adapter: AdapterConfig | None = None,
        lora: LoraSettings | None = None,
        prompt: PromptFormat | None = None,
        scoring: Scoring = Scoring.MEAN,
        device: "str | torch.device" = "cpu",
        dtype: torch.dtype | None = None,
        modality: Modality = Modality.BOTH,
    ) -> "HybridModel":
        """A new hybrid over base models given by Hub id or path. `adapter`: its widths come from the models (None
        for the defaults). `encoder_id=None` makes a plot-only model. `modality`: what the model will be trained to
        see, recorded so answering shows it the same."""
        vlm, processor = load_vlm(vlm_id, device, dtype)
        encoder = None if encoder_id is None else load_encoder(encoder_id, device)
        here = Path.cwd()  # a relative path names a folder of the working directory: held as an absolute one
        return cls.from_models(
            vlm, processor, encoder, anchored(str(vlm_id), here),
            None if encoder_id is None else anchored(str(encoder_id), here), adapter, lora, prompt, scoring, modality,
        )

    @classmethod
    def from_models(
        cls,
        vlm: PreTrainedModel,
        processor,
        encoder: Encoder | None,
        vlm_id: str,
        encoder_id: str | None,
        adapter: AdapterConfig | None = None,
        lora: LoraSettings | None = None,
        prompt: PromptFormat | None = None,
        scoring: Scoring = Scoring.MEAN,
        modality: Modality = Modality.BOTH,
    ) -> "HybridModel":
        """A new hybrid over models already in memory; the ids are what a saved checkpoint will load them from."""
        widths = None
        if encoder is not None:
            embedding = vlm.get_input_embeddings().weight
            widths = _with_widths(
                adapter or AdapterConfig(),
                encoder_dim=encoder.d_model,
                lm_width=embedding.shape[1],
                embedding_rms=float(embedding.detach().float().pow(2).mean().sqrt()),
            )
        config = TSQAConfig(
            vlm=vlm_id, encoder=encoder_id, adapter=widths, prompt=prompt or PromptFormat(), scoring=scoring,
            modality=modality,
        )
        model = cls(vlm, processor, encoder, config)
        if lora is not None:
            model.add_lora(lora)
        return model

    @classmethod
    def from_pretrained(
        cls,
        directory: "str | Path",
        device: "str | torch.device" = "cpu",
        dtype: torch.dtype | None = None,
        merge_lora: bool = False,
        trainable: bool = False,
    ) -> "HybridModel":
        """Load the base models named in the checkpoint (a directory or Hub id), then its adapter and LoRA weights.

        `merge_lora` folds LoRA into the base weights for faster inference; `trainable` keeps LoRA trainable."""
        directory = resolve(directory)
        config = TSQAConfig.load(directory)
        vlm, processor = load_vlm(locate(config.vlm, directory), device, dtype)
        encoder = None if config.encoder is None else load_encoder(resolve(config.encoder, directory), device)
        encoder_ref = None if config.encoder is None else anchored(config.encoder, directory)
        model = cls(vlm, processor, encoder, replace(config, vlm=anchored(config.vlm, directory), encoder=encoder_ref))
        if model.adapter is not None:
            weights = directory / ADAPTER_WEIGHTS
            if not weights.is_file():
                raise FileNotFoundError(f"{directory}: missing {ADAPTER_WEIGHTS}")
            with loading_weights(weights, "adapter"):
                model.adapter.load_state_dict(load_file(weights, device=str(model.device)))
        if (directory / LORA_DIR).is_dir():
            require_safetensors(directory / LORA_DIR, "LoRA")
            with loading_weights(directory / LORA_DIR, "LoRA"):
                peft = PeftModel.from_pretrained(vlm, directory / LORA_DIR, is_trainable=trainable)
            # A bundled checkpoint names its VLM relative to itself ("vlm"): record the folder it was loaded from, so
            # saving this LoRA again (training from the checkpoint) finds its base here, not by asking the Hub.
            peft.peft_config[peft.active_adapter].base_model_name_or_path = vlm.name_or_path
            model._set_peft(peft)
            if merge_lora:
                model.merge_lora()
        return model

    def save_pretrained(self, directory: "str | Path") -> Path:
        if self.merged:
            raise ValueError("LoRA was merged into the base weights; save the checkpoint before merging")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        encoder = None if self.config.encoder is None else portable(self.config.encoder, directory)
        replace(self.config, vlm=portable(self.config.vlm, directory), encoder=encoder).save(directory)
        if self.adapter is not None:
            state = {name: tensor.detach().contiguous().cpu() for name, tensor in self.adapter.state_dict().items()}
            save_file(state, directory / ADAPTER_WEIGHTS)
        if self.peft is not None:
            self.peft.save_pretrained(directory / LORA_DIR)
        return directory

    def add_lora(self, settings: LoraSettings) -> None:
        """Wrap the language model's projections with fresh LoRA weights (the rest of the VLM stays frozen)."""
        if self.peft is not None:
            raise ValueError("this model already has LoRA weights")
        from tsqa.bridges.lora import peft_lora_config

        self._set_peft(get_peft_model(self.vlm, peft_lora_config(self.vlm, settings)))

    def merge_lora(self) -> None:
        """Fold LoRA into the base weights for faster inference (the model can no longer be saved)."""
        if self.peft is None:
            raise ValueError("this model has no LoRA weights to merge")
        self.vlm = self.peft.merge_and_unload()
        self._set_peft(None)
        self.merged = True

    def _set_peft(self, peft: PeftModel | None) -> None:
        """Keep peft's wrapper for saving and merging, unregistered: its LoRA weights already live in `self.vlm`
        (peft injects them in place), and registering it would list every VLM weight twice in the state dict."""
        object.__setattr__(self, "peft", peft)

    # ---- parameters ------------------------------------------------------------------------------------------------

    @property
    def device(self) -> torch.device:
        return self.vlm.get_input_embeddings().weight.device

    def trainable_parameters(self) -> list[tuple[str, nn.Parameter]]:
        """(name, parameter) of the adapter and the LoRA weights: everything else is frozen."""
        return [(name, p) for name, p in self.named_parameters() if p.requires_grad]

    # ---- the forward pass --------------------------------------------------------------------------------------

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        payload: TimeSeriesPayload | None = None,
        labels: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        logits_to_keep: int = 0,
        **vlm_inputs,
    ) -> HybridOutput:
        """The VLM's forward with adapter vectors at the placeholders and positions computed as `generate()` would.

        Logits are computed only where needed, never for the whole (batch, sequence, vocabulary): the last
        `logits_to_keep` positions (0: all), or, with `labels`, the positions that predict a labelled token (answers
        end every left-padded row, so that is a window at the end)."""
        device = self.device
        vlm_inputs = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in vlm_inputs.items()}
        input_ids, attention_mask = input_ids.to(device), attention_mask.to(device)
        if position_ids is None:
            position_ids = self.position_ids(input_ids, attention_mask, vlm_inputs)
        if labels is not None:
            labels = labels.to(device)
            supervised = (labels != IGNORE_INDEX).any(dim=0).nonzero()  # (positions, 1)
            if len(supervised) == 0:
                raise ValueError("labels supervise no token")
            logits_to_keep = labels.shape[1] - int(supervised[0]) + 1  # from the position before the first label
        with self._injection(payload):
            output = self.vlm(
                input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids.to(device),
                logits_to_keep=logits_to_keep, **vlm_inputs,
            )
        loss = None
        if labels is not None:
            logits = output.logits[:, :-1].float()  # (batch, window - 1, vocab)
            targets = labels[:, labels.shape[1] - logits.shape[1] :]  # (batch, window - 1): the next tokens
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE_INDEX)
        return HybridOutput(loss=loss, logits=output.logits, cache=output.get(self._cache_keyword))

    def position_ids(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, inputs: dict) -> torch.Tensor:
        """Positions for a left-padded batch; `inputs` may hold the processor's `mm_token_type_ids`/`image_grid_thw`.

        Plain 1-D RoPE models (Idefics3/SmolVLM): (batch, seq) counting only attended tokens. Qwen-VL's M-RoPE:
        (4, batch, seq): the text positions, then the model's own `get_rope_index` (temporal, height, width)."""
        text = attention_mask.long().cumsum(dim=-1) - 1
        text = text.masked_fill(attention_mask == 0, 0)  # (batch, seq): left padding gets 0, as `generate()` does
        if not hasattr(getattr(self.vlm, "model", None), "get_rope_index"):
            return text
        grid = inputs.get("image_grid_thw")
        if grid is None:
            return text[None].expand(4, -1, -1)
        types = inputs.get("mm_token_type_ids")
        vision, _ = self.vlm.model.get_rope_index(
            input_ids, mm_token_type_ids=None if types is None else types.to(input_ids.device),
            image_grid_thw=grid.to(input_ids.device), attention_mask=attention_mask,
        )  # (3, batch, seq)
        return torch.cat([text[None], vision.to(text.device)])

    def _injection(self, payload: TimeSeriesPayload | None):
        """Context in which the VLM's embedding of the added tokens is the adapter's output for this payload."""
        vectors = None
        if payload is not None and len(payload) > 0:
            if self.adapter is None:
                raise ValueError("time-series tokens given to a model without an adapter")
            vectors = self.adapter(payload.to(self.device))
        markers = None if self.adapter is None else self.adapter.marker_vectors()
        return self.injector.inject(vectors, markers)

    # ---- scoring and generation ---------------------------------------------------------------------------------------------

    def score_options(
        self,
        batch: dict,
        option_ids: list[list[list[int]]],
        option_payloads: list[list[TimeSeriesPayload | None]] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Summed answer-token log-probability of every option, differentiable (the choice loss trains on it).

        option_ids[q][o]: the token ids of option o of question q; option_payloads[q][o] the payload of its grounding
        tokens, which are read but never scored. Returns (options,) float32 sums and (options,) scored-token counts,
        the options of all questions in order. The prompts run once with a KV cache; the cache is then indexed so
        each option gets its question's copy, and all options run in one forward that continues every row from its
        prompt's last position: equal to scoring each prompt + option sequence in full (tested). Needs the KV cache:
        not under gradient checkpointing, which drops it.
        """
        device = self.device
        inputs = {key: value for key, value in batch.items() if key != "labels"}
        attention_mask = inputs["attention_mask"].to(device)
        positions = self.position_ids(inputs["input_ids"].to(device), attention_mask, inputs)
        prompt = self(**inputs, position_ids=positions, use_cache=True, logits_to_keep=1)
        first = prompt.logits[:, -1].float().log_softmax(dim=-1)  # (questions, vocab): after each prompt

        counts = torch.tensor([len(question) for question in option_ids], device=device)
        owner = torch.repeat_interleave(torch.arange(len(option_ids), device=device), counts)  # option -> question
        flat = [torch.tensor(ids, dtype=torch.long) for question in option_ids for ids in question]
        lengths = torch.tensor([len(ids) for ids in flat], device=device)
        if int(lengths.min()) < 1:
            raise ValueError("an option encodes to no tokens")
        width = int(lengths.max())
        tokens = torch.full((len(flat), width), self.processor.tokenizer.pad_token_id, dtype=torch.long)
        for row, ids in enumerate(flat):
            tokens[row, : len(ids)] = ids
        tokens = tokens.to(device)  # (options, width), right-padded
        present = torch.arange(width, device=device)[None] < lengths[:, None]  # (options, width)
        scored = present & (tokens != self.placeholder_id)  # grounding tokens are read, not predicted
        payloads = [p for question in option_payloads or [] for p in question if p is not None]

        prompt.cache.batch_select_indices(owner)
        step = torch.arange(1, width + 1, device=device)
        continuation = self(
            input_ids=tokens,
            attention_mask=torch.cat([attention_mask[owner], present.long()], dim=1),
            position_ids=positions[..., owner, -1:] + step,  # (..., options, width): text resumes after the prompt
            payload=TimeSeriesPayload.cat(payloads) if payloads else None,  # row-major: option by option
            use_cache=True,
            **{self._cache_keyword: prompt.cache},
        )
        later = continuation.logits[:, :-1].float().log_softmax(dim=-1)  # (options, width - 1, vocab)
        targets = torch.where(scored, tokens, 0)  # added tokens may lie outside the vocabulary
        token_logp = torch.cat(
            [first[owner].gather(1, targets[:, :1]), later.gather(2, targets[:, 1:, None])[..., 0]], dim=1
        )  # (options, width): log p of each answer token
        return torch.where(scored, token_logp, 0).sum(dim=1), scored.sum(dim=1)

    @torch.no_grad()
    def generate(self, batch: dict, max_new_tokens: int = 64) -> list[str]:
        """Greedy continuations of the prompts, each prefixed with the prompt's answer prefix (so a JSON answer is
        whole). The added time-series tokens are never generated."""
        device = self.device
        inputs = {k: v.to(device) for k, v in batch.items() if k not in ("payload", "labels")}
        tokenizer = self.processor.tokenizer
        vocabulary = self.vlm.get_output_embeddings().weight.shape[0]
        suppress = [token for token in (self.placeholder_id, *self.marker_ids) if token < vocabulary]
        with self._injection(batch.get("payload")):
            output = self.vlm.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                suppress_tokens=suppress or None,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        texts = tokenizer.batch_decode(output[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
        return [self.config.prompt.answer_prefix + text for text in texts]

def _with_widths(adapter: AdapterConfig, **widths) -> AdapterConfig:
    """The adapter config with the widths of the base models; a recipe that set them must agree."""
    for name in ("encoder_dim", "lm_width"):
        given = getattr(adapter, name)
        if given and given != widths[name]:
            raise ValueError(f"adapter {name} {given} differs from the base model's {widths[name]}")
    return replace(adapter, **widths)


class _EmbeddingInjector:
    """Hooks the LM's input embedding so that placeholder rows take the adapter's vectors (in order of appearance,
    row-major over the batch) and each marker id its marker vector. Before the embedding, the added ids (which may
    lie outside the base vocabulary) are swapped for a harmless id; after it, their rows are overwritten."""

    def __init__(self, embedding: nn.Module, placeholder_id: int, marker_ids: list[int]):
        self.placeholder_id = placeholder_id
        self.marker_ids = list(marker_ids)
        self._added = torch.tensor([placeholder_id, *self.marker_ids])
        self._ids: torch.Tensor | None = None
        self._vectors: torch.Tensor | None = None  # (placeholders, width)
        self._markers: torch.Tensor | None = None  # (markers, width)
        self._handles = [
            embedding.register_forward_pre_hook(self._swap_ids),
            embedding.register_forward_hook(self._overwrite),
        ]

    @contextmanager
    def inject(self, vectors: torch.Tensor | None, markers: torch.Tensor | None) -> Iterator[None]:
        """Within the block, embedding calls use `vectors` (placeholders, width) and `markers` (markers, width)."""
        self._vectors, self._markers = vectors, markers
        try:
            yield
        finally:
            self._vectors = self._markers = None

    def _swap_ids(self, module: nn.Module, args: tuple) -> tuple:
        ids = args[0]
        self._ids = ids
        added = torch.isin(ids, self._added.to(ids.device))
        if not added.any():
            return args
        return (torch.where(added, 0, ids), *args[1:])

    def _overwrite(self, module: nn.Module, args: tuple, output: torch.Tensor) -> torch.Tensor:
        ids, self._ids = self._ids, None
        placeholders = ids == self.placeholder_id
        marker_masks = [ids == marker for marker in self.marker_ids]
        count = int(placeholders.sum())
        if count == 0 and not any(mask.any() for mask in marker_masks):
            return output
        if self._markers is None:
            raise RuntimeError(
                "time-series tokens in the input but no adapter output to inject: call the model through HybridModel"
            )
        available = 0 if self._vectors is None else self._vectors.shape[0]
        if count != available:
            raise ValueError(f"the input has {count} time-series placeholder tokens but {available} adapter vectors")
        output = output.clone()
        if count:
            output[placeholders] = self._vectors.to(output.dtype)
        for index, mask in enumerate(marker_masks):
            output = torch.where(mask[..., None], self._markers[index].to(output.dtype), output)
        return output


def load_vlm(vlm_id: "str | Path", device: "str | torch.device", dtype: torch.dtype | None):
    """The VLM (in eval mode, on `device`) and its processor, from a Hub id, a local directory or a built spec."""
    path = locate(vlm_id)
    require_safetensors(path, "VLM")
    with quiet_loading(), loading_weights(path, "VLM"):
        vlm = AutoModelForImageTextToText.from_pretrained(path, dtype=dtype or "auto", use_safetensors=True)
        return vlm.to(device).eval(), AutoProcessor.from_pretrained(path)


def load_encoder(encoder_id: "str | Path", device: "str | torch.device") -> Encoder:
    from tsqa.encoders.toto import TotoEncoder  # imports toto2 (and gluonts): only when an encoder is needed

    return TotoEncoder.from_pretrained(resolve(encoder_id), device=device)
