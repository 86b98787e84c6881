"""Both pages in a real browser: Debian's headless Chromium (installed by `make test`) driven by Playwright, against
`tsqa label` running as its own process, killed with SIGKILL and started again.

TSQA_SCREENSHOTS=docs also saves the screenshots the README shows (docs/label-incidents.png, docs/label-answers.png).
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tsqa.arfbench import generate, load_dataset
from tsqa.arfbench.incident_labels import read_labels
from tsqa.arfbench.writer import write_dataset
from tsqa.cli import main
from tsqa.eval.results import read_results

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = os.environ.get("TSQA_SCREENSHOTS")
VIEWPORT = {"width": 1280, "height": 860}


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' installs playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no {CHROMIUM}: `make test` installs Debian's chromium (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    # the pages' Content-Security-Policy forbids eval, which Playwright's wait_for_function uses
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    yield context.new_page()
    context.close()


class Server:
    """`tsqa label ...` as a child process; `url` is the address (with its token) it printed."""

    def __init__(self, *args: str) -> None:
        command = [sys.executable, "-m", "tsqa", "label", *args, "--port", "0"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        printed = []
        for line in self.process.stdout:
            printed.append(line)
            found = re.search(r"open (http://\S+)", line)
            if found:
                self.url = found.group(1)
                return
        raise AssertionError(f"the server did not start: {''.join(printed)}")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process.stdout.close()


@pytest.fixture
def servers():
    started = []

    def start(*args: str) -> Server:
        started.append(Server(*args))
        return started[-1]

    yield start
    for server in started:
        if server.process.poll() is None:
            server.kill()


def _brush(page, start_epoch: float, end_epoch: float) -> None:
    """Drag across the chart from one time to another (the middle of steps, so rounding to pixels cannot move it)."""
    box = page.locator("#chart").bounding_box()
    # whole pixels: Chromium truncates fractional pointer positions
    x0, x1 = (round(page.evaluate(f"window.labelPage.chart.clientXOf({t})")) for t in (start_epoch, end_epoch))
    y = box["y"] + box["height"] / 2
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x1, y, steps=6)
    page.mouse.up()
    page.wait_for_function("document.getElementById('proposal').textContent.startsWith('proposed')")


def _open_series(page, name: str) -> None:
    page.click(f"#series-list button[data-name={name}]")
    state = "window.labelPage.state"
    page.wait_for_function(f"{state}.data.name === '{name}' && {state}.current === '{name}'")


def _wait_saved(page) -> None:
    page.wait_for_function("document.getElementById('status').textContent.startsWith('saved')")
    page.evaluate("document.getElementById('status').textContent = ''")


def test_brush_a_window_kill_the_server_and_find_it_again(page, servers, folder, kit):
    server = servers("incidents", str(folder))
    page.goto(server.url)
    page.wait_for_function("window.labelPage !== undefined")
    _open_series(page, "latency")
    whole = page.evaluate("window.labelPage.chart.view")
    box = page.locator("#chart").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -200)  # zoom in around the pointer
    zoomed = page.evaluate("window.labelPage.chart.view")
    assert zoomed[1] - zoomed[0] < 0.9 * (whole[1] - whole[0]) and whole[0] < zoomed[0] < zoomed[1] < whole[1]
    page.click("#zoom-reset")
    assert page.evaluate("window.labelPage.chart.view") == whole
    half = kit.INTERVAL / 2
    _brush(page, kit.epoch(300) + half, kit.epoch(419) + half)
    assert float(page.input_value("#magnitude")) == pytest.approx(60, abs=4)  # proposed from the data
    assert page.eval_on_selector_all("#sel-channels input:checked", "inputs => inputs.map(i => i.value)") == ["dc:c"]
    page.select_option("#kind", "Level Shift")
    page.click("#save-window")
    _wait_saved(page)
    _open_series(page, "cpu")
    page.check("#no-anomaly")
    _wait_saved(page)
    server.kill()

    saved = read_labels(folder / "incident-labels.json")["series"]
    assert saved["latency"]["windows"] == [{"channels": ["dc:c"], "start": kit.epoch(300), "end": kit.epoch(420),
                                            "kind": "Level Shift", "direction": "up",
                                            "magnitude_pct": saved["latency"]["windows"][0]["magnitude_pct"]}]
    assert saved["latency"]["windows"][0]["magnitude_pct"] == pytest.approx(60, abs=4)
    assert saved["cpu"] == {"no_anomaly": True, "windows": [], "caption": ""}

    server = servers("incidents", str(folder))
    page.goto(server.url + "#latency")
    page.wait_for_function("window.labelPage !== undefined && window.labelPage.state.current === 'latency'")
    cells = page.eval_on_selector_all("#windows tbody td", "cells => cells.map(c => c.textContent)")
    assert cells[2:5] == ["dc:c", "2024-06-01 05:00:00", "2024-06-01 07:00:00"]
    assert page.eval_on_selector("#windows tbody select", "s => s.value") == "Level Shift"
    assert page.text_content("#series-list button[data-name=cpu] .badge") == "none"
    page.select_option("#pair-other", "errors")
    page.select_option("#pair-relation", "first_leads")
    page.click("#pair-add")
    _wait_saved(page)
    assert read_labels(folder / "incident-labels.json")["pairs"] == [{"series": ["latency", "errors"],
                                                                       "relation": "first_leads"}]
    if SCREENSHOTS:
        _open_series(page, "errors")
        _brush(page, kit.epoch(309) + half, kit.epoch(316) + half)
        page.select_option("#kind", "Transient Spike")
        page.wait_for_timeout(300)
        _open_and_shoot(page, Path(SCREENSHOTS) / "label-incidents.png")
    server.kill()


def _open_and_shoot(page, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


def test_answer_three_questions_and_report_the_expert(page, servers, tmp_path, capsys):
    data = tmp_path / "data"
    write_dataset(generate(5, seed=4), data)
    samples = {s.id: s for s in load_dataset(data)}
    server = servers("answers", str(data), "--expert", "alice")
    page.goto(server.url)
    chosen = []
    for number in range(3):
        page.wait_for_function(f"document.getElementById('progress').textContent.includes('{number} of 5')")
        page.wait_for_function("document.getElementById('plot').complete && "
                               "document.getElementById('plot').naturalWidth > 0")
        question = page.text_content("#question")
        sample = next(s for s in samples.values() if s.question == question)
        options = page.eval_on_selector_all("#options input", "inputs => inputs.map(i => i.value)")
        pick = sample.answer if number != 1 else next(o for o in options if o != sample.answer)
        page.click(f"#options label:nth-child({options.index(pick) + 1})")
        if SCREENSHOTS and number == 0:
            _open_and_shoot(page, Path(SCREENSHOTS) / "label-answers.png")
        page.click("#submit")
        chosen.append((sample.id, pick))
    page.wait_for_function("document.getElementById('progress').textContent.includes('3 of 5')")
    server.kill()

    results = data / "answers-alice.csv"
    rows = read_results(results)
    assert [(r.model, r.sample_id, r.model_answer) for r in rows] == [("alice", i, p) for i, p in chosen]
    assert [r.is_correct for r in rows] == [1.0, 0.0, 1.0]
    assert main(["eval", "--model", "random", "--data", str(data), "--out", str(tmp_path / "random.csv"),
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["report", str(tmp_path / "random.csv"), "--human", str(results)]) == 0
    report = capsys.readouterr().out
    humans = report.split("### Human answers")[1].split("###")[0]
    assert "| alice | 3 | 66.7 |" in humans
    assert "| random+alice | 3 |" in report.split("### Model-expert oracles")[1]
