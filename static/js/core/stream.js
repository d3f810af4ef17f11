// The live event stream (WS /ws): subscribe to layers, resume from the last seq after any drop
// (back-off 0.5 s … 30 s), and an application ping so a dead link is noticed within pingMs.
// Never a credential in the address: the session cookie goes with the handshake, and a token
// is sent as the first message ({"op":"auth","token":…}) before the subscription. A close with
// code 4401 (signed out, disabled, token revoked or expired) is final: no retry.
// Events: "events" ({events, lastSeq}), "error" ({error}), "ended" ({code, reason}).
// Reports "stream" to Connection.
export const CLOSE_UNAUTHORIZED = 4401;

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
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    this.ws = ws;
    this.report("connecting");
    ws.onopen = () => {
      if (this.token) ws.send(JSON.stringify({ op: "auth", token: this.token }));
      ws.send(JSON.stringify({ op: "subscribe", layers: this.layers, since: this.lastSeq }));
    };
    ws.onmessage = (msg) => this.receive(JSON.parse(msg.data));
    ws.onclose = (e) => this.closed(ws, e);
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
    } else if (frame.op === "error" && frame.error.code !== "unauthorized") {  // "ended" follows
      this.dispatchEvent(new CustomEvent("error", { detail: { error: frame.error } }));
    }
  }

  closed(ws, event) {
    if (ws !== this.ws || this.stopped) return;
    this.report("down");
    if (event && event.code === CLOSE_UNAUTHORIZED) {
      this.stop();
      this.dispatchEvent(new CustomEvent("ended", { detail: { code: event.code, reason: event.reason } }));
      return;
    }
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
