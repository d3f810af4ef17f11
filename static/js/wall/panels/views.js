// Views: the wall cycles through config.views (city, flood zone, sea) on its own; anyone moving
// the map pauses the cycle for idleResumeSeconds. "Ghim tình huống / Pin situation" keeps the
// current view as the situation view (remembered on this screen) and stops the cycle until
// it is unpinned. Panels hear the view on screen as wall "view" ({id}); wall.view holds it.
import { h } from "../../core/dom.js";

const SITUATION_KEY = "ioc-wall-situation";
const REFERENCE_WIDTH = 1920;

// The configured zooms are for a 1920 px wide wall; a wider one (4K at device pixel ratio 1)
// zooms in so that it shows the same area.
function fitted(view) {
  return { ...view, zoom: view.zoom + Math.log2(Math.max(0.5, innerWidth / REFERENCE_WIDTH)) };
}

function mount(el, wall) {
  const cfg = wall.config;
  const views = cfg.views;
  let index = Math.max(0, views.findIndex((v) => v.id === cfg.startView));
  let nextAt = Date.now() + cfg.cycleSeconds * 1000;
  let situation = JSON.parse(localStorage.getItem(SITUATION_KEY) || "null");
  const buttons = views.map((v, i) => h("button", { type: "button", class: "btn view", dataset: { view: v.id },
    on: { click: () => go(i, true) } }));
  const pin = h("button", { type: "button", class: "btn pin", id: "pin-situation", on: { click: () => togglePin() } });
  el.replaceChildren(...buttons, pin);

  // The view on screen ("city", "flood", "sea", "situation" or "" after a hand moved the map):
  // on the element for styles and tests, and heard by panels as wall "view" ({id}).
  const show = (id) => {
    el.dataset.view = id;
    if (wall.view === id) return;
    wall.view = id;
    wall.emit("view", { id });
  };
  const render = () => {
    buttons.forEach((b, i) => {
      b.textContent = wall.i18n.t(views[i].label);
      b.classList.toggle("active", el.dataset.view === views[i].id);
    });
    pin.textContent = situation ? wall.i18n.t({ vi: "⚑ Tình huống (đã ghim)", en: "⚑ Situation (pinned)" })
      : wall.i18n.t({ vi: "⚑ Ghim tình huống", en: "⚑ Pin situation" });
    pin.classList.toggle("active", Boolean(situation));
    el.dataset.pinned = String(Boolean(situation));
  };
  const go = (i, user) => {
    index = i;
    show(views[i].id);
    wall.map.flyTo(fitted(views[i]), user ? 1500 : 3000);
    nextAt = Date.now() + (user ? cfg.idleResumeSeconds : cfg.cycleSeconds) * 1000;
    render();
  };
  const togglePin = () => {
    if (situation) {
      situation = null;
      localStorage.removeItem(SITUATION_KEY);
      nextAt = Date.now() + cfg.cycleSeconds * 1000;
    } else {
      const { longitude, latitude, zoom, pitch, bearing } = wall.map.viewState;
      situation = { longitude, latitude, zoom, pitch, bearing };
      localStorage.setItem(SITUATION_KEY, JSON.stringify(situation));
      wall.map.flyTo(situation, 0);  // stop any flight where it is
      show("situation");
    }
    render();
  };

  wall.map.addEventListener("view", (e) => {
    if (!e.detail.user) return;
    nextAt = Date.now() + cfg.idleResumeSeconds * 1000;
    show(situation ? "situation" : "");
    render();
  });
  wall.on("lang", render);
  setInterval(() => {
    if (!situation && cfg.cycleSeconds > 0 && Date.now() >= nextAt) go((index + 1) % views.length, false);
  }, 500);
  if (situation) {
    show("situation");
    wall.map.flyTo(situation, 0);
  } else {
    show(views[index].id);
    wall.map.flyTo(fitted(views[index]), 0);
  }
  render();
}

export default { mount };
