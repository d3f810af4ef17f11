// Header status: connection state (with actions waiting), whether the server's database answers
// (GET /api/v1/health every healthSeconds: "Mất kết nối CSDL / Database unavailable" while it does
// not, so a wall with no new events says why instead of looking frozen), how many events are
// shown, the clock of Huế, and the language toggle.
import { mountIndicator } from "../../core/connection.js";
import { h } from "../../core/dom.js";

const DB_DOWN = { vi: "Mất kết nối CSDL", en: "Database unavailable" };

// The database indicator: hidden while the store is "ok"; wall.store holds the last health.store.
function mountDatabase(el, wall) {
  const render = () => {
    const store = wall.store || { state: "ok" };
    const down = store.state !== "ok";
    el.hidden = !down;
    el.dataset.state = store.state;
    el.title = down ? store.error || "" : "";
    el.replaceChildren(h("span", { class: "dot", "aria-hidden": "true" }),
      h("span", { text: down ? wall.i18n.t(DB_DOWN) : "" }));
  };
  const check = async () => {
    try {
      wall.store = (await wall.api.get("/api/v1/health")).store;
    } catch (err) {
      if (err.code !== "unavailable") return;  // no answer at all: the connection indicator's job
      wall.store = { state: "unavailable", error: err.message };
    }
    render();
    wall.emit("store", { store: wall.store });
  };
  wall.on("lang", render);
  render();
  check();
  setInterval(check, wall.config.healthSeconds * 1000);
}

function mount(el, wall) {
  const conn = h("span", { id: "conn" });
  const db = h("span", { id: "db", class: "conn conn-offline db-state", role: "status" });
  const count = h("span", { class: "count", id: "count" });
  const clock = h("time", { class: "clock", id: "clock" });
  const lang = h("button", { type: "button", id: "lang", class: "btn", title: "Tiếng Việt / English",
    on: { click: () => wall.i18n.toggle() } });
  el.replaceChildren(conn, db, count, clock, lang);
  mountIndicator(conn, wall.connection, wall.i18n);
  mountDatabase(db, wall);
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
