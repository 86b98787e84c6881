"""The hybrid: a frozen time-series encoder, the trained adapter and any `AutoModelForImageTextToText` VLM.

Time-series tokens enter the VLM through placeholder tokens whose embeddings the adapter replaces inside the VLM's
own forward (`bridges.injection`), so image positions, M-RoPE and `generate()` are the VLM's own. The VLM stays
frozen except for optional LoRA on its language model.

Checkpoint directory: `tsqa_config.json` (base model ids or paths, adapter config, prompt format and version, added
tokens), `adapter.safetensors`, and `lora/` in peft's format when LoRA was added.
"""

from dataclasses import replace
from pathlib import Path

import torch
from peft import PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModelForImageTextToText, AutoProcessor

from tsqa.arfbench import Sample
from tsqa.bridges.adapter import AdapterConfig, TimeSeriesAdapter
from tsqa.bridges.answering import Answer, answer_questions
from tsqa.bridges.choice import choice_losses
from tsqa.bridges.config import ADAPTER_WEIGHTS, LORA_DIR, TSQAConfig
from tsqa.bridges.hub import anchored, portable, resolve
from tsqa.bridges.injection import EmbeddingInjector
from tsqa.bridges.inputs import InputBuilder
from tsqa.bridges.lora import LoraSettings, peft_lora_config
from tsqa.bridges.positions import position_ids
from tsqa.bridges.prompt import ADDED_TOKENS, MARKER_TOKENS, PromptFormat
from tsqa.encoders import Encoder


class HybridModel(nn.Module):
    """Build with `create` (fresh adapter) or `from_pretrained` (a saved checkpoint)."""

    def __init__(self, vlm: nn.Module, processor, encoder: Encoder | None, config: TSQAConfig):
        super().__init__()
        self.config = config
        self.vlm = vlm.requires_grad_(False)
        self.processor = processor
        processor.tokenizer.add_tokens(list(ADDED_TOKENS), special_tokens=True)  # no-op when already there
        self.encoder = encoder
        self.adapter = None if config.adapter is None else TimeSeriesAdapter(config.adapter, len(MARKER_TOKENS))
        self._set_peft(None)
        self.merged = False  # LoRA folded into the base weights: no longer a checkpoint over the base model
        self.builder = InputBuilder(processor, encoder, config.adapter, config.prompt)
        self.injector = EmbeddingInjector(
            vlm.get_input_embeddings(), self.builder.placeholder_id, self.builder.marker_ids
        )
        if self.adapter is not None:
            self.adapter.to(self.device)

    # ---- construction and checkpoints -------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        encoder_id: "str | Path | None",
        vlm_id: "str | Path",
        adapter_config: dict | None = None,
        lora_config: LoraSettings | None = None,
        prompt_format: PromptFormat | None = None,
        scoring: str = "mean",
        device: "str | torch.device" = "cpu",
        dtype: torch.dtype | None = None,
        modality: str = "both",
    ) -> "HybridModel":
        """A new hybrid over base models given by Hub id or path. `adapter_config`: AdapterConfig fields other than
        the widths, which come from the models (None for defaults). `encoder_id=None` makes a plot-only model.
        `modality`: what the model will be trained to see, recorded so answering shows it the same."""
        vlm, processor = load_vlm(vlm_id, device, dtype)
        encoder = None if encoder_id is None else load_encoder(encoder_id, device)
        here = Path.cwd()  # a relative path names a folder of the working directory: held as an absolute one
        return cls.from_models(
            vlm, processor, encoder, anchored(str(vlm_id), here),
            None if encoder_id is None else anchored(str(encoder_id), here),
            adapter_config, lora_config, prompt_format, scoring, modality,
        )

    @classmethod
    def from_models(
        cls,
        vlm: nn.Module,
        processor,
        encoder: Encoder | None,
        vlm_id: str,
        encoder_id: str | None,
        adapter_config: dict | None = None,
        lora_config: LoraSettings | None = None,
        prompt_format: PromptFormat | None = None,
        scoring: str = "mean",
        modality: str = "both",
    ) -> "HybridModel":
        """A new hybrid over models already in memory; the ids are what a saved checkpoint will load them from."""
        adapter = None
        if encoder is not None:
            embedding = vlm.get_input_embeddings().weight
            adapter = AdapterConfig(
                encoder_dim=encoder.d_model,
                lm_width=embedding.shape[1],
                embedding_rms=float(embedding.detach().float().pow(2).mean().sqrt()),
                **(adapter_config or {}),
            )
        config = TSQAConfig(
            vlm=vlm_id, encoder=encoder_id, adapter=adapter, prompt=prompt_format or PromptFormat(), scoring=scoring,
            modality=modality,
        )
        model = cls(vlm, processor, encoder, config)
        if lora_config is not None:
            model.add_lora(lora_config)
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
        vlm, processor = load_vlm(_resolve(config.vlm, directory), device, dtype)
        encoder = None if config.encoder is None else load_encoder(_resolve(config.encoder, directory), device)
        encoder_ref = None if config.encoder is None else anchored(config.encoder, directory)
        model = cls(vlm, processor, encoder, replace(config, vlm=anchored(config.vlm, directory), encoder=encoder_ref))
        if model.adapter is not None:
            weights = directory / ADAPTER_WEIGHTS
            if not weights.is_file():
                raise FileNotFoundError(f"{directory}: missing {ADAPTER_WEIGHTS}")
            model.adapter.load_state_dict(load_file(weights, device=str(model.device)))
        if (directory / LORA_DIR).is_dir():
            model._set_peft(PeftModel.from_pretrained(vlm, directory / LORA_DIR, is_trainable=trainable))
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

    # ---- training interface ------------------------------------------------------------------------------------

    @property
    def device(self) -> torch.device:
        return self.vlm.get_input_embeddings().weight.device

    def trainable_parameters(self) -> list[tuple[str, nn.Parameter]]:
        """(name, parameter) of the adapter and the LoRA weights: everything else is frozen."""
        return [(name, p) for name, p in self.named_parameters() if p.requires_grad]

    def prepare(
        self, samples: list[Sample], answers: list[str] | None = None, modality: str = "both"
    ) -> dict[str, torch.Tensor]:
        """Tensors for `forward(**batch)`; with answers, `labels` score the answer tokens only."""
        return self.builder.build(samples, modality, answers)[0]

    def prepare_choice(self, samples: list[Sample], modality: str = "both") -> dict:
        """Inputs for the choice objective: the prompts, every option's answer tokens (`option_ids`) and which
        option is correct (`answer_index`)."""
        for sample in samples:
            if sample.answer not in sample.options:
                raise ValueError(
                    f"sample {sample.id!r}: answer {sample.answer!r} is not among the options {sample.options}"
                )
        batch = self.builder.build(samples, modality)[0]
        batch["option_ids"] = [[self.builder.continuation_ids(o) for o in sample.options] for sample in samples]
        batch["answer_index"] = torch.tensor([sample.options.index(sample.answer) for sample in samples])
        return batch

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        ts_features: torch.Tensor | None = None,
        ts_empty: torch.Tensor | None = None,
        ts_channel: torch.Tensor | None = None,
        ts_series: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        option_ids: list[list[list[int]]] | None = None,
        answer_index: torch.Tensor | None = None,
        **vlm_inputs,
    ):
        """The VLM's forward (its output has `.loss` with labels, `.logits`, the KV cache), with adapter
        vectors at the placeholders and positions computed as `generate()` would.

        With `option_ids` and `answer_index` (from `prepare_choice`) it returns the choice objective's losses instead:
        one call, so that DDP sees a single forward."""
        if option_ids is not None:
            ts = {"ts_features": ts_features, "ts_empty": ts_empty, "ts_channel": ts_channel, "ts_series": ts_series}
            batch = {"input_ids": input_ids, "attention_mask": attention_mask, **ts, **vlm_inputs}
            return choice_losses(self, batch, option_ids, answer_index)
        device = self.device
        vlm_inputs = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in vlm_inputs.items()}
        input_ids, attention_mask = input_ids.to(device), attention_mask.to(device)
        if position_ids is None:
            position_ids = self.position_ids(input_ids, attention_mask, vlm_inputs)
        with self.injection(ts_features, ts_empty, ts_channel, ts_series):
            return self.vlm(
                input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids.to(device), **vlm_inputs
            )

    def position_ids(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, inputs: dict) -> torch.Tensor:
        """Positions for a left-padded batch; `inputs` may hold the processor's `mm_token_type_ids`/`image_grid_thw`."""
        extras = [inputs.get(key) for key in ("mm_token_type_ids", "image_grid_thw")]
        extras = [None if x is None else x.to(input_ids.device) for x in extras]
        return position_ids(self.vlm, input_ids, attention_mask, *extras)

    def injection(
        self,
        ts_features: torch.Tensor | None,
        ts_empty: torch.Tensor | None,
        ts_channel: torch.Tensor | None,
        ts_series: torch.Tensor | None,
    ):
        """Context in which the VLM's embedding of the added tokens is the adapter's output for this payload."""
        vectors = None
        if ts_features is not None and ts_features.shape[0] > 0:
            if self.adapter is None:
                raise ValueError("time-series tokens given to a model without an adapter")
            device = self.device
            vectors = self.adapter(
                ts_features.to(device), ts_empty.to(device), ts_channel.to(device), ts_series.to(device)
            )
        markers = None if self.adapter is None else self.adapter.marker_vectors()
        return self.injector.inject(vectors, markers)

    # ---- answering ---------------------------------------------------------------------------------------------

    def answer(
        self,
        samples: list[Sample],
        mode: str = "score",
        batch_size: int = 8,
        modality: str | None = None,
        max_new_tokens: int = 64,
    ) -> list[Answer]:
        """Answer questions by option scoring (`score`: always one of the options, with probabilities) or by
        generation (`generate`: raw text for the evaluator's parser). `modality` defaults to the one the model was
        trained with."""
        return answer_questions(self, samples, mode, batch_size, modality or self.config.modality, max_new_tokens)


def load_vlm(vlm_id: "str | Path", device: "str | torch.device", dtype: torch.dtype | None):
    """The VLM (in eval mode, on `device`) and its processor, from a Hub id, a local directory or a built spec."""
    path = resolve(vlm_id)
    vlm = AutoModelForImageTextToText.from_pretrained(path, dtype=dtype or "auto").to(device).eval()
    return vlm, AutoProcessor.from_pretrained(path)


def load_encoder(encoder_id: "str | Path", device: "str | torch.device") -> Encoder:
    from tsqa.encoders.toto import TotoEncoder  # imports toto2 (and gluonts): only when an encoder is needed

    return TotoEncoder.from_pretrained(resolve(encoder_id), device=device)


def _resolve(reference: str, directory: Path) -> Path:
    """A relative path stored in a checkpoint is looked up inside the checkpoint directory first."""
    return resolve(reference, directory)
