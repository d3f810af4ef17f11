// Header status: connection state (with actions waiting), how many events are shown, the clock
// of Huế, and the language toggle.
import { mountIndicator } from "../../core/connection.js";
import { h } from "../../core/dom.js";

function mount(el, wall) {
  const conn = h("span", { id: "conn" });
  const count = h("span", { class: "count", id: "count" });
  const clock = h("time", { class: "clock", id: "clock" });
  const lang = h("button", { type: "button", id: "lang", class: "btn", title: "Tiếng Việt / English",
    on: { click: () => wall.i18n.toggle() } });
  el.replaceChildren(conn, count, clock, lang);
  mountIndicator(conn, wall.connection, wall.i18n);
  const render = () => {
    count.textContent = wall.i18n.t({ vi: "Sự kiện: ", en: "Events: " }) + wall.i18n.number(wall.events.shown());
    lang.textContent = wall.i18n.lang === "vi" ? "EN" : "VI";
  };
  const tick = () => { clock.textContent = wall.i18n.time(Date.now(), { seconds: true, date: true }); };
  wall.on("render", render);
  wall.on("lang", () => { render(); tick(); });
  render();
  tick();
  setInterval(tick, 1000);
}

export default { mount };
