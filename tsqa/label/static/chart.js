"use strict";
// A line chart of one multivariate series on a zoomable time axis, drawn on a canvas with no library (the page works
// offline). Drag selects a time window, the wheel zooms around the pointer, shift+drag pans. Times are unix seconds.

const PALETTE = ["#3d7cc9", "#e8743b", "#19a979", "#ed4a7b", "#945ecf", "#13a4b4", "#525df4", "#bf399e",
  "#6c8893", "#ee6868", "#2f6497", "#a2a50a"];  // the colours of the PNG plots (arfbench/plot.py)
const TICK_STEPS = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
  2592000, 7776000, 31536000];

class TimeChart {
  constructor(canvas, {onSelect, onView}) {
    this.canvas = canvas;
    this.onSelect = onSelect;
    this.onView = onView;
    this.margin = {left: 64, right: 14, top: 14, bottom: 30};
    this.data = null;  // {timestamps, values: per channel, channels, first, last, interval}
    this.view = null;  // [from, to]
    this.selection = null;  // [from, to]
    this.windows = [];  // [{start, end, label}] already saved
    this.highlight = new Set();  // channel indices drawn bold
    this.drag = null;
    canvas.addEventListener("mousedown", (e) => this.down(e));
    window.addEventListener("mousemove", (e) => this.move(e));
    window.addEventListener("mouseup", (e) => this.up(e));
    canvas.addEventListener("wheel", (e) => this.wheel(e), {passive: false});
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  setData(data, keepView) {
    this.data = data;
    if (!keepView || !this.view) this.view = [data.first, Math.max(data.last, data.first + data.interval)];
    this.draw();
  }

  get extent() { return [this.data.first, Math.max(this.data.last, this.data.first + this.data.interval)]; }
  get plotWidth() { return this.canvas.clientWidth - this.margin.left - this.margin.right; }
  get plotHeight() { return this.canvas.clientHeight - this.margin.top - this.margin.bottom; }

  xOf(t) {  // canvas x (CSS pixels) of time t
    const [a, b] = this.view;
    return this.margin.left + (t - a) / (b - a) * this.plotWidth;
  }

  clientXOf(t) {  // the page's x of time t (what a pointer event reports)
    return this.canvas.getBoundingClientRect().left + this.canvas.clientLeft + this.xOf(t);
  }

  timeAt(x) {
    const [a, b] = this.view;
    return a + (x - this.margin.left) / this.plotWidth * (b - a);
  }

  clampTime(t) { const [a, b] = this.extent; return Math.min(b, Math.max(a, t)); }

  setView(from, to) {
    const [a, b] = this.extent;
    const span = Math.min(b - a, Math.max(to - from, 10 * this.data.interval));
    from = Math.max(a, Math.min(from, b - span));
    this.view = [from, from + span];
    this.draw();
    this.onView(this.view);
  }

  zoom(factor, around) {
    const [a, b] = this.view;
    const center = around === undefined ? (a + b) / 2 : around;
    this.setView(center - (center - a) * factor, center + (b - center) * factor);
  }

  down(e) {
    if (!this.data || e.button !== 0) return;
    const x = this.pointerX(e);
    if (x < this.margin.left || x > this.margin.left + this.plotWidth) return;
    e.preventDefault();
    if (e.shiftKey) {
      this.drag = {pan: true, x, view: this.view.slice()};
    } else {
      const t = this.clampTime(this.timeAt(x));
      this.drag = {pan: false, x, t};
      this.selection = [t, t];
      this.draw();
    }
  }

  pointerX(e) {  // x in the chart's drawing coordinates: from the canvas' content edge, inside its border
    return e.clientX - this.canvas.getBoundingClientRect().left - this.canvas.clientLeft;
  }

  move(e) {
    if (!this.drag) return;
    const x = this.pointerX(e);
    if (this.drag.pan) {
      const [a, b] = this.drag.view;
      const shift = (this.drag.x - x) / this.plotWidth * (b - a);
      const [lo, hi] = this.extent;
      const from = Math.max(lo, Math.min(a + shift, hi - (b - a)));
      this.view = [from, from + (b - a)];
    } else {
      const t = this.clampTime(this.timeAt(x));
      this.selection = [Math.min(t, this.drag.t), Math.max(t, this.drag.t)];
    }
    this.draw();
  }

  up(e) {
    if (!this.drag) return;
    const drag = this.drag;
    this.drag = null;
    if (drag.pan) { this.onView(this.view); return; }
    if (Math.abs(this.pointerX(e) - drag.x) < 3) this.selection = null;
    this.draw();
    this.onSelect(this.selection);
  }

  wheel(e) {
    if (!this.data) return;
    e.preventDefault();
    this.zoom(e.deltaY > 0 ? 1.25 : 0.8, this.clampTime(this.timeAt(this.pointerX(e))));
  }

  yRange() {
    const [a, b] = this.view;
    let low = Infinity, high = -Infinity;
    const stamps = this.data.timestamps;
    for (const column of this.data.values) {
      for (let i = 0; i < stamps.length; i++) {
        const v = column[i];
        if (v === null || stamps[i] < a - this.data.interval || stamps[i] > b + this.data.interval) continue;
        if (v < low) low = v;
        if (v > high) high = v;
      }
    }
    if (!isFinite(low)) return [0, 1];
    const pad = (high - low) * 0.06 || Math.abs(high) * 0.1 || 1;
    return [low - pad, high + pad];
  }

  draw() {
    const canvas = this.canvas, ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!this.data) return;
    const m = this.margin, [low, high] = this.yRange();
    const yOf = (v) => m.top + (1 - (v - low) / (high - low)) * this.plotHeight;
    this.drawAxes(ctx, low, high, yOf);
    ctx.save();
    ctx.beginPath();
    ctx.rect(m.left, m.top, this.plotWidth, this.plotHeight);
    ctx.clip();
    for (const w of this.windows) this.drawBand(ctx, w.start, w.end, "rgba(232, 116, 59, 0.18)", w.label);
    if (this.selection) this.drawBand(ctx, this.selection[0], this.selection[1], "rgba(61, 124, 201, 0.22)", null,
      "#3d7cc9");
    this.drawLines(ctx, yOf);
    ctx.restore();
  }

  drawBand(ctx, start, end, fill, label, stroke) {
    const [a, b] = this.extent;
    const x0 = this.xOf(start === null ? a : start), x1 = this.xOf(end === null ? b : end);
    ctx.fillStyle = fill;
    ctx.fillRect(x0, this.margin.top, Math.max(1, x1 - x0), this.plotHeight);
    if (stroke) {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1;
      ctx.strokeRect(x0 + 0.5, this.margin.top + 0.5, Math.max(1, x1 - x0) - 1, this.plotHeight - 1);
    }
    if (label) {
      ctx.fillStyle = "#a4440f";
      ctx.font = "11px system-ui, sans-serif";
      ctx.fillText(label, x0 + 4, this.margin.top + 13);
    }
  }

  drawLines(ctx, yOf) {
    const stamps = this.data.timestamps, faded = this.highlight.size > 0;
    this.data.values.forEach((column, c) => {
      const bold = this.highlight.has(c);
      ctx.strokeStyle = PALETTE[c % PALETTE.length];
      ctx.globalAlpha = faded && !bold ? 0.3 : 1;
      ctx.lineWidth = bold ? 2.2 : 1.1;
      ctx.beginPath();
      let open = false;
      for (let i = 0; i < stamps.length; i++) {
        const v = column[i];
        if (v === null) { open = false; continue; }
        const x = this.xOf(stamps[i]), y = yOf(v);
        if (open) ctx.lineTo(x, y); else ctx.moveTo(x, y);
        open = true;
      }
      ctx.stroke();
    });
    ctx.globalAlpha = 1;
  }

  drawAxes(ctx, low, high, yOf) {
    const m = this.margin, [a, b] = this.view;
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#5b6675";
    ctx.strokeStyle = "#e6e6e6";
    ctx.lineWidth = 1;
    const yStep = niceStep((high - low) / 5);
    for (let v = Math.ceil(low / yStep) * yStep; v <= high; v += yStep) {
      const y = Math.round(yOf(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(m.left, y); ctx.lineTo(m.left + this.plotWidth, y); ctx.stroke();
      ctx.textAlign = "right";
      ctx.fillText(formatNumber(v), m.left - 6, y + 4);
    }
    const wanted = (b - a) / Math.max(2, this.plotWidth / 110);
    const step = TICK_STEPS.find((s) => s >= wanted) || TICK_STEPS[TICK_STEPS.length - 1];
    ctx.textAlign = "center";
    for (let t = Math.ceil(a / step) * step; t <= b; t += step) {
      const x = Math.round(this.xOf(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, m.top); ctx.lineTo(x, m.top + this.plotHeight); ctx.stroke();
      ctx.fillText(formatTime(t, step), x, m.top + this.plotHeight + 16);
    }
    ctx.strokeStyle = "#9aa3ad";
    ctx.strokeRect(m.left + 0.5, m.top + 0.5, this.plotWidth, this.plotHeight);
  }
}

function niceStep(raw) {
  const power = Math.pow(10, Math.floor(Math.log10(raw || 1)));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

function formatNumber(v) {
  const size = Math.abs(v);
  if (size >= 1e6) return (v / 1e6).toFixed(1) + "M";
  if (size >= 1e4) return (v / 1e3).toFixed(0) + "k";
  return Number(v.toPrecision(4)).toString();
}

function formatTime(t, step) {  // UTC, like the options of the questions
  const iso = new Date(t * 1000).toISOString();
  if (step >= 86400) return iso.slice(0, 10);
  if (step >= 60) return iso.slice(5, 16).replace("T", " ");
  return iso.slice(11, 19);
}

function utc(t) {  // `YYYY-MM-DD HH:MM:SS`, as the start and end options write times
  return new Date(t * 1000).toISOString().slice(0, 19).replace("T", " ");
}
