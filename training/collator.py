"""From samples to model inputs: the prompt exactly as at inference, the answer as the only supervised tokens.

The model's input builder (`InputBuilder.prepare(samples, answers)`) builds the prompt (so training and inference
prompts cannot drift apart) and pads the batch; the collator decides what the model sees each epoch: a seeded per-sample shuffle of the options,
and checks that every row keeps at least one supervised token. With `choice=True` it asks `prepare_choice` instead:
the prompts plus every option's tokens, for the choice objective (`training.objective`).
"""

import dataclasses
import zlib
from typing import Protocol

import numpy as np
import torch

from tsqa.arfbench.schema import Sample
from tsqa.bridges.hybrid import IGNORE_INDEX
from tsqa.bridges.config import Modality


class Preparer(Protocol):
    def prepare(
        self, samples: list[Sample], answers: list[str] | None = None, modality: Modality | None = None
    ) -> dict: ...

    def prepare_choice(self, samples: list[Sample], modality: Modality | None = None) -> dict: ...


class Collator:
    def __init__(
        self,
        builder: Preparer,
        seed: int,
        shuffle_options: bool = True,
        modality: Modality | None = None,
        choice: bool = False,
    ):
        self.builder = builder
        self.seed = seed
        self.shuffle_options = shuffle_options
        self.modality = modality
        self.choice = choice

    def shown(self, sample: Sample, epoch: int) -> Sample:
        """The sample as the model sees it in `epoch`: options in a seeded order that changes every epoch."""
        if sample.answer is None:
            raise ValueError(f"sample {sample.id!r}: no answer to train on")
        if sample.options and sample.answer not in sample.options:
            raise ValueError(f"sample {sample.id!r}: answer {sample.answer!r} is not one of its options")
        if not self.shuffle_options or len(sample.options) < 2:
            return sample
        rng = np.random.default_rng([self.seed, epoch, zlib.crc32(sample.id.encode("utf-8"))])
        order = rng.permutation(len(sample.options))
        return dataclasses.replace(sample, options=[sample.options[i] for i in order])

    def __call__(self, samples: list[Sample], epoch: int) -> dict[str, torch.Tensor]:
        shown = [self.shown(s, epoch) for s in samples]
        if self.choice:
            return self.builder.prepare_choice(shown, modality=self.modality)
        batch = self.builder.prepare(shown, answers=[s.answer for s in shown], modality=self.modality)
        supervised = (batch["labels"] != IGNORE_INDEX).sum(dim=-1)  # (batch,)
        for sample, count in zip(shown, supervised.tolist()):
            if count == 0:
                raise ValueError(f"sample {sample.id!r}: no answer token left to supervise (prompt truncated?)")
        return batch
