// Actions that must reach the server exactly once, even on a slow or dropping link.
//
// enqueue() stores the action (sessionStorage: it survives a reload of this tab, and the token it
// was made with lives there too) and sends it at once. If the server cannot be reached, times out
// or answers 5xx/408/429, the action stays queued and is sent again, in order, with the SAME
// Idempotency-Key, after 1, 2, 5, 10, 30 s and whenever the browser comes back online; the server
// stores it once even when an earlier try did reach it. A refusal (4xx) is final: the entry is
// marked failed with the server's message and waits to be dismissed. Events: "change", "sent"
// ({entry, body}), "failed" ({entry, error}). With `coalesce: true` a new action replaces the
// queued, not yet sending, ones of the same label and path (a tablet's position: only the
// latest fix is worth sending after a gap); their promises resolve with null.
import { ApiError } from "./api.js";
import { uuid } from "./dom.js";

const BACKOFF_MS = [1000, 2000, 5000, 10000, 30000];

export class Outbox extends EventTarget {
  constructor(api, { connection = null, storageKey = "ioc-outbox", backoffMs = BACKOFF_MS } = {}) {
    super();
    this.api = api;
    this.connection = connection;
    this.storageKey = storageKey;
    this.backoffMs = backoffMs;
    this.entries = JSON.parse(sessionStorage.getItem(storageKey) || "[]");
    for (const e of this.entries) if (e.state === "sending") e.state = "queued";  // cut by a reload
    this.waiters = new Map();  // key → {resolve, reject} of enqueue() calls of this page load
    this.timer = null;
    this.busy = false;
    addEventListener("online", () => this.flush());
    this.changed();
    if (this.pending) this.flush();
  }

  // Queue {method, path, body, label, coalesce}; resolves with the server's answer body once it
  // is stored.
  enqueue({ method = "POST", path, body, label = null, coalesce = false }) {
    const entry = { key: uuid(), method, path, body, label, queuedAt: new Date().toISOString(),
                    attempts: 0, state: "queued", error: null };
    if (coalesce) this.replaceQueued(label, path);
    this.entries.push(entry);
    this.changed();
    const done = new Promise((resolve, reject) => this.waiters.set(entry.key, { resolve, reject }));
    this.flush();
    return done;
  }

  replaceQueued(label, path) {
    const old = this.entries.filter((e) => e.state === "queued" && e.label === label && e.path === path);
    this.entries = this.entries.filter((e) => !old.includes(e));
    for (const e of old) {
      const waiter = this.waiters.get(e.key);
      this.waiters.delete(e.key);
      if (waiter) waiter.resolve(null);
    }
  }

  get pending() { return this.entries.filter((e) => e.state !== "failed").length; }

  get failed() { return this.entries.filter((e) => e.state === "failed"); }

  dismiss(key) {
    this.entries = this.entries.filter((e) => e.key !== key);
    this.changed();
  }

  // Send queued entries in order; stop at the first one that must wait.
  async flush() {
    if (this.busy) return;
    this.busy = true;
    clearTimeout(this.timer);
    try {
      let entry;
      while ((entry = this.entries.find((e) => e.state === "queued"))) {
        if (!(await this.send(entry))) break;
      }
    } finally {
      this.busy = false;
    }
  }

  async send(entry) {
    entry.attempts += 1;
    entry.state = "sending";
    this.changed();
    try {
      const res = await this.api.request(entry.method, entry.path,
        { body: entry.body, headers: { "Idempotency-Key": entry.key } });
      this.entries = this.entries.filter((e) => e !== entry);
      this.settle(entry, "sent", { entry, body: res.body });
      return true;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return this.handleError(entry, err);
    }
  }

  handleError(entry, err) {
    entry.error = err.message;
    if (err.retryable) {
      entry.state = "queued";
      const wait = this.backoffMs[Math.min(entry.attempts, this.backoffMs.length) - 1];
      this.timer = setTimeout(() => this.flush(), wait);
      this.changed();
      return false;
    }
    entry.state = "failed";
    this.settle(entry, "failed", { entry, error: err });
    return true;
  }

  settle(entry, type, detail) {
    this.changed();
    const waiter = this.waiters.get(entry.key);
    this.waiters.delete(entry.key);
    if (waiter) (type === "sent" ? waiter.resolve(detail.body) : waiter.reject(detail.error));
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  changed() {
    sessionStorage.setItem(this.storageKey, JSON.stringify(this.entries));
    if (this.connection) this.connection.setPending(this.pending);
    this.dispatchEvent(new CustomEvent("change", { detail: { pending: this.pending } }));
  }
}
