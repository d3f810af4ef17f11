// Legend with layer toggles, straight from the catalog: one row per layer (checkbox, title) and
// its legend entries (colour swatch, label). Toggles are remembered by the map (localStorage).
// The layer drawn as a choropleth (the communes) gets a switch: colour by open cases or by cases
// past their deadline; its legend rows then name what the colour counts.
import { h } from "../../core/dom.js";

const COLOR_BY = [
  { mode: "load", vi: "Việc đang mở", en: "Open cases" },
  { mode: "overdue", vi: "Việc quá hạn", en: "Overdue cases" },
];
const OVERDUE_KEYS = [{ vi: "Ít việc quá hạn", en: "Few overdue cases" }, { vi: "Nhiều việc quá hạn", en: "Many overdue cases" }];

function swatch(color) {
  const el = h("span", { class: "swatch", "aria-hidden": "true" });
  el.style.background = `rgb(${color.slice(0, 3).join(",")})`;
  return el;
}

function colorSwitch(wall) {
  return h("div", { class: "color-by", role: "radiogroup", "aria-label": wall.i18n.t({ vi: "Tô màu theo", en: "Colour by" }) },
    COLOR_BY.map((c) => h("button", { type: "button", role: "radio", class: "btn" + (wall.map.colorBy === c.mode ? " active" : ""),
      "aria-checked": String(wall.map.colorBy === c.mode), dataset: { colorBy: c.mode }, text: wall.i18n.t(c),
      on: { click: () => wall.map.setColorBy(c.mode) } })));
}

function row(entry, wall) {
  const id = "layer-" + entry.id;
  const choropleth = entry.deck.some((d) => d.role === "choropleth");
  const box = h("input", { type: "checkbox", id, checked: !wall.map.hidden.has(entry.id),
    dataset: { layer: entry.id }, on: { change: (e) => wall.map.setHidden(entry.id, !e.target.checked) } });
  const labels = choropleth && wall.map.colorBy === "overdue" ? (entry.legend || []).map((item, i) => ({ ...item, ...OVERDUE_KEYS[i] }))
    : entry.legend || [];
  const keys = labels.map((item) => h("li", { class: "key" }, swatch(item.color), h("span", { text: wall.i18n.t(item) })));
  return h("li", { class: "layer", dataset: { layer: entry.id } },
    h("label", { for: id }, box, h("span", { class: "name", text: wall.i18n.t(entry.title) })),
    choropleth ? colorSwitch(wall) : null,
    keys.length ? h("ul", { class: "keys" }, keys) : null);
}

function mount(el, wall) {
  const list = h("ul", { class: "legend" });
  el.append(list);
  const render = () => list.replaceChildren(...[...wall.catalog].reverse().map((entry) => row(entry, wall)));
  wall.on("lang", render);
  wall.map.addEventListener("colorby", render);
  render();
}

export default { mount };
