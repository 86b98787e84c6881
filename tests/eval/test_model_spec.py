"""`--model` forms and where endpoint addresses and keys come from."""

import pytest

from tsqa.eval.answerers import parse_model_spec


def test_forms(tmp_path):
    assert parse_model_spec("random").kind == "baseline"
    assert parse_model_spec("frequent").name == "frequent"
    spec = parse_model_spec("http://localhost:8000/v1::org/model:7b")
    assert (spec.kind, spec.name, spec.base_url) == ("endpoint", "org/model:7b", "http://localhost:8000/v1")
    gemini = parse_model_spec("gemini:gemini-3-pro")
    assert gemini.name == "gemini-3-pro" and gemini.base_url.startswith("https://generativelanguage.googleapis.com/")
    assert parse_model_spec(str(tmp_path)).kind == "checkpoint"
    assert (parse_model_spec("detector").kind, parse_model_spec("detector").name) == ("detector", "")
    (tmp_path / "d.json").write_text("{}")
    assert parse_model_spec(f"detector:{tmp_path / 'd.json'}").name == str(tmp_path / "d.json")
    with pytest.raises(ValueError, match="no detector file"):
        parse_model_spec(f"detector:{tmp_path / 'missing.json'}")
    for bad in ("nonsense", "openai:", "http://localhost:8000/v1", str(tmp_path / "missing")):
        with pytest.raises(ValueError):
            parse_model_spec(bad)


def test_keys_and_base_urls(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("MY_KEY", "sk-mine")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    endpoint = parse_model_spec("openai:gpt-5").endpoint()
    assert (endpoint.model, endpoint.api_key, endpoint.base_url) == ("gpt-5", "sk-env", None)
    assert parse_model_spec("openai:gpt-5").endpoint("http://proxy/v1", "MY_KEY").api_key == "sk-mine"
    assert parse_model_spec("openai:gpt-5").endpoint("http://proxy/v1").base_url == "http://proxy/v1"
    with pytest.raises(ValueError, match="ANTHROPIC_API_KEY"):
        parse_model_spec("anthropic:claude-opus-4-6").endpoint()
    monkeypatch.delenv("OPENAI_API_KEY")
    assert parse_model_spec("http://127.0.0.1:9/v1::m").endpoint().api_key == "EMPTY"  # keyless local server
    with pytest.raises(ValueError, match="NOPE"):
        parse_model_spec("http://127.0.0.1:9/v1::m").endpoint(api_key_env="NOPE")
