"""`tsqa serve` end to end in a subprocess, its served name and its warnings about exposed hosts."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest

from tsqa.commands.serve import served_name
from tsqa.serve.server import exposure_warning


def test_served_name_is_the_checkpoint_directory_or_the_hub_id(tmp_path):
    (tmp_path / "my-ckpt").mkdir()
    assert served_name(str(tmp_path / "my-ckpt")) == "my-ckpt"
    assert served_name(str(tmp_path / "my-ckpt") + "/") == "my-ckpt"
    assert served_name("org/tsqa-qwen3-vl") == "org/tsqa-qwen3-vl"
    assert served_name(None) == "tsqa-demo"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_need_no_warning(host):
    assert exposure_warning(host, None) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "myhost.example"])
def test_exposed_hosts_warn_louder_without_a_key(host):
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
    finally:
        process.terminate()
        process.wait(30)
