// The live event stream (WS /ws): subscribe to layers, resume from the last seq after any drop
// (back-off 0.5 s … 30 s), and an application ping so a dead link is noticed within pingMs.
// Events: "events" ({events, lastSeq}), "error" ({error}). Reports "stream" to Connection.
export class EventStream extends EventTarget {
  constructor({ token, layers, since = 0, connection = null, pingMs = 15000 }) {
    super();
    Object.assign(this, { token, layers, lastSeq: since, connection, pingMs });
    this.ws = null;
    this.retry = 0;
    this.stopped = false;
    this.lastFrame = 0;
  }

  start() {
    this.stopped = false;
    this.open();
    this.pinger = setInterval(() => this.ping(), this.pingMs);
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pinger);
    if (this.ws) this.ws.close();
  }

  open() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(this.token || "")}`);
    this.ws = ws;
    this.report("connecting");
    ws.onopen = () => ws.send(JSON.stringify({ op: "subscribe", layers: this.layers, since: this.lastSeq }));
    ws.onmessage = (msg) => this.receive(JSON.parse(msg.data));
    ws.onclose = () => this.closed(ws);
  }

  // Subscribe again from the last seq on the open socket (the server replaces the subscription
  // and pages from there): for a catch-up the server dropped while its database was away.
  resubscribe() {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ op: "subscribe", layers: this.layers, since: this.lastSeq }));
    }
  }

  receive(frame) {
    this.lastFrame = performance.now();
    if (frame.op === "subscribed") {
      this.retry = 0;
      this.report("up");
    } else if (frame.op === "events") {
      this.lastSeq = Math.max(this.lastSeq, frame.last_seq);
      this.dispatchEvent(new CustomEvent("events", { detail: { events: frame.events, lastSeq: frame.last_seq } }));
    } else if (frame.op === "error") {
      this.dispatchEvent(new CustomEvent("error", { detail: { error: frame.error } }));
    }
  }

  closed(ws) {
    if (ws !== this.ws || this.stopped) return;
    this.report("down");
    this.retry = Math.min(this.retry + 1, 6);
    setTimeout(() => this.open(), Math.min(30000, 500 * 2 ** (this.retry - 1)));
  }

  ping() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (this.lastFrame && performance.now() - this.lastFrame > 2.5 * this.pingMs) { ws.close(); return; }
    ws.send('{"op":"ping"}');
  }

  report(state) { if (this.connection) this.connection.report("stream", state); }
}
