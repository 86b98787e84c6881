"use strict";
// The expert-answering page: one question at a time (plot, question, options in the order models see them); each
// answer is written to the results file by the server before the next question comes.

let current = null;

function show(state) {
  $("progress").textContent =
    `${state.expert} · ${state.answered} of ${state.total} answered · ${state.results_file}`;
  if (state.done) {
    current = null;
    $("current").hidden = true;
    $("done").hidden = false;
    $("done").textContent = `All ${state.total} questions are answered; the results are in ${state.results_file}.`;
    setStatus("done", "ok");
    return;
  }
  current = state.question;
  $("plot").src = `${current.image}?token=${encodeURIComponent(TOKEN)}`;
  $("category").textContent = `Question ${current.index + 1} · ${current.category}`;
  $("question").textContent = current.question;
  $("options").replaceChildren(...current.options.map((option, i) => {
    const input = document.createElement("input");
    Object.assign(input, {type: "radio", name: "option", value: option});
    input.onchange = () => { $("submit").disabled = false; };
    const key = document.createElement("kbd");
    key.textContent = String(i + 1);
    const label = document.createElement("label");
    label.append(input, key, option);
    return label;
  }));
  $("submit").disabled = true;
}

async function submit(event) {
  event.preventDefault();
  const picked = document.querySelector('#options input:checked');
  if (!picked || !current) return;
  $("submit").disabled = true;
  setStatus("saving…");
  try {
    show(await api("POST", "api/answer", {id: current.id, answer: picked.value}));
    setStatus(`saved (${new Date().toLocaleTimeString()})`, "ok");
  } catch (error) {
    $("submit").disabled = false;
    setStatus(`not saved: ${error.message}`, "error");
  }
}

document.addEventListener("keydown", (event) => {
  if (!current || event.target.tagName === "INPUT" && event.target.type !== "radio") return;
  const inputs = document.querySelectorAll("#options input");
  const n = Number(event.key);
  if (n >= 1 && n <= inputs.length) {
    inputs[n - 1].checked = true;
    $("submit").disabled = false;
  }
});
$("answer-form").addEventListener("submit", submit);

api("GET", "api/next").then((state) => { show(state); setStatus("ready"); })
  .catch((error) => setStatus(`cannot load: ${error.message}`, "error"));
