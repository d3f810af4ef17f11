// Legend with layer toggles, straight from the catalog: one row per layer (checkbox, title) and
// its legend entries (colour swatch, label). Toggles are remembered by the map (localStorage).
import { h } from "../../core/dom.js";

function swatch(color) {
  const el = h("span", { class: "swatch", "aria-hidden": "true" });
  el.style.background = `rgb(${color.slice(0, 3).join(",")})`;
  return el;
}

function row(entry, wall) {
  const id = "layer-" + entry.id;
  const box = h("input", { type: "checkbox", id, checked: !wall.map.hidden.has(entry.id),
    dataset: { layer: entry.id }, on: { change: (e) => wall.map.setHidden(entry.id, !e.target.checked) } });
  const keys = (entry.legend || []).map((item) => h("li", { class: "key" }, swatch(item.color), h("span", { text: wall.i18n.t(item) })));
  return h("li", { class: "layer", dataset: { layer: entry.id } },
    h("label", { for: id }, box, h("span", { class: "name", text: wall.i18n.t(entry.title) })),
    keys.length ? h("ul", { class: "keys" }, keys) : null);
}

function mount(el, wall) {
  const list = h("ul", { class: "legend" });
  el.append(list);
  const render = () => list.replaceChildren(...[...wall.catalog].reverse().map((entry) => row(entry, wall)));
  wall.on("lang", render);
  render();
}

export default { mount };
