"""lat/lng → H3 cell compiled with numba: a line-by-line port of H3's ``latLngToCell`` (v4.5.0).

Why: h3-py converts one point per Python call (~1 M points/s here). This kernel runs the same
arithmetic in the same order — degrees to radians with H3's constant, the unit vector, the closest
icosahedron face, the gnomonic hex2d coordinates, IJK rounding and the digits with H3's base-cell
rotations — so its cells are **bit-identical** to h3-py's (tests compare millions of points at
several resolutions, near face edges and pentagons). Values that depend only on a face (its tangent
basis) are computed once, with the same operations, which gives the same doubles.

Ported from ``h3Index.c``, ``faceijk.c``, ``coordijk.h`` and ``vec3d.h`` of the H3 C library
(Copyright Uber Technologies, Inc., Apache License 2.0, https://github.com/uber/h3).

``latlng_to_cell(lat, lng, res)`` is the scalar kernel (callable from other numba code);
``latlng_to_cells_into(lat, lng, res, out)`` the batch loop over it and ``latlng_to_cells_parallel``
the same loop over all cores. A non-finite coordinate gives 0 (H3_NULL), where h3-py raises.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from geo.batch import CHUNK
from geo.h3tables import (FACE_AXIS_AZ_CII, FACE_CENTER_POINT, FACE_IJK_BASE_CELL,
                          FACE_IJK_CCW_ROT60, PENTAGON_CW_OFFSET_FACES)

M_PI_180 = 0.0174532925199432957692369076848861271111
M_2PI = 6.28318530717958647692528676655900576839433
EPSILON = 0.0000000000000001
M_SQRT7 = 2.6457513110645905905016157536392604257102
M_RSIN60 = 1.1547005383792515290182975610039149112953
M_ONESEVENTH = 0.14285714285714285714285714285714285
M_AP7_ROT_RADS = 0.333473172251832115336090755351601070065900389
INV_RES0_U_GNOMONIC = 2.61803398874989588842
M_SQRT3_2 = 0.8660254037844386467637231707529361834714
H3_INIT = 35184372088831
MAX_RES = 15


def _tangent_basis(p: tuple[float, float, float]) -> tuple[tuple, tuple]:
    """Return (north, east) at a face centre exactly as ``_vec3TangentBasis`` computes them."""
    x, y, z = p
    dot = 0.0 * x + 0.0 * y + 1.0 * z
    n = (1.0 * 0.0 + -dot * x, 1.0 * 0.0 + -dot * y, 1.0 * 1.0 + -dot * z)
    norm = math.sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2])
    s = 1.0 / norm if norm > 0.0 else 0.0
    n = (n[0] * s, n[1] * s, n[2] * s)
    e = (n[1] * z - n[2] * y, n[2] * x - n[0] * z, n[0] * y - n[1] * x)
    return n, e


def _face_tables() -> tuple[np.ndarray, ...]:
    centre = np.array(FACE_CENTER_POINT, np.float64)
    basis = [_tangent_basis(tuple(c)) for c in FACE_CENTER_POINT]
    north = np.array([b[0] for b in basis], np.float64)
    east = np.array([b[1] for b in basis], np.float64)
    pent = np.zeros(122, np.bool_)
    cw_off = np.full((122, 2), -2, np.int64)
    for bc, faces in PENTAGON_CW_OFFSET_FACES.items():
        pent[bc] = True
        cw_off[bc] = faces
    return (centre, north, east, np.array(FACE_AXIS_AZ_CII, np.float64),
            np.array(FACE_IJK_BASE_CELL, np.int64), np.array(FACE_IJK_CCW_ROT60, np.int64),
            pent, cw_off)


def _gnomonic_tables() -> tuple[np.ndarray, np.ndarray]:
    """Return (rotation [face, class II/III, (cos, sin)], scale per resolution) of the fast path."""
    rot = np.empty((20, 2, 2), np.float64)
    for f, az in enumerate(FACE_AXIS_AZ_CII):
        for cls, a in enumerate((az, az - M_AP7_ROT_RADS)):
            rot[f, cls] = math.cos(a), math.sin(a)
    scale = np.array([INV_RES0_U_GNOMONIC * M_SQRT7 ** r for r in range(MAX_RES + 1)])
    return rot, scale


def _face_grid(centre: np.ndarray) -> np.ndarray:
    """Return, per 1° × 1° box of latitude and longitude, the face that every point of the box is
    closest to by a wide margin, or -1 (the kernel then compares all 20 faces, as H3 does).

    For a unit vector p, |c_g − p|² − |c_f − p|² = 2·p·(c_f − c_g) up to the centres' rounding
    (< 1e-15). Within a box, p stays within a chord ρ = 0.75° of the box centre p₀, so
    p·w ≥ p₀·w − ρ|w|; the box keeps face f when that bound exceeds 1e-9 for every other face g,
    far beyond the rounding of H3's squared distances.
    """
    lat = np.radians(np.arange(-90, 90) + 0.5)[:, None]
    lng = np.radians(np.arange(-180, 180) + 0.5)[None, :]
    p0 = np.stack(np.broadcast_arrays(np.cos(lat) * np.cos(lng), np.cos(lat) * np.sin(lng),
                                      np.sin(lat)), axis=-1)
    dots = p0 @ centre.T
    best = dots.argmax(axis=-1)
    gap = np.take_along_axis(dots, best[..., None], axis=-1) - dots
    spread = np.linalg.norm(centre[best][..., None, :] - centre, axis=-1) * np.radians(0.75)
    margin = np.where(np.arange(20) == best[..., None], np.inf, gap - spread)
    return np.where(margin.min(axis=-1) > 1e-9, best, -1).astype(np.int8)


_CENTRE, _NORTH, _EAST, _AXIS_AZ, _BASE_CELL, _CCW_ROT, _PENTAGON, _CW_OFFSET = _face_tables()
_ROT, _SCALE = _gnomonic_tables()
_FACE_GRID = _face_grid(_CENTRE)
_DIGIT_CCW = np.array([0, 5, 3, 1, 6, 4, 2, 7], np.int64)
_DIGIT_CW = np.array([0, 3, 6, 2, 5, 1, 4, 7], np.int64)
#: _DIGIT_CCW applied n times (n = 0…5): one pass rotates a hexagon's digits n × 60° ccw.
_DIGIT_CCW_POW = np.array([np.linalg.matrix_power(np.eye(8, dtype=np.int64)[_DIGIT_CCW], n)
                           @ np.arange(8) for n in range(6)], np.int64)


def _digit_of_remainder() -> np.ndarray:
    """Return the digit of a child from the remainder of its parent rounding, per class.

    Going up one resolution, H3 rounds u/7 and v/7 (u, v: the child's axial coordinates mixed by
    the aperture-7 rotation) and takes the digit of child − centre(parent). That difference is
    (2·ru + rv, 3·rv − ru)/7 for class III and (3·ru − rv, ru + 2·rv)/7 for class II, where ru, rv
    ∈ [−3, 3] are the rounding remainders; rv is fixed by ru (the numerators are multiples of 7),
    so the digit is a function of ru alone: ``table[r % 2, ru + 3]``.
    """
    step_digit = {(-1, -1): 1, (-1, 0): 3, (0, -1): 5, (0, 0): 0, (0, 1): 2, (1, 0): 4, (1, 1): 6}
    table = np.full((2, 7), 7, np.int64)
    for cls in (0, 1):
        for ru in range(-3, 4):
            for rv in range(-3, 4):
                num = (2 * ru + rv, 3 * rv - ru) if cls else (3 * ru - rv, ru + 2 * rv)
                if num[0] % 7 == 0 and num[1] % 7 == 0:
                    table[cls, ru + 3] = step_digit.get((num[0] // 7, num[1] // 7), 7)
    return table


_DIGIT_OF_REMAINDER = _digit_of_remainder()

_jit = numba.njit(cache=True, nogil=True)
_inline = numba.njit(cache=True, nogil=True, inline="always")


_ROUND7_OFFSET = 3 + 7 * (1 << 40)


@_inline
def _round7(n: int) -> int:
    """``lround(n * M_ONESEVENTH)`` for an integer n, in integers.

    n/7 is never a half-integer (its distance to one is at least 1/14), and the product's rounding
    error is below |n|·3e-17, so for |n| < 1e14 (far beyond res 15) the nearest integer is exact:
    (n + 3) // 7, computed unsigned after a shift by a multiple of 7 (valid for |n| < 2⁴⁰).
    """
    return np.int64(np.uint64(n + _ROUND7_OFFSET) // np.uint64(7)) - (1 << 40)


@_inline
def _pos_angle(rads: float) -> float:
    tmp = rads + M_2PI if rads < 0.0 else rads
    if rads >= M_2PI:
        tmp -= M_2PI
    return tmp


@_inline
def _normalize(i: int, j: int, k: int) -> tuple[int, int, int]:
    if i < 0:
        j -= i
        k -= i
        i = 0
    if j < 0:
        i -= j
        k -= j
        j = 0
    if k < 0:
        i -= k
        j -= k
        k = 0
    m = min(i, j, k)
    if m > 0:
        i -= m
        j -= m
        k -= m
    return i, j, k


@_inline
def _hex2d_to_axial(x: float, y: float) -> tuple[int, int]:
    """``_hex2dToCoordIJK`` returning the axial pair (i - k, j - k) of the IJK coordinate."""
    a1, a2 = abs(x), abs(y)
    x2 = a2 * M_RSIN60
    x1 = a1 + x2 / 2.0
    m1, m2 = int(x1), int(x2)
    r1, r2 = x1 - m1, x2 - m2
    if r1 < 0.5:
        if r1 < 1.0 / 3.0:
            i, j = m1, (m2 if r2 < (1.0 + r1) / 2.0 else m2 + 1)
        else:
            j = m2 if r2 < (1.0 - r1) else m2 + 1
            i = m1 + 1 if (1.0 - r1) <= r2 and r2 < (2.0 * r1) else m1
    elif r1 < 2.0 / 3.0:
        j = m2 if r2 < (1.0 - r1) else m2 + 1
        i = m1 if (2.0 * r1 - 1.0) < r2 and r2 < (1.0 - r1) else m1 + 1
    else:
        i, j = m1 + 1, (m2 if r2 < r1 / 2.0 else m2 + 1)
    if x < 0.0:
        if j % 2 == 0:
            i = int(i - 2.0 * (i - j // 2))
        else:
            i = int(i - (2.0 * (i - (j + 1) // 2) + 1))
    if y < 0.0:
        i = i - (2 * j + 1) // 2
        j = -j
    return i, j


@_inline
def _azimuth(face: int, px: float, py: float, pz: float) -> float:
    cx, cy, cz = _CENTRE[face, 0], _CENTRE[face, 1], _CENTRE[face, 2]
    d = px * cx + py * cy + pz * cz
    qx, qy, qz = px - d * cx, py - d * cy, pz - d * cz
    norm = math.sqrt(qx * qx + qy * qy + qz * qz)
    s = 1.0 / norm if norm > 0.0 else 0.0
    qx, qy, qz = qx * s, qy * s, qz * s
    east = qx * _EAST[face, 0] + qy * _EAST[face, 1] + qz * _EAST[face, 2]
    north = qx * _NORTH[face, 0] + qy * _NORTH[face, 1] + qz * _NORTH[face, 2]
    return math.atan2(east, north)


@_inline
def _closest_face(x: float, y: float, z: float) -> tuple[int, float]:
    face, sqd = 0, 5.0
    for f in range(20):
        dx, dy, dz = _CENTRE[f, 0] - x, _CENTRE[f, 1] - y, _CENTRE[f, 2] - z
        d = dx * dx + dy * dy + dz * dz
        if d < sqd:
            face, sqd = f, d
    return face, sqd


@_inline
def _unit_vector(lat: float, lng: float) -> tuple[float, float, float]:
    la, ln = lat * M_PI_180, lng * M_PI_180
    r = math.cos(la)
    return math.cos(ln) * r, math.sin(ln) * r, math.sin(la)


@_inline
def _face_axial_exact(x: float, y: float, z: float, face: int, sqd: float,
                      res: int) -> tuple[int, int]:
    """Return (i - k, j - k) of the cell of unit vector (x, y, z) on ``face``, as H3 computes it."""
    r = math.acos(1 - sqd * 0.5)
    if r < EPSILON:
        return 0, 0
    theta = _pos_angle(_AXIS_AZ[face] - _pos_angle(_azimuth(face, x, y, z)))
    if res % 2 == 1:
        theta = _pos_angle(theta - M_AP7_ROT_RADS)
    r = math.tan(r)
    r *= INV_RES0_U_GNOMONIC
    for _ in range(res):
        r *= M_SQRT7
    return _hex2d_to_axial(r * math.cos(theta), r * math.sin(theta))


@_inline
def _nearest_hex(x: float, y: float) -> tuple[int, int]:
    """Return (i - k, j - k) of the hex centre nearest to hex2d point (x, y).

    Centres lie at i·(1, 0) + j·(−½, √3/2); in the basis (1, 0), (½, √3/2) they are q = i − j,
    r = j, where cube rounding of (q, r, −q − r) finds the nearest one.
    """
    fr = y * M_RSIN60
    fq = x - 0.5 * fr
    fs = -fq - fr
    q, r, s = math.floor(fq + 0.5), math.floor(fr + 0.5), math.floor(fs + 0.5)
    eq, er, es = abs(q - fq), abs(r - fr), abs(s - fs)
    if eq > er and eq > es:
        q = -r - s
    elif er > es:
        r = -q - s
    return int(q + r), int(r)


@_inline
def _face_of(lat: float, lng: float, x: float, y: float, z: float) -> int:
    """Return H3's closest face: from the 1° box table when it is certain, else by comparing."""
    ilat, ilng = math.floor(lat + 90.0), math.floor(lng + 180.0)
    if 0.0 <= ilat < 180.0 and 0.0 <= ilng < 360.0:
        face = _FACE_GRID[int(ilat), int(ilng)]
        if face >= 0:
            return face
    return _closest_face(x, y, z)[0]


@_inline
def _face_axial_fast(x: float, y: float, z: float, face: int, res: int) -> tuple[bool, int, int]:
    """The same (i - k, j - k) from the gnomonic projection, without acos/atan2/tan/sin/cos.

    H3 computes the hex2d point as tan(r)·scale·(cos θ, sin θ) with θ = axis − azimuth; that is
    the gnomonic point (p·east, p·north)/(p·centre) rotated by the face axis, which needs only dot
    products; the nearest hex centre then comes from cube rounding. The two computations differ
    by rounding: at most scale·(1e-16/r + 3e-15) hex units (acos near 0 and atan2 dominate), so
    below scale·1.3e-14 beyond r = 0.01 rad. The answer is kept only when the point lies deeper
    inside that hexagon than scale·3e-13 + 1e-12 (over twenty times the difference); otherwise
    (about one point in a million, and every point within 0.01 rad ≈ 64 km of a face centre) ok
    is False and H3's own arithmetic decides.
    """
    inv = 1.0 / (x * _CENTRE[face, 0] + y * _CENTRE[face, 1] + z * _CENTRE[face, 2])
    ge = (x * _EAST[face, 0] + y * _EAST[face, 1] + z * _EAST[face, 2]) * inv
    gn = (x * _NORTH[face, 0] + y * _NORTH[face, 1] + z * _NORTH[face, 2]) * inv
    if ge * ge + gn * gn < 1e-4:
        return False, 0, 0
    cos_a, sin_a = _ROT[face, res % 2, 0], _ROT[face, res % 2, 1]
    scale = _SCALE[res]
    hx, hy = scale * (cos_a * gn + sin_a * ge), scale * (sin_a * gn - cos_a * ge)
    i, j = _nearest_hex(hx, hy)
    dx, dy = hx - (i - 0.5 * j), hy - j * M_SQRT3_2
    far = max(abs(dx), abs(0.5 * dx + M_SQRT3_2 * dy), abs(0.5 * dx - M_SQRT3_2 * dy))
    return 0.5 - far > scale * 3e-13 + 1e-12, i, j


@_inline
def _digits_to_base(a: int, b: int, res: int) -> tuple[int, int, int]:
    """Walk from ``res`` up to res 0 (``_faceIjkToH3``'s loop, in axial integers).

    Return (the digit bits of the index, base-cell axial i - k, j - k).
    """
    digits = 0
    for r in range(res, 0, -1):
        if r % 2 == 1:
            u, v = 3 * a - b, a + 2 * b
        else:
            u, v = 2 * a + b, 3 * b - a
        pa, pb = _round7(u), _round7(v)
        digits |= _DIGIT_OF_REMAINDER[r & 1, u - 7 * pa + 3] << ((MAX_RES - r) * 3)
        a, b = pa, pb
    return digits, a, b


@_inline
def _digit(h: int, r: int) -> int:
    return (h >> ((MAX_RES - r) * 3)) & 7


@_inline
def _set_digit(h: int, r: int, d: int) -> int:
    shift = (MAX_RES - r) * 3
    return (h & ~(7 << shift)) | (d << shift)


@_inline
def _leading_digit(h: int, res: int) -> int:
    for r in range(1, res + 1):
        d = _digit(h, r)
        if d:
            return d
    return 0


@_inline
def _rotate(h: int, res: int, table: np.ndarray) -> int:
    for r in range(1, res + 1):
        h = _set_digit(h, r, table[_digit(h, r)])
    return h


@_jit
def _rotate_pentagon(h: int, res: int, face: int, bc: int, rots: int) -> int:
    """The pentagon branch of ``_faceIjkToH3`` (skipped k-axis subsequence, cw offset faces)."""
    if _leading_digit(h, res) == 1:
        cw = _CW_OFFSET[bc, 0] == face or _CW_OFFSET[bc, 1] == face
        h = _rotate(h, res, _DIGIT_CW if cw else _DIGIT_CCW)
    for _ in range(rots):
        found = False
        for r in range(1, res + 1):
            h = _set_digit(h, r, _DIGIT_CCW[_digit(h, r)])
            if not found and _digit(h, r) != 0:
                found = True
                if _leading_digit(h, res) == 1:
                    h = _rotate(h, res, _DIGIT_CCW)
    return h


@_jit
def latlng_to_cell(lat: float, lng: float, res: int) -> int:
    """Return the H3 cell (int) holding (lat, lng) in degrees at ``res``; 0 if not finite."""
    if not (math.isfinite(lat) and math.isfinite(lng)):
        return 0
    x, y, z = _unit_vector(lat, lng)
    face = _face_of(lat, lng, x, y, z)
    ok, a, b = _face_axial_fast(x, y, z, face, res)
    if not ok:
        face, sqd = _closest_face(x, y, z)
        a, b = _face_axial_exact(x, y, z, face, sqd, res)
    digits, a, b = _digits_to_base(a, b, res)
    i, j, k = _normalize(a, b, 0)
    if i > 2 or j > 2 or k > 2:
        return 0
    idx = face * 27 + i * 9 + j * 3 + k
    bc, rots = _BASE_CELL[idx], _CCW_ROT[idx]
    h = (1 << 59) | (res << 52) | (bc << 45) | digits | ((1 << ((MAX_RES - res) * 3)) - 1)
    if _PENTAGON[bc]:
        return _rotate_pentagon(h, res, face, bc, rots)
    if rots:
        h = _rotate(h, res, _DIGIT_CCW_POW[rots])
    return h


@_jit
def latlng_to_cells_into(lat: np.ndarray, lng: np.ndarray, res: int, out: np.ndarray) -> None:
    """Fill ``out`` (int64) with the cells of the points, on one core."""
    for n in range(lat.shape[0]):
        out[n] = latlng_to_cell(lat[n], lng[n], res)


@numba.njit(cache=True, nogil=True, parallel=True)
def latlng_to_cells_parallel(lat: np.ndarray, lng: np.ndarray, res: int, out: np.ndarray) -> None:
    """``latlng_to_cells_into`` over chunks of the batch, on all cores."""
    n = lat.shape[0]
    for c in numba.prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        latlng_to_cells_into(lat[lo:hi], lng[lo:hi], res, out[lo:hi])
