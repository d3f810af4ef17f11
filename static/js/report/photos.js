// The citizen's photos: picked from the camera or the gallery, checked (a photo, not too large),
// resized in the browser (canvas, longest side 1600 px, JPEG) so a slow 3G link carries a few
// hundred KB instead of several MB, then uploaded one by one to POST /api/v1/media (the photo
// contract: a raw image body → {"media": [{id, url, thumb_url, …}]}), with retries while the
// link is down. HEIC photos the browser cannot draw are sent as they are (the server converts).
export const MAX_PHOTOS = 10;
export const MAX_ORIGINAL_BYTES = 30 * 1024 * 1024;  // what we try to read at all
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;    // IOC_MEDIA_MAX_BYTES
const LONGEST = 1600;
const QUALITY = 0.8;
const UPLOAD_TIMEOUT_MS = 90000;
const BACKOFF_MS = [1000, 2000, 5000, 10000, 30000];
const HEIC = /^image\/hei[cf]$/;

const mb = (n) => (n / 1048576).toLocaleString(undefined, { maximumFractionDigits: 1 });

export const WORDS = {
  tooMany: { vi: `Tối đa ${MAX_PHOTOS} ảnh cho một phản ánh.`, en: `At most ${MAX_PHOTOS} photos per report.` },
  tooLarge: (name, size) => ({
    vi: `Ảnh “${name}” quá lớn (${mb(size)} MB). Chọn ảnh dưới ${mb(MAX_ORIGINAL_BYTES)} MB, hoặc chụp lại.`,
    en: `The photo “${name}” is too large (${mb(size)} MB). Pick one under ${mb(MAX_ORIGINAL_BYTES)} MB, or take it again.` }),
  notPhoto: (name) => ({
    vi: `“${name}” không phải là ảnh (chỉ nhận ảnh JPEG, PNG, WebP, HEIC). Hãy chọn một ảnh chụp.`,
    en: `“${name}” is not a photo (JPEG, PNG, WebP or HEIC only). Pick a photo.` }),
  serverTooLarge: { vi: "Máy chủ từ chối ảnh vì quá lớn. Xóa ảnh đó rồi chụp lại với độ phân giải thấp hơn.",
                    en: "The server refused a photo as too large. Remove it and take it again at a lower resolution." },
  serverNotPhoto: { vi: "Máy chủ không nhận một tệp vì không phải ảnh. Xóa tệp đó rồi chọn ảnh khác.",
                    en: "The server refused a file that is not a photo. Remove it and pick another." },
  serverBroken: { vi: "Máy chủ không đọc được một ảnh (ảnh hỏng?). Xóa ảnh đó rồi chọn ảnh khác.",
                  en: "The server could not read a photo (damaged?). Remove it and pick another." },
};

// A photo as kept by the page: {key, name, blob, type, url (for the preview), bytes, media}.
// `media` is the server's answer once uploaded (so a retry never uploads it twice).
export async function prepare(file) {
  if (file.size > MAX_ORIGINAL_BYTES) throw { text: WORDS.tooLarge(file.name, file.size), code: "too_large" };
  if (file.type && !file.type.startsWith("image/")) throw { text: WORDS.notPhoto(file.name), code: "not_photo" };
  let blob;
  try {
    blob = await resize(file);
  } catch {
    if (HEIC.test(file.type) && file.size <= MAX_UPLOAD_BYTES) blob = file;  // the server converts
    else throw { text: WORDS.notPhoto(file.name), code: "not_photo" };
  }
  return { key: crypto.getRandomValues(new Uint32Array(2)).join("-"), name: file.name, blob,
           type: blob.type || file.type, url: URL.createObjectURL(blob), bytes: blob.size, media: null };
}

// Draw the image at most LONGEST px on its longest side and encode it as JPEG (the canvas drops
// EXIF, GPS included). Throws when the browser cannot decode it (a PDF named .jpg).
async function resize(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, LONGEST / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  if (!blob) throw new Error("encode");
  return blob;
}

// Upload one photo; resolves with the media entry. Retries (same photo, waiting 1, 2, 5, 10, 30 s
// or until the browser is online again) while the server cannot be reached or answers 5xx/429;
// throws {status, text} when the server refuses it (413/415/422). `onWait(attempt)` is told
// about each wait so the page can say so; `signal` stops the retries.
export async function upload(photo, { onWait = () => {}, signal = null, connection = null } = {}) {
  for (let attempt = 1; ; attempt++) {
    const answer = await send(photo, connection);
    if (answer.ok) return answer.media;
    if (answer.final) throw answer;
    onWait(attempt);
    await pause(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length) - 1], signal);
    if (signal && signal.aborted) throw { status: 0, aborted: true };
  }
}

async function send(photo, connection) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), UPLOAD_TIMEOUT_MS);
  let res;
  try {
    res = await fetch("/api/v1/media", { method: "POST", body: photo.blob, credentials: "omit",
      cache: "no-store", signal: ctrl.signal, headers: { "Content-Type": photo.type || "image/jpeg" } });
  } catch {
    if (connection) connection.report("http", "down");
    return { ok: false, final: false, status: 0 };
  } finally {
    clearTimeout(timer);
  }
  if (connection) connection.report("http", "up");
  if (res.ok) {
    const body = await res.json();
    return { ok: true, media: body.media[0] };
  }
  const refused = { 413: WORDS.serverTooLarge, 415: WORDS.serverNotPhoto, 422: WORDS.serverBroken }[res.status];
  if (refused) return { ok: false, final: true, status: res.status, text: refused };
  if (res.status >= 500 || [408, 425, 429].includes(res.status)) return { ok: false, final: false, status: res.status };
  let message = `HTTP ${res.status}`;
  try { message = (await res.json()).error.message; } catch { /* not JSON */ }
  return { ok: false, final: true, status: res.status, text: { vi: message, en: message } };
}

// Wait `ms`, or less when the browser comes back online.
function pause(ms, signal) {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); removeEventListener("online", done); resolve(); };
    const timer = setTimeout(done, ms);
    addEventListener("online", done);
    if (signal) signal.addEventListener("abort", done);
  });
}
