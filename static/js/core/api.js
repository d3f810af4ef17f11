// The HTTP API client of every page: the token as a bearer header or, without a token, the
// person's session cookie (same origin) with the X-CSRF-Token header on every request that
// changes something (api.csrf, from GET /auth/me or the sign-in answer); a time limit on every
// request, the one error shape decoded into ApiError, and each answer reported to Connection
// ("up", "slow" past slowMs, "down" when the server cannot be reached). A 401 on the session
// (signed out elsewhere, disabled by the admin) calls onSignedOut once.
export class ApiError extends Error {
  constructor(status, body, fallback) {
    const err = (body && body.error) || {};
    super(err.message || fallback || `HTTP ${status}`);
    this.status = status;              // 0: no answer (network down, timeout)
    this.code = err.code || (status ? "http_" + status : "network");
    this.details = err.details || [];
    this.retryAfter = null;            // seconds, from Retry-After (429, 503)
  }

  // Worth sending again later (the server never answered, or answered "not now").
  get retryable() { return this.status === 0 || this.status >= 500 || [408, 425, 429].includes(this.status); }
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class Api {
  // credentials: "omit" for a page that acts for no one (the citizens' /report): a staff
  // session cookie in the same browser is then never sent with its requests.
  constructor({ token = null, connection = null, timeoutMs = 15000, slowMs = 3000, onSignedOut = null,
                credentials = "same-origin" } = {}) {
    this.token = token;
    this.sendCookies = credentials;
    this.csrf = null;
    this.connection = connection;
    this.timeoutMs = timeoutMs;
    this.slowMs = slowMs;
    this.onSignedOut = onSignedOut;
  }

  // The headers that say who is asking: the bearer token, or the CSRF token of the session.
  async credentials(method) {
    if (this.token) return { Authorization: "Bearer " + this.token };
    if (!UNSAFE.has(method) || this.sendCookies === "omit") return {};
    const csrf = this.csrf || await this.sessionCsrf();
    return csrf ? { "X-CSRF-Token": csrf } : {};
  }

  // The session's CSRF token from GET /auth/me, asked once, for a change sent before the page
  // set api.csrf (an outbox sending what waited across a reload); null when not signed in.
  sessionCsrf() {
    if (!this.csrfLoad) {
      this.csrfLoad = fetch("/auth/me", { cache: "no-store", credentials: "same-origin" })
        .then((res) => (res.ok ? res.json() : {}))
        .then((me) => { this.csrf = this.csrf || me.csrf || null; return this.csrf; })
        .catch(() => { this.csrfLoad = null; return null; });  // ask again next time
    }
    return this.csrfLoad;
  }

  // request("POST", "/api/v1/events", {body, headers}) → {status, headers, body}; throws ApiError.
  async request(method, path, { body, headers = {}, timeoutMs = this.timeoutMs, as = "json" } = {}) {
    const who = await this.credentials(method);
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    const t0 = performance.now();
    const init = { method, headers: { ...who, ...headers }, signal: ctrl.signal,
                   cache: "no-store", credentials: this.sendCookies };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch {
      this.report("down");
      throw new ApiError(0, null, ctrl.signal.aborted ? "timed out" : "server unreachable");
    } finally {
      clearTimeout(timer);
    }
    this.report(performance.now() - t0 > this.slowMs ? "slow" : "up");
    return this.decode(res, as);
  }

  async decode(res, as) {
    const isJson = (res.headers.get("Content-Type") || "").includes("json");
    let payload = null;
    if (res.ok && as === "blob") payload = await res.blob();
    else if (res.ok && as === "text") payload = await res.text();
    else if (isJson) payload = await res.json();
    if (!res.ok) {
      const err = new ApiError(res.status, payload);
      const wait = Number(res.headers.get("Retry-After"));
      if (wait > 0) err.retryAfter = wait;
      if (res.status === 401 && !this.token && this.onSignedOut) this.onSignedOut(err);
      throw err;
    }
    return { status: res.status, headers: res.headers, body: payload };
  }

  report(state) { if (this.connection) this.connection.report("http", state); }

  async get(path) { return (await this.request("GET", path)).body; }

  async blob(path) { return (await this.request("GET", path, { as: "blob" })).body; }

  async text(path) { return (await this.request("GET", path, { as: "text" })).body; }

  async post(path, body, { idempotencyKey } = {}) { return this.send("POST", path, body, idempotencyKey); }

  async put(path, body, { idempotencyKey } = {}) { return this.send("PUT", path, body, idempotencyKey); }

  async patch(path, body, { idempotencyKey } = {}) { return this.send("PATCH", path, body, idempotencyKey); }

  async delete(path) { return this.send("DELETE", path); }

  async send(method, path, body, idempotencyKey) {
    const headers = idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {};
    return (await this.request(method, path, { body, headers })).body;
  }
}
