// The page's link to the server, from what it sees: the live stream (websocket), HTTP requests
// (answered, slow or failing), the browser's own online flag, and actions waiting in the outbox.
// state: "online" | "slow" | "offline" | "connecting"; the "change" event fires on every change.
import { h } from "./dom.js";

const LABELS = {
  online: { vi: "Trực tuyến", en: "Online" },
  slow: { vi: "Đường truyền chậm", en: "Slow link" },
  offline: { vi: "Mất kết nối", en: "Offline" },
  connecting: { vi: "Đang kết nối…", en: "Connecting…" },
};

export class Connection extends EventTarget {
  constructor() {
    super();
    this.channels = {};  // name → "up" | "slow" | "down" | "connecting"
    this.pending = 0;     // actions waiting in the outbox
    addEventListener("online", () => this.changed());
    addEventListener("offline", () => this.changed());
  }

  report(channel, state) {
    if (this.channels[channel] === state) return;
    this.channels[channel] = state;
    this.changed();
  }

  setPending(n) {
    if (this.pending === n) return;
    this.pending = n;
    this.changed();
  }

  get state() {
    const states = Object.values(this.channels);
    if (!navigator.onLine || states.includes("down")) return "offline";
    if (states.includes("slow")) return "slow";
    if (!states.includes("up")) return "connecting";
    return states.includes("connecting") ? "connecting" : "online";
  }

  changed() { this.dispatchEvent(new CustomEvent("change", { detail: { state: this.state } })); }
}

// Render the indicator into `el` (a dot, the state, and how many actions wait) and keep it current.
export function mountIndicator(el, connection, i18n) {
  const render = () => {
    const state = connection.state;
    el.className = "conn conn-" + state;
    el.dataset.state = state;
    el.dataset.pending = String(connection.pending);
    const parts = [i18n.t(LABELS[state])];
    if (connection.pending) {
      parts.push(i18n.t({ vi: `${connection.pending} thao tác chờ gửi`, en: `${connection.pending} waiting to send` }));
    }
    el.replaceChildren(h("span", { class: "dot", "aria-hidden": "true" }), h("span", { text: parts.join(" · ") }));
  };
  connection.addEventListener("change", render);
  i18n.addEventListener("change", render);
  render();
}
