// Building DOM without HTML strings: every text goes through textContent, so event data can never
// become markup. h("li", {class: "row", text: "…", title: "…", on: {click: fn}}, child, …)
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "on") for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

// Show a message in the page's error banner (#error); an empty text hides it.
export function showError(text) {
  const el = document.getElementById("error");
  if (!el) return;
  el.textContent = text || "";
  el.hidden = !text;
}

// Call fn at most once every `ms` milliseconds (trailing call kept).
export function throttle(fn, ms) {
  let timer = null;
  let last = 0;
  return function throttled() {
    if (timer) return;
    const wait = Math.max(0, last + ms - performance.now());
    timer = setTimeout(() => { timer = null; last = performance.now(); fn(); }, wait);
  };
}

// A random UUID v4 (crypto.randomUUID needs a secure context; a LAN address over http is not).
export function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
