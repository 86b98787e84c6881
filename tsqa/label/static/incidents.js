"use strict";
// The incident-labelling page: pick a series, brush a window, confirm its kind, direction and size (proposed from the
// data by the server), or mark the series as having no anomaly, or mark how two series' anomalies relate. Every
// change is sent at once; the server writes it to the labels file before answering.

const LEADS = {first_leads: "this series leads", second_leads: "the other series leads",
  simultaneous: "same time", unrelated: "not related"};
const SWAPPED = {first_leads: "second_leads", second_leads: "first_leads", simultaneous: "simultaneous",
  unrelated: "unrelated"};

const state = {series: [], labels: null, kinds: [], current: null, data: null, label: null, pending: null,
  edited: {}, viewTimer: null};

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

const chart = new TimeChart($("chart"), {onSelect: selected, onView: viewChanged});

function emptyLabel() { return {no_anomaly: false, windows: [], caption: ""}; }

function statusOf(label) {
  if (!label) return "unlabelled";
  return label.no_anomaly ? "no_anomaly" : label.windows.length ? "anomaly" : "unlabelled";
}

function renderList() {
  const list = $("series-list");
  list.replaceChildren(...state.series.map((s) => {
    const status = statusOf(state.labels.series[s.name]);
    const text = {unlabelled: "–", anomaly: `${state.labels.series[s.name]?.windows.length} window(s)`,
      no_anomaly: "none"}[status];
    return element("button", {type: "button", dataset: {name: s.name},
      className: s.name === state.current ? "current" : "", onclick: () => openSeries(s.name)},
    element("span", {}, s.name), element("span", {className: `badge ${status}`}, text));
  }));
}

async function openSeries(name) {
  state.current = name;
  state.label = structuredClone(state.labels.series[name] || emptyLabel());
  cancelWindow();
  setStatus("loading…");
  const points = Math.max(200, Math.min(4000, 2 * $("chart").clientWidth));
  state.data = await api("GET", `api/series/${encodeURIComponent(name)}?points=${points}`);
  chart.highlight = new Set();
  chart.setData(state.data, false);
  location.hash = encodeURIComponent(name);
  const info = state.series.find((s) => s.name === name);
  $("series-name").textContent = name;
  $("caption").value = state.label.caption;
  $("caption").placeholder = info.caption || "caption: the query this series shows (optional)";
  renderList();
  renderLabel();
  renderLegend();
  const repaired = state.data.repairs.length ? `; repaired: ${state.data.repairs.join("; ")}` : "";
  setStatus(`${state.data.steps} steps of ${state.data.interval}s, ${state.data.channels.length} channel(s)${repaired}`);
}

function viewChanged(view) {
  clearTimeout(state.viewTimer);
  state.viewTimer = setTimeout(async () => {
    const name = state.current;
    const points = Math.max(200, Math.min(4000, 2 * $("chart").clientWidth));
    const data = await api("GET", `api/series/${encodeURIComponent(name)}?from=${Math.floor(view[0])}` +
      `&to=${Math.ceil(view[1])}&points=${points}`);
    if (name === state.current) chart.setData(data, true);
  }, 120);
}

function renderLegend() {
  $("legend").replaceChildren(...state.data.channels.map((channel, c) => {
    const entry = element("span", {}, channel);
    entry.style.setProperty("--swatch", PALETTE[c % PALETTE.length]);  // CSSOM: allowed by the page's CSP
    return entry;
  }));
}

function renderLabel() {
  const label = state.label;
  chart.windows = label.windows.map((w) => ({start: w.start, end: w.end, label: w.kind}));
  chart.draw();
  $("no-anomaly").checked = label.no_anomaly;
  $("no-anomaly").disabled = label.windows.length > 0;
  $("no-anomaly").title = label.windows.length ? "remove the windows first" : "";
  const rows = label.windows.map((w, i) => {
    const kind = element("select", {onchange: (e) => editWindow(i, {kind: e.target.value})},
      ...state.kinds.map((k) => element("option", {value: k, selected: k === w.kind}, k)));
    const direction = element("select", {onchange: (e) => editWindow(i, {direction: e.target.value})},
      ...["up", "down"].map((d) => element("option", {value: d, selected: d === w.direction}, d)));
    const size = element("input", {type: "number", min: "0", step: "any", value: w.magnitude_pct,
      onchange: (e) => editWindow(i, {magnitude_pct: Number(e.target.value)})});
    const remove = element("button", {type: "button", className: "delete", onclick: () => deleteWindow(i)}, "Delete");
    const cells = [String(i + 1), kind, w.channels.join(", "),
      w.start === null ? "before the series" : utc(w.start), w.end === null ? "not resolved" : utc(w.end),
      direction, size, remove];
    return element("tr", {}, ...cells.map((c) => element("td", {}, c)));
  });
  $("windows").tBodies[0].replaceChildren(...rows);
  renderPairs();
}

async function saveLabel(what) {
  const name = state.current;
  setStatus("saving…");
  try {
    const reply = await api("PUT", `api/labels/${encodeURIComponent(name)}`, state.label);
    if (statusOf(reply.label) === "unlabelled" && !reply.label.caption) delete state.labels.series[name];
    else state.labels.series[name] = reply.label;
    if (name === state.current) state.label = structuredClone(reply.label);
    setStatus(`saved: ${what} (${new Date().toLocaleTimeString()})`, "ok");
  } catch (error) {
    state.label = structuredClone(state.labels.series[name] || emptyLabel());  // back to what the file holds
    setStatus(`not saved: ${error.message}`, "error");
  }
  renderList();
  renderLabel();
}

function editWindow(i, change) {
  Object.assign(state.label.windows[i], change);
  saveLabel(`window ${i + 1}`);
}

function deleteWindow(i) {
  state.label.windows.splice(i, 1);
  saveLabel(`window ${i + 1} deleted`);
}

// --- a new window ---------------------------------------------------------------------------------------------------
function snapped(selection) {
  const {first, last, interval} = state.data;
  const start = first + Math.floor((selection[0] - first) / interval) * interval;
  const end = first + (Math.floor((selection[1] - first) / interval) + 1) * interval;
  return {start, end, beganBefore: selection[0] <= first, unresolved: end > last};
}

function selected(selection) {
  if (!selection) { cancelWindow(); return; }
  const picked = snapped(selection);
  state.pending = picked;
  state.edited = {};
  $("window-form").hidden = false;
  $("began-before").checked = picked.beganBefore;
  $("unresolved").checked = picked.unresolved;
  $("kind").value = "";
  $("sel-range").textContent = `${utc(picked.start)} → ${picked.unresolved ? "end" : utc(picked.end)}`;
  $("sel-channels").replaceChildren(...state.data.channels.map((channel, c) =>
    element("label", {}, element("input", {type: "checkbox", value: channel, dataset: {index: c},
      onchange: () => { state.edited.channels = true; highlightChosen(); proposeSize(); }}), channel)));
  proposeSize();
}

function chosenChannels() {
  return [...$("sel-channels").querySelectorAll("input:checked")].map((input) => input.value);
}

function highlightChosen() {
  const checked = $("sel-channels").querySelectorAll("input:checked");
  chart.highlight = new Set([...checked].map((input) => Number(input.dataset.index)));
  chart.draw();
}

function pendingWindow() {
  const p = state.pending;
  return {start: $("began-before").checked ? null : p.start, end: $("unresolved").checked ? null : p.end};
}

async function proposeSize() {
  if (!state.pending) return;
  const asked = state.pending;
  const channels = state.edited.channels ? chosenChannels() : [];
  try {
    const reply = await api("POST", `api/propose/${encodeURIComponent(state.current)}`,
      {...pendingWindow(), channels, kind: $("kind").value || null});
    if (asked !== state.pending) return;
    if (!state.edited.channels) {
      for (const input of $("sel-channels").querySelectorAll("input")) {
        input.checked = reply.suggested_channels.includes(input.value);
      }
      highlightChosen();
    }
    if (reply.direction && !state.edited.direction) $("direction").value = reply.direction;
    if (reply.magnitude_pct !== null && !state.edited.magnitude) {
      $("magnitude").value = Number(reply.magnitude_pct.toPrecision(3));
    }
    $("proposal").textContent = reply.magnitude_pct === null ? "no size proposed (no normal level to compare with)" :
      `proposed from the data: ${reply.direction} ${Number(reply.magnitude_pct.toPrecision(3))}% ` +
      "(window median / peak against the surroundings' median, noise from their MAD)";
    setStatus("window selected: choose its kind, check the proposal, save");
  } catch (error) {
    setStatus(`cannot propose: ${error.message}`, "error");
  }
}

function cancelWindow() {
  state.pending = null;
  $("window-form").hidden = true;
  chart.selection = null;
  chart.highlight = new Set();
  chart.draw();
}

async function saveWindow(event) {
  event.preventDefault();
  const channels = chosenChannels();
  const kind = $("kind").value, size = Number($("magnitude").value);
  if (!channels.length) { setStatus("choose at least one channel", "error"); return; }
  if (!kind) { setStatus("choose the kind of anomaly", "error"); return; }
  if (!(size > 0)) { setStatus("give the size in percent (above 0)", "error"); return; }
  state.label.windows.push({channels, ...pendingWindow(), kind, direction: $("direction").value,
    magnitude_pct: size});
  state.label.no_anomaly = false;
  cancelWindow();
  await saveLabel("new window");
}

// --- pairs --------------------------------------------------------------------------------------------------------
function onsetOf(name) {
  const windows = state.labels.series[name]?.windows || [];
  if (!windows.length) return undefined;
  return Math.min(...windows.map((w) => (w.start === null ? -Infinity : w.start)));
}

function proposedRelation(other) {
  const mine = onsetOf(state.current), theirs = onsetOf(other);
  if (mine === undefined || theirs === undefined) return "unrelated";
  if (Math.abs(mine - theirs) < state.data.interval || mine === theirs) return "simultaneous";
  return mine < theirs ? "first_leads" : "second_leads";
}

function relationSelect(value, onchange) {
  return element("select", {onchange},
    ...Object.entries(LEADS).map(([key, text]) => element("option", {value: key, selected: key === value}, text)));
}

function renderPairs() {
  const rows = [];
  for (const pair of state.labels.pairs) {
    const at = pair.series.indexOf(state.current);
    if (at < 0) continue;
    const other = pair.series[1 - at];
    const mine = at === 0 ? pair.relation : SWAPPED[pair.relation];
    rows.push(element("div", {className: "row", dataset: {other}}, `with ${other}:`,
      relationSelect(mine, (e) => savePair(other, e.target.value)),
      element("button", {type: "button", onclick: () => savePair(other, null)}, "Remove")));
  }
  const others = state.series.map((s) => s.name).filter((n) => n !== state.current);
  const pick = element("select", {id: "pair-other"}, ...others.map((n) => element("option", {value: n}, n)));
  const relation = relationSelect(others.length ? proposedRelation(others[0]) : "unrelated", () => {});
  relation.id = "pair-relation";
  pick.onchange = () => { relation.value = proposedRelation(pick.value); };
  rows.push(element("div", {className: "row"}, "Mark a related series:", pick, relation,
    element("button", {type: "button", id: "pair-add", onclick: () => savePair(pick.value, relation.value)},
      "Mark pair")));
  $("pairs").replaceChildren(...rows);
}

async function savePair(other, relation) {
  setStatus("saving…");
  try {
    const reply = await api("PUT", "api/pairs", {series: [state.current, other], relation});
    state.labels.pairs = reply.pairs;
    setStatus(`saved: pair with ${other} (${new Date().toLocaleTimeString()})`, "ok");
  } catch (error) {
    setStatus(`not saved: ${error.message}`, "error");
  }
  renderPairs();
}

// --- wiring ---------------------------------------------------------------------------------------------------------
$("window-form").addEventListener("submit", saveWindow);
$("cancel-window").onclick = cancelWindow;
$("kind").onchange = () => proposeSize();
$("direction").onchange = () => { state.edited.direction = true; };
$("magnitude").oninput = () => { state.edited.magnitude = true; };
$("began-before").onchange = () => proposeSize();
$("unresolved").onchange = () => proposeSize();
$("zoom-in").onclick = () => chart.zoom(0.5);
$("zoom-out").onclick = () => chart.zoom(2);
$("zoom-reset").onclick = () => chart.setView(...chart.extent);
$("zoom-selection").onclick = () => { if (chart.selection) chart.setView(...chart.selection); };
$("caption").onchange = (e) => { state.label.caption = e.target.value.trim(); saveLabel("caption"); };
$("no-anomaly").onchange = (e) => { state.label.no_anomaly = e.target.checked; saveLabel("no-anomaly mark"); };

(async function start() {
  try {
    const initial = await api("GET", "api/state");
    Object.assign(state, {series: initial.series, labels: initial.labels, kinds: initial.kinds});
    $("folder").textContent = `${initial.folder} · labels in ${initial.labels_file}`;
    $("kind").append(...initial.kinds.map((k) => element("option", {value: k}, k)));
    const wanted = decodeURIComponent(location.hash.slice(1));
    const first = state.series.find((s) => s.name === wanted) || state.series[0];
    await openSeries(first.name);
    window.labelPage = {chart, state};  // for the browser tests
  } catch (error) {
    setStatus(`cannot load: ${error.message}`, "error");
  }
})();
