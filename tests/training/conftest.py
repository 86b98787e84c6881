"""A tiny stand-in for the hybrid model, with the same training surface, to test the loop's mechanics in seconds.

It has a frozen base (word embedding, output head), a trainable adapter (series statistics -> one prefix token,
with dropout so exact resume depends on the RNG state) and a trainable low-rank `lora` delta on the head.
"""

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from tsqa.arfbench.categories import PRESENCE
from tsqa.arfbench.options import PRESENCE_NO, PRESENCE_YES
from tsqa.arfbench.schema import Sample, Series
from tsqa.training.checkpoint import checkpoints

WORDS = sorted(set(f"{PRESENCE_YES} {PRESENCE_NO} is there an anomaly ? options :".replace(",", " ,").split()))
VOCAB = {w: i + 1 for i, w in enumerate(WORDS)}  # 0 is padding


def tokenize(text: str) -> list[int]:
    return [VOCAB[w] for w in text.replace(",", " ,").split()]


class ToyModel(torch.nn.Module):
    def __init__(self, width: int = 16, rank: int = 2):
        super().__init__()
        vocab = len(VOCAB) + 1
        self.base = torch.nn.ModuleDict(
            {"embed": torch.nn.Embedding(vocab, width), "head": torch.nn.Linear(width, vocab)}
        ).requires_grad_(False)
        self.adapter = torch.nn.Sequential(torch.nn.Linear(2, width), torch.nn.Dropout(0.1), torch.nn.Tanh())
        self.lora_a = torch.nn.Parameter(torch.randn(rank, width) * 0.1)
        self.lora_b = torch.nn.Parameter(torch.zeros(vocab, rank))
        self.mixer = torch.nn.GRU(width, width, batch_first=True).requires_grad_(False)

    def prepare(self, samples: list[Sample], answers: list[str] | None = None, modality: str = "both") -> dict:
        assert modality == "both"  # the stand-in has one input path
        rows, labels, stats = [], [], []
        for i, sample in enumerate(samples):
            prompt = tokenize("is there an anomaly ? options : " + " ".join(sample.options))
            answer = tokenize(answers[i]) if answers else []
            rows.append(prompt + answer)
            labels.append([-100] * (len(prompt) + 1) + answer)  # +1: the series prefix token is never supervised
            values = sample.series[0].values[:, 0]
            stats.append([float(np.max(np.abs(values - np.median(values)))), float(np.std(values))])
        width = max(map(len, rows))
        return {
            "input_ids": torch.tensor([r + [0] * (width - len(r)) for r in rows]),
            "attention_mask": torch.tensor([[1] * (len(r) + 1) + [0] * (width - len(r)) for r in rows]),
            "labels": torch.tensor([lab + [-100] * (width + 1 - len(lab)) for lab in labels]),
            "series_stats": torch.tensor(stats),
        }

    def forward(self, input_ids, attention_mask, labels, series_stats):
        prefix = self.adapter(series_stats)[:, None]  # (batch, 1, width)
        hidden, _ = self.mixer(torch.cat([prefix, self.base["embed"](input_ids)], dim=1))  # (batch, 1 + seq, width)
        logits = self.base["head"](hidden) + hidden @ self.lora_a.T @ self.lora_b.T  # (batch, 1 + seq, vocab)
        loss = torch.nn.functional.cross_entropy(
            logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
        )
        return SimpleNamespace(loss=loss, logits=logits)

    def save_pretrained(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        trained = {k: v for k, v in self.state_dict().items() if not k.startswith(("base.", "mixer."))}
        save_file({k: v.contiguous() for k, v in trained.items()}, str(directory / "trained.safetensors"))
        (directory / "config.json").write_text(json.dumps({"kind": "toy"}))

    @classmethod
    def from_pretrained(cls, directory: Path, base: "ToyModel") -> "ToyModel":
        model = cls()
        model.load_state_dict(base.state_dict())
        model.load_state_dict(load_file(str(Path(directory) / "trained.safetensors")), strict=False)
        return model


def presence_samples(n: int, seed: int) -> list[Sample]:
    """Half the series carry a large spike; the answer says whether there is one."""
    rng = np.random.default_rng(seed)
    samples = []
    for i in range(n):
        values = rng.normal(0.0, 1.0, size=(32, 1))
        spike = i % 2 == 0
        if spike:
            values[rng.integers(4, 28), 0] += 12.0
        series = Series(name=f"toy_{i}", channels=["host:a"], timestamps=np.arange(32) * 60, values=values, interval=60)
        samples.append(Sample(
            id=f"toy_{i}#0", query_group=f"toy_{i}", category=PRESENCE, question="Is there an anomaly?",
            options=[PRESENCE_YES, PRESENCE_NO], answer=PRESENCE_YES if spike else PRESENCE_NO, series=[series],
        ))
    return samples


@pytest.fixture
def toy_model():
    def make(seed: int = 0) -> ToyModel:
        torch.manual_seed(seed)
        return ToyModel()

    return make


@pytest.fixture
def toy_samples():
    return presence_samples


@pytest.fixture
def interrupted(tmp_path):
    """`make(run, stage)`: a copy of a finished run (checkpoints at steps 3 and 6) as a kill after step 4 leaves it,
    the later checkpoint and `final/` gone, for a resume to finish."""

    def make(run: Path, stage: str) -> Path:
        copy = tmp_path / "interrupted"
        shutil.copytree(run, copy)
        found = checkpoints(copy / stage)
        assert [p.name for p in found] == ["checkpoint-3", "checkpoint-6"]
        shutil.rmtree(found[1])
        shutil.rmtree(copy / stage / "final")
        return copy

    return make
