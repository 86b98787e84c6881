"""Atomic writes: the target holds the old version or the new one, never a part, and nothing is left beside it."""

import pytest

from tsqa.arfbench.atomic import atomic_file, atomic_folder, staging_path


def test_a_file_is_replaced_whole_and_a_failed_write_keeps_the_old_one(tmp_path):
    target = tmp_path / "labels.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as temporary:
            temporary.write_text("half of the n")
            raise RuntimeError("killed")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["labels.json"]
    with atomic_file(target) as temporary:
        assert temporary.parent == tmp_path and target.read_text() == "old"
        temporary.write_text("new")
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["labels.json"]


def test_a_folder_replaces_the_old_one_only_when_complete(tmp_path):
    target = tmp_path / "checkpoint-10"
    with atomic_folder(target) as staging:
        (staging / "model.safetensors").write_bytes(b"first")
    with pytest.raises(RuntimeError):
        with atomic_folder(target) as staging:
            (staging / "model.safetensors").write_bytes(b"sec")
            raise RuntimeError("killed")
    assert (target / "model.safetensors").read_bytes() == b"first"
    staging_path(target).mkdir()  # what a process killed mid-write leaves
    (staging_path(target) / "stale").write_text("from the killed attempt")
    with atomic_folder(target) as staging:
        assert list(staging.iterdir()) == []
        (staging / "model.safetensors").write_bytes(b"second")
    assert [p.name for p in target.iterdir()] == ["model.safetensors"]
    assert (target / "model.safetensors").read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-10"]
