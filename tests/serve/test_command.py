"""`tsqa serve` end to end in a subprocess, its served name and its warnings about exposed hosts."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tsqa.commands.serve import KEY_ENV, checked_api_key, served_name
from tsqa.serve.server import exposure_warning


def test_served_name_is_the_checkpoint_directory_or_the_hub_id(tmp_path):
    (tmp_path / "my-ckpt").mkdir()
    assert served_name(str(tmp_path / "my-ckpt")) == "my-ckpt"
    assert served_name(str(tmp_path / "my-ckpt") + "/") == "my-ckpt"
    assert served_name("org/tsqa-qwen3-vl") == "org/tsqa-qwen3-vl"
    assert served_name(None) == "tsqa-demo"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2", "127.1", "LOCALHOST", "localhost.",
                                  "::ffff:127.0.0.1", "[::1]", "0x7f.1", "2130706433", "app.localhost"])
def test_loopback_hosts_need_no_warning(host):
    assert exposure_warning(host, None) is None


def test_a_name_whose_every_address_is_loopback_needs_no_warning(monkeypatch):
    import socket

    answers = {"box-local": [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.1.1", 0)),
                             (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 0, 0, 0))],
               "box-lan": [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0)),
                           (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.5", 0))]}
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *args, **kwargs: answers[host])
    assert exposure_warning("box-local", None) is None
    assert "WITHOUT an API key" in exposure_warning("box-lan", None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "myhost.example", "", "::ffff:10.0.0.1",
                                  "localhost.example", "128.0.0.1"])
def test_exposed_hosts_warn_louder_without_a_key(host, monkeypatch):
    import socket

    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: public)  # names resolve offline
    assert exposure_warning(host, "k").startswith("warning: listening on")
    assert "WITHOUT an API key" in exposure_warning(host, None)


def test_the_command_serves_a_checkpoint_until_stopped(checkpoint, make_series_part):
    environment = {**os.environ, "TSQA_API_KEY": "from-env", "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tsqa", "serve", "--model", str(checkpoint), "--port", "0", "--served-name", "tiny"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("serving tiny at http://127.0.0.1:") and "key required" in line, line
        url = line.split()[3]
        body = {"model": "tiny", "options": ["Yes", "No"],
                "messages": [{"role": "user", "content": [make_series_part(), {"type": "text", "text": "Anomaly?"}]}]}
        request = urllib.request.Request(f"{url}/chat/completions", data=json.dumps(body).encode(),
                                         headers={"Authorization": "Bearer from-env"})
        with urllib.request.urlopen(request, timeout=60) as response:
            reply = json.loads(json.loads(response.read())["choices"][0]["message"]["content"])
        assert reply["answer"] in ("Yes", "No")
        # hostile input to the real command: a 400 in JSON, then a one-point series with a 1e28 value answered
        nested = urllib.request.Request(f"{url}/chat/completions", data=b"[" * 100_000 + b"]" * 100_000,
                                        headers={"Authorization": "Bearer from-env"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(nested, timeout=60)
        assert refused.value.code == 400 and "nested too deeply" in json.loads(refused.value.read())["error"]["message"]
        body["messages"][0]["content"][0] = {"type": "time_series", "time_series": {"values": [1e28]}}
        request = urllib.request.Request(f"{url}/chat/completions", data=json.dumps(body).encode(),
                                         headers={"Authorization": "Bearer from-env"})
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = json.loads(response.read(), parse_constant=lambda name: pytest.fail(f"non-standard {name}"))
        assert sum(payload["tsqa"]["probabilities"].values()) == pytest.approx(1.0)
    finally:
        process.terminate()
        process.wait(30)


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_a_one_line_usage_error(port, capsys):
    from tsqa.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", port])
    assert exited.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("tsqa serve: error: argument --port: ") and "Traceback" not in error


@pytest.mark.parametrize(("value", "message"), [("-5", "-5 must be between 0 and 10000 milliseconds"),
                                                ("nan", "nan must be between"), ("20000", "20000 must be between"),
                                                ("soon", "'soon' is not a number")])
def test_a_bad_batch_wait_names_the_flag_and_its_value(value, message, capsys):
    from tsqa.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["serve", "--batch-wait-ms", value])
    assert exited.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("tsqa serve: error: argument --batch-wait-ms: ") and message in error
    assert "max_wait_s" not in error


@pytest.mark.parametrize(
    ("flag", "environment", "message"),
    [
        (" k ", None, "--api-key has leading or trailing whitespace"),
        ("clé", None, "--api-key contains 'é'"),
        ("two words", None, "--api-key contains ' '"),
        ("", None, "--api-key is empty"),
        (None, "secret\n", f"${KEY_ENV} has leading or trailing whitespace"),
    ],
)
def test_keys_no_client_could_send_are_refused_at_start(flag, environment, message, monkeypatch, capsys):
    from tsqa.cli import main

    monkeypatch.setenv(KEY_ENV, environment or "")
    argv = ["serve", "--port", "0"] + ([] if flag is None else ["--api-key", flag])
    assert main(argv) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"tsqa serve: error: {message}") and error.count("\n") == 1


def test_checked_api_key_keeps_good_keys():
    assert checked_api_key("sk-abc_123.~+/=", None) == "sk-abc_123.~+/="
    assert checked_api_key(None, "from-env") == "from-env"
    assert checked_api_key(None, "") is None and checked_api_key(None, None) is None
    assert checked_api_key("flag", "env") == "flag"
