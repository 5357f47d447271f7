// Charts and explorables of the book (HTML made by hemomodels/viz.py and
// hemomodels/widgets/html.py). Loaded as a module after the vendored Vega bundle, which
// defines window.vegaEmbed. Everything the page needs is in the page: nothing is fetched.
//
// - every .hemomodels-chart[data-hm-chart] holds its Vega-Lite spec as inert JSON; it is drawn
//   at the width of its container (and redrawn when that width changes) and in the colours
//   of the light or dark theme (and redrawn when the reader switches);
// - every .hm-explorable has HTML controls: moving one sets the chart's position parameters
//   p0, p1, ... (the chart shows the precomputed simulation of that combination), updates the
//   text description (an ARIA live region) and, when open, the data table.

const DARK_COLOURS = {
  "#1b6ca8": "#7fbfef", "#d1495b": "#f2899a", "#2a9d8f": "#63d5c6", "#e9a03b": "#f5c36f",
  "#6a4c93": "#b9a0e3", "#5c946e": "#93d3a5", "#8d6346": "#d6a885", "#555555": "#c4c4c4",
  "#333333": "#e2e2e2", "#777777": "#b0b0b0", "#999999": "#a8a8a8", "#b35c00": "#ffae5e",
  "#dddddd": "#4a4a4a", "#8a3b00": "#ffb06b",
};
const charts = new Map();

const isDark = () => document.documentElement.dataset.theme === "dark";

function recolour(value, key) {
  if (key === "datasets") return value;
  if (typeof value === "string") return DARK_COLOURS[value.toLowerCase()] || value;
  if (Array.isArray(value)) return value.map((item) => recolour(item));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, recolour(v, k)]));
  }
  return value;
}

function fitted(spec, width) {
  const plot = Math.max(160, Math.floor(width) - 96);
  const out = { ...spec };
  if (out.vconcat) out.vconcat = out.vconcat.map((view) => ({ ...view, width: plot }));
  else out.width = plot;
  const config = { ...(out.config || {}) };
  config.legend = { ...(config.legend || {}) };
  if (width < 560) config.legend.columns = 1;
  out.config = config;
  return out;
}

async function draw(chart) {
  const width = chart.el.clientWidth;
  if (!width || !window.vegaEmbed) return;
  chart.width = width;
  let spec = fitted(chart.spec, width);
  if (spec.params && chart.positions) {
    spec.params = spec.params.map((p) =>
      p.name in chart.positions ? { ...p, value: chart.positions[p.name] } : p);
  }
  const dark = isDark();
  if (dark) spec = { ...recolour(spec), background: "transparent" };
  const options = { actions: false, renderer: "svg" };
  if (dark) options.theme = "dark";
  const result = await window.vegaEmbed(chart.target, spec, options);
  if (chart.view) chart.view.finalize();
  chart.view = result.view;
  chart.dark = dark;
}

function register(el) {
  const source = el.querySelector("script.hm-spec");
  if (!source || charts.has(el)) return charts.get(el);
  const target = document.createElement("div");
  target.className = "hm-vega";
  el.appendChild(target);
  const chart = { el, target, spec: JSON.parse(source.textContent), positions: null };
  charts.set(el, chart);
  let pending = null;
  new ResizeObserver(() => {
    if (chart.width !== undefined && Math.abs(el.clientWidth - chart.width) < 16) return;
    clearTimeout(pending);
    pending = setTimeout(() => draw(chart).catch(console.error), 120);
  }).observe(el);
  return chart;
}

// ------------------------------------------------------------------ numbers for readers
const SUPERSCRIPT = { "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶",
  "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻" };

function readable(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const size = Math.abs(value);
  if (size === 0) return "0";
  if (size >= 1e-3 && size < 1e5) {
    return Number(value.toPrecision(3)).toLocaleString("en-GB", { maximumFractionDigits: 6 });
  }
  const [mantissa, exponent] = value.toExponential(2).split("e");
  const power = "10" + String(Number(exponent)).split("").map((c) => SUPERSCRIPT[c]).join("");
  const m = String(Number(mantissa));
  return m === "1" ? power : `${m} × ${power}`;
}

// ------------------------------------------------------------------ explorables
function explorable(root) {
  const meta = JSON.parse(root.querySelector("script.hm-meta").textContent);
  const chart = register(root.querySelector(".hemomodels-chart[data-hm-chart]"));
  const starts = meta.controls.map((c) => c.start);
  const positions = [...starts];
  const readout = root.querySelector(".hm-readout");
  const details = root.querySelector("details.hm-data");
  const key = () => positions.join("-");
  chart.positions = Object.fromEntries(positions.map((p, i) => [`p${i}`, p]));

  function showReadout() {
    const shown = meta.readouts[key()];
    const paragraph = document.createElement("p");
    paragraph.className = "hm-description";
    paragraph.textContent = shown.description;
    const parts = [paragraph];
    const lines = Object.entries(shown.summary);
    if (lines.length) {
      const list = document.createElement("ul");
      list.className = "hm-summary";
      for (const [label, text] of lines) {
        const item = document.createElement("li");
        const name = document.createElement("span");
        name.className = "hm-summary-label";
        name.textContent = `${label}:`;
        item.append(name, ` ${text}`);
        list.appendChild(item);
      }
      parts.push(list);
    }
    readout.replaceChildren(...parts);
  }

  function fillTable() {
    const table = meta.table;
    const rows = chart.spec.datasets.lines.filter((row) => row.k === key());
    const byLabel = Object.fromEntries(rows.map((row) => [row.v, row.value]));
    const n = rows.length ? rows[0].value.length : 0;
    const step = Math.max(1, Math.ceil((n - 1) / (table.rows - 1)));
    const element = document.createElement("table");
    const head = element.createTHead().insertRow();
    for (const title of [table.time_title, ...table.columns.map((c) => c.title)]) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = title;
      head.appendChild(cell);
    }
    const body = element.createTBody();
    for (let i = 0; i < n; i += step) {
      const row = body.insertRow();
      row.insertCell().textContent = readable(i * table.dt);
      for (const column of table.columns) {
        row.insertCell().textContent = readable((byLabel[column.v] || [])[i]);
      }
    }
    details.querySelector(".hm-table-scroll").replaceChildren(element);
  }

  function update() {
    positions.forEach((p, i) => { chart.positions[`p${i}`] = p; });
    showReadout();
    if (details.open) fillTable();
    if (chart.view) {
      positions.forEach((p, i) => chart.view.signal(`p${i}`, p));
      chart.view.runAsync().catch(console.error);
    }
  }

  function showControl(index) {
    const texts = meta.controls[index].texts;
    for (const input of root.querySelectorAll(`input[data-hm-control="${index}"]`)) {
      if (input.type === "radio") {
        input.checked = Number(input.value) === positions[index];
      } else {
        input.value = String(positions[index]);
        input.setAttribute("aria-valuetext", texts[positions[index]]);
        const output = input.parentElement.querySelector("output");
        if (output) output.textContent = texts[positions[index]];
      }
    }
  }

  for (const input of root.querySelectorAll("input[data-hm-control]")) {
    const index = Number(input.dataset.hmControl);
    const event = input.type === "radio" ? "change" : "input";
    input.addEventListener(event, () => {
      if (input.type === "radio" && !input.checked) return;
      positions[index] = Number(input.value);
      showControl(index);
      update();
    });
  }
  root.querySelector(".hm-reset").addEventListener("click", () => {
    starts.forEach((start, i) => { positions[i] = start; showControl(i); });
    update();
  });
  details.addEventListener("toggle", () => { if (details.open) fillTable(); });
}

function start() {
  for (const root of document.querySelectorAll(".hm-explorable[data-hm-explorable]")) {
    try { explorable(root); } catch (error) { console.error(error); }
  }
  for (const el of document.querySelectorAll(".hemomodels-chart[data-hm-chart]")) register(el);
  for (const chart of charts.values()) draw(chart).catch(console.error);
  new MutationObserver(() => {
    for (const chart of charts.values()) {
      if (chart.dark !== isDark()) draw(chart).catch(console.error);
    }
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
