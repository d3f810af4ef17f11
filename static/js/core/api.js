// The HTTP API client of every page: the token as a bearer header, a time limit on every
// request, the one error shape decoded into ApiError, and each answer reported to Connection
// ("up", "slow" past slowMs, "down" when the server cannot be reached).
export class ApiError extends Error {
  constructor(status, body, fallback) {
    const err = (body && body.error) || {};
    super(err.message || fallback || `HTTP ${status}`);
    this.status = status;              // 0: no answer (network down, timeout)
    this.code = err.code || (status ? "http_" + status : "network");
    this.details = err.details || [];
  }

  // Worth sending again later (the server never answered, or answered "not now").
  get retryable() { return this.status === 0 || this.status >= 500 || [408, 425, 429].includes(this.status); }
}

export class Api {
  constructor({ token, connection = null, timeoutMs = 15000, slowMs = 3000 } = {}) {
    this.token = token;
    this.connection = connection;
    this.timeoutMs = timeoutMs;
    this.slowMs = slowMs;
  }

  // request("POST", "/api/v1/events", {body, headers}) → {status, headers, body}; throws ApiError.
  async request(method, path, { body, headers = {}, timeoutMs = this.timeoutMs, as = "json" } = {}) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    const t0 = performance.now();
    const init = { method, headers: { ...headers }, signal: ctrl.signal, cache: "no-store" };
    if (this.token) init.headers.Authorization = "Bearer " + this.token;
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
    const payload = as === "blob" && res.ok ? await res.blob() : isJson ? await res.json() : null;
    if (!res.ok) throw new ApiError(res.status, payload);
    return { status: res.status, headers: res.headers, body: payload };
  }

  report(state) { if (this.connection) this.connection.report("http", state); }

  async get(path) { return (await this.request("GET", path)).body; }

  async blob(path) { return (await this.request("GET", path, { as: "blob" })).body; }

  async post(path, body, { idempotencyKey } = {}) {
    const headers = idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {};
    return (await this.request("POST", path, { body, headers })).body;
  }
}
