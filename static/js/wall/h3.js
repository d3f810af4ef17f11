// The parent of an H3 cell (hex string) at a coarser resolution, by bit arithmetic on the two
// 32-bit halves (no BigInt: this runs for every event that arrives). H3 index layout: resolution
// in bits 52-55, then one 3-bit digit per resolution, 1 at bits 42-44 … 15 at bits 0-2; digits
// below the cell's resolution are 7 (all ones).
export function cellToParent(cell, res) {
  const s = cell.padStart(16, "0");
  let hi = parseInt(s.slice(0, 8), 16);
  let lo = parseInt(s.slice(8), 16);
  const bits = (15 - res) * 3;
  if (bits >= 32) {
    lo = 0xffffffff;
    hi |= (1 << (bits - 32)) - 1;
  } else {
    lo = (lo | (bits === 0 ? 0 : (2 ** bits - 1))) >>> 0;
  }
  hi = ((hi & ~(0xf << 20)) | (res << 20)) >>> 0;
  return hi.toString(16) + lo.toString(16).padStart(8, "0");
}
