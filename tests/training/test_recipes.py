"""Recipe files: every shipped recipe loads; mistakes are errors that name the key."""

import json

import pytest

from tsqa.bridges.config import load_config
from tsqa.training.config import Recipe
from tsqa.training.recipes import available_recipes, load_recipe


def _minimal() -> dict:
    return {
        "name": "t",
        "model": {"encoder": "tiny", "vlm": "tiny:qwen3_vl"},
        "stages": [{"kind": "align", "learning_rate": 1e-3}, {"kind": "sft", "learning_rate": 1e-4}],
    }


def test_shipped_recipes_load():
    names = available_recipes()
    assert {"tiny", "tiny-finetune", "toto22m-qwen3vl2b", "toto313m-qwen3vl8b", "toto-small"} <= set(names)
    for name in names:
        recipe = load_recipe(name)
        assert recipe.name == name
        expected = {"toto-small": ["forecast"], "tiny-finetune": ["sft"]}.get(name, ["align", "sft"])
        assert [s.kind for s in recipe.stages] == expected


def test_json_and_toml_files_load(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(_minimal() | {"seed": 3}))
    recipe = load_recipe(str(path))
    assert recipe.seed == 3 and recipe.stages[1].learning_rate == 1e-4 and recipe.stages[0].batch_size == 4
    toml = tmp_path / "other.toml"
    toml.write_text('[model]\nencoder = "tiny"\nvlm = "tiny:qwen3_vl"\n[[stages]]\nkind = "sft"\nlearning_rate = 1\n')
    recipe = load_recipe(str(toml))
    assert recipe.name == "other" and recipe.stages[0].learning_rate == 1.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["stages"][0].update(learnig_rate=1.0),
            r"stages\[0\]: unknown key 'learnig_rate' \(did you mean 'learning_rate'\?\)",
        ),
        (lambda d: d.update(sed=1), "unknown key 'sed'"),
        (lambda d: d["model"].pop("vlm"), "model.vlm: needed by align and sft stages"),
        (lambda d: d["stages"][0].update(batch_size="4"), r"stages\[0\].batch_size: expected int"),
        (lambda d: d["stages"][0].update(batch_size=True), r"stages\[0\].batch_size: expected int"),
        (lambda d: d["stages"][0].update(kind="pretrain"), "kind must be one of"),
        (lambda d: d["stages"].reverse(), "align must come before sft"),
        (lambda d: d["stages"][1].update(grad_accum=0), r"stages\[1\].grad_accum must be >= 1"),
        (lambda d: d.update(precision="fp16"), "precision must be one of"),
        (lambda d: d["model"].update(modality="audio"), "model.modality: modality must be one of"),
        (lambda d: d.update(stages=[]), "at least one stage"),
        (lambda d: d["model"].update(adapter={"hidden": 8}), r"model.adapter: unknown key 'hidden' \(did you mean 'hidden_dim'\?\)"),
        (lambda d: d["model"].update(adapter={"lm_width": 8}), "model.adapter: encoder_dim and lm_width come from the base models"),
        (lambda d: d["model"].update(lora={"rank": 8}), "model.lora: unknown key 'rank'"),
        (lambda d: d["model"].update(tiny_vlm={"layers": 8}), "model.tiny_vlm: unknown key 'layers'"),
    ],
)
def test_mistakes_are_named(change, message):
    data = _minimal()
    change(data)
    with pytest.raises(ValueError, match=message):
        load_config(Recipe, data, "recipe")


def test_unknown_name_and_missing_file():
    with pytest.raises(FileNotFoundError, match="no recipe named 'nope'.*tiny"):
        load_recipe("nope")
    with pytest.raises(FileNotFoundError, match="recipe file not found"):
        load_recipe("missing/recipe.toml")


def test_unparsable_file_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[model\n")
    with pytest.raises(ValueError, match="bad.toml: cannot parse"):
        load_recipe(str(path))


def test_overrides_set_nested_values_stage_fields_and_new_tables():
    recipe = load_recipe(
        "tiny",
        ["model.modality=plot", "stages.1.epochs=2", "stages.0.learning_rate=5e-4", "eval.max_samples = 400",
         'model.vlm="tiny:idefics3"', "model.gradient_checkpointing=false"],
    )
    assert recipe.model.modality == "plot" and recipe.model.vlm == "tiny:idefics3"
    assert recipe.stages[1].epochs == 2 and recipe.stages[0].learning_rate == 5e-4
    assert recipe.eval.max_samples == 400 and recipe.model.gradient_checkpointing is False
    assert load_recipe("tiny").model.modality == "series"  # the file itself is untouched


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.modality", "expected KEY=VALUE"),
        ("=plot", "expected KEY=VALUE"),
        ("stages.2.epochs=1", "expected an index below 2"),
        ("stages.first.epochs=1", "expected an index below 2"),
        ("seed.value=1", "seed is a value, not a table"),
        ("model.colour=red", "unknown key 'colour'"),
        ("model.modality=pictures", "modality must be one of"),
        ("stages.1.epochs=two", "epochs"),
    ],
)
def test_bad_overrides_name_what_is_wrong(override, message):
    with pytest.raises(ValueError, match=message):
        load_recipe("tiny", [override])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "deep.json: cannot parse"),
        ("list.json", '["align", "sft"]', "list.json: expected a table of settings, got a JSON list"),
        ("binary.toml", "\udcff", "binary.toml: cannot parse"),
    ],
)
def test_hostile_recipe_files_are_named_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(ValueError, match=message):
        load_recipe(str(path))
