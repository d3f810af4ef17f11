// Time: a slider over the hours the wall holds; moving it replays what was known then (events
// observed later are hidden, hexagons and area load recounted). "Phát lại / Replay" runs through
// the window in replaySeconds; "Trực tiếp / Live" returns to now.
import { h } from "../../core/dom.js";

const REPLAY_SECONDS = 60;
const STEP_MS = 250;

function mount(el, wall) {
  const windowMs = wall.config.windowHours * 3600e3;
  const slider = h("input", { type: "range", id: "time-slider", step: "60000", "aria-label": "time" });
  const label = h("output", { class: "time-label", for: "time-slider" });
  const replay = h("button", { type: "button", class: "btn", id: "time-replay" });
  const live = h("button", { type: "button", class: "btn live", id: "time-live" });
  el.append(replay, slider, label, live);
  let player = null;

  const stop = () => { clearInterval(player); player = null; };
  const range = () => {
    const now = Date.now();
    slider.min = String(now - windowMs);
    slider.max = String(now);
    if (wall.time === null) slider.value = slider.max;
  };
  const render = () => {
    const isLive = wall.time === null;
    el.dataset.mode = isLive ? "live" : "replay";
    label.textContent = isLive ? wall.i18n.t({ vi: "Trực tiếp", en: "Live" }) : wall.i18n.time(wall.time, { date: true });
    replay.textContent = player ? wall.i18n.t({ vi: "■ Dừng", en: "■ Pause" }) : wall.i18n.t({ vi: "▶ Phát lại", en: "▶ Replay" });
    live.textContent = wall.i18n.t({ vi: "● Trực tiếp", en: "● Live" });
    live.classList.toggle("active", isLive);
  };
  const play = () => {
    if (player) { stop(); render(); return; }
    range();
    let t = wall.time === null ? Math.max(Number(slider.min), Math.min(wall.events.oldest(), Date.now())) : wall.time;
    const step = (Date.now() - t) / (REPLAY_SECONDS * 1000 / STEP_MS);
    player = setInterval(() => {
      t += step;
      if (t >= Date.now()) { stop(); wall.setTime(null); return; }
      slider.value = String(t);
      wall.setTime(t);
    }, STEP_MS);
    render();
  };

  slider.addEventListener("input", () => { stop(); wall.setTime(Number(slider.value)); });
  replay.addEventListener("click", play);
  live.addEventListener("click", () => { stop(); wall.setTime(null); range(); });
  wall.on("time", render);
  wall.on("lang", render);
  setInterval(range, 10000);
  range();
  render();
}

export default { mount };
