// The newest events of every streamed kind (time, category, area), newest first; a click
// selects the event.
import { h } from "../../core/dom.js";

function mount(el, wall) {
  const list = h("ol", { class: "feed" });
  el.append(list);
  const render = () => {
    list.replaceChildren(...wall.events.latest(wall.config.feedSize).map((ev) => h("li",
      { dataset: { event: ev.id, kind: ev.kind, severity: ev.severity }, on: { click: () => wall.select(ev.id) } },
      h("span", { class: "when", text: wall.i18n.time(ev.observed_at) }),
      h("span", { class: "what", text: wall.categoryLabel(ev.category) }),
      h("span", { class: "where", text: wall.areaLabel(ev.area) }))));
  };
  wall.on("render", render);
  wall.on("lang", render);
  render();
}

export default { mount };
