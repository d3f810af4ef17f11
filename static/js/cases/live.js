// Live: the reports and questions layers over the websocket. Any change refreshes the work list
// (the server scopes it: the stream is only the signal); a case that appears in the list from a
// batch, or one that falls overdue, rings a short sound (served by this server; browsers play
// sound only after the person touched the page) and counts in the badge until it is looked at.
import { showError } from "../core/dom.js";
import { sessionEnded } from "../core/page.js";
import { EventStream } from "../core/stream.js";

const SOUND = "/static/sounds/case.wav";
const SOUND_KEY = "ioc-cases-sound";
const REFRESH_MS = 400;

export class Live {
  constructor(page) {
    this.page = page;
    this.fresh = new Set();
    this.pending = new Set();
    this.badge = document.getElementById("badge");
    this.button = document.getElementById("sound");
    this.enabled = localStorage.getItem(SOUND_KEY) !== "off";
    this.audio = null;
    this.rang = 0;
    this.button.addEventListener("click", () => this.toggle());
    this.badge.addEventListener("click", () => this.seen());
    const unlock = () => { this.audio = this.audio || new Audio(SOUND); };
    document.addEventListener("pointerdown", unlock, { once: true });
    document.addEventListener("keydown", unlock, { once: true });
    page.on("overdue", (d) => this.announce(d.ids));
    page.on("opened", (d) => { if (this.fresh.delete(d.id)) this.show(); });
    page.on("lang", () => { this.label(); this.show(); });
    this.label();
  }

  start() {
    const p = this.page;
    this.stream = new EventStream({ token: p.token, layers: ["reports", "questions"], since: p.head, connection: p.connection });
    this.stream.addEventListener("events", (e) => this.received(e.detail.events));
    this.stream.addEventListener("error", (e) => showError(e.detail.error.message));
    this.stream.addEventListener("ended", () => sessionEnded(p.i18n));
    this.stream.start();
  }

  received(events) {
    for (const ev of events) if (ev.kind === "report" || ev.kind === "question") this.pending.add(ev.id);
    if (!this.pending.size) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), REFRESH_MS);
  }

  async refresh() {
    const ids = this.pending;
    this.pending = new Set();
    const list = this.page.list;
    const before = new Set(list.cases.map((c) => c.id));
    await list.refresh();
    const added = list.cases.filter((c) => ids.has(c.id) && !before.has(c.id)).map((c) => c.id);
    this.announce(added);
    const open = this.page.detail;
    if (open.id && ids.has(open.id) && !this.page.actions.name) this.page.detail.reload();
  }

  announce(ids) {
    if (!ids.length) return;
    ids.forEach((id) => this.fresh.add(id));
    this.show();
    this.ring();
  }

  ring() {
    this.rang += 1;
    if (!this.enabled || !this.audio) return;
    this.audio.currentTime = 0;
    this.audio.play().catch(() => {});
  }

  show() {
    const n = this.fresh.size;
    this.badge.hidden = !n;
    this.badge.dataset.count = String(n);
    this.badge.textContent = this.page.t({ vi: `${n} việc mới / quá hạn`, en: `${n} new / overdue` });
    for (const tr of this.page.list.body.children) tr.classList.toggle("fresh", this.fresh.has(tr.dataset.id));
  }

  seen() {
    this.fresh.clear();
    this.show();
    this.page.list.body.querySelector("tr")?.focus();
  }

  toggle() {
    this.enabled = !this.enabled;
    localStorage.setItem(SOUND_KEY, this.enabled ? "on" : "off");
    if (this.enabled) { this.audio = this.audio || new Audio(SOUND); this.ring(); }
    this.label();
  }

  label() {
    this.button.setAttribute("aria-pressed", String(this.enabled));
    this.button.textContent = this.page.t(this.enabled ? { vi: "♪ Âm báo: bật", en: "♪ Sound: on" } : { vi: "Âm báo: tắt", en: "Sound: off" });
  }
}
