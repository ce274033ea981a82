"""Sky (per time of day) and land (per setting), painted smooth for the VQ autoencoder.

Everything is a function of the canvas, the scene's setting/time and a dedicated random
generator, so adding or removing an object group never changes the background.
"""
from __future__ import annotations

import numpy as np

from .shapes import Canvas, box, circle

# Land colour multipliers per time of day (objects use their own, brighter, set in objects.py).
LAND_LIGHT = {
    "day": np.array([1.0, 1.0, 1.0], np.float32),
    "sunset": np.array([0.95, 0.78, 0.70], np.float32),
    "night": np.array([0.30, 0.36, 0.52], np.float32),
}

# Vertical sky gradient stops (y as a fraction of the image height, rgb 0..1).
SKY_STOPS = {
    "day": [(0.0, (0.27, 0.52, 0.85)), (0.65, (0.72, 0.85, 0.95))],
    "sunset": [(0.0, (0.16, 0.20, 0.45)), (0.32, (0.55, 0.35, 0.52)),
               (0.50, (0.95, 0.55, 0.30)), (0.68, (0.98, 0.70, 0.62))],
    "night": [(0.0, (0.02, 0.04, 0.13)), (0.65, (0.10, 0.16, 0.33))],
}

# Horizon (end of the sky gradient / where land meets sky) per setting, as a fraction of height.
HORIZON = {"mountains": 0.62, "sea": 0.50, "city": 0.75, "desert": 0.60, "meadow": 0.60}
# Where ground objects (house, tree) stand, and the waterline for boats.
GROUND_Y = 0.885
WATERLINE_Y = 0.72
BEACH_Y = 0.835


def _gradient_rows(size: int, stops) -> np.ndarray:
    y = (np.arange(size, dtype=np.float32) + 0.5) / size
    ys = [s[0] for s in stops]
    cols = np.array([s[1] for s in stops], np.float32)
    return np.stack([np.interp(y, ys, cols[:, c]) for c in range(3)], axis=1).astype(np.float32)


def fill_below(cv: Canvas, h: np.ndarray, color) -> None:
    """Fill every pixel below the per-column height h (pixels) with `color`.

    color: rgb, or a callable (X, Y) -> [rows, W, 3]. The edge is anti-aliased along the
    surface normal (slope-corrected vertical distance).
    """
    s = cv.size
    y0 = max(int(np.floor(h.min())) - 1, 0)
    if y0 >= s:
        return
    Y = cv.ys[y0:, None]
    X = cv.xs[None, :]
    slope = np.gradient(h)
    d = (h[None, :] - Y) / np.sqrt(1.0 + slope[None, :] ** 2)
    a = np.clip(0.5 - d, 0.0, 1.0)[..., None]
    col = color(X, Y) if callable(color) else np.asarray(color, np.float32)
    region = cv.img[y0:]
    region += a * (col - region)


def paint_sky(cv: Canvas, time: str, rng: np.random.Generator) -> float:
    """Sky gradient, sun/moon, stars, clouds. Returns the light source's x (pixels)."""
    s = cv.size
    cv.img[:] = _gradient_rows(s, SKY_STOPS[time])[:, None, :]
    k = s / 256.0
    if time == "night":
        for _ in range(int(rng.integers(28, 45))):
            x, y = rng.uniform(0.02, 0.98) * s, rng.uniform(0.02, 0.55) * s
            b = rng.uniform(0.35, 0.8)
            cv.add_glow(x, y, max(0.9 * k, 0.45), (1.0, 1.0, 0.92), b)
        mx, my = rng.uniform(0.12, 0.88) * s, rng.uniform(0.08, 0.18) * s
        cv.add_glow(mx, my, 0.10 * s, (0.55, 0.6, 0.75), 0.22)
        r = 0.038 * s
        cv.paint((mx - r - 2, my - r - 2, mx + r + 2, my + r + 2), circle(mx, my, r),
                 (0.96, 0.95, 0.86))
        return mx
    if time == "day":
        sx, sy = rng.uniform(0.12, 0.88) * s, rng.uniform(0.07, 0.16) * s
        cv.add_glow(sx, sy, 0.11 * s, (1.0, 0.95, 0.75), 0.30)
        r = 0.042 * s
        cv.paint((sx - r - 2, sy - r - 2, sx + r + 2, sy + r + 2), circle(sx, sy, r),
                 (1.0, 0.98, 0.85))
        n_clouds, cloud_col = int(rng.integers(1, 4)), (0.98, 0.98, 1.0)
    else:  # sunset: large orange sun near the horizon, warm clouds
        sx = rng.uniform(0.2, 0.8) * s
        sy = 0.50 * s
        cv.add_glow(sx, sy, 0.22 * s, (1.0, 0.55, 0.25), 0.40)
        r = 0.075 * s
        cv.paint((sx - r - 2, sy - r - 2, sx + r + 2, sy + r + 2), circle(sx, sy, r),
                 (1.0, 0.72, 0.32))
        n_clouds, cloud_col = int(rng.integers(0, 3)), (0.98, 0.72, 0.68)
    for _ in range(n_clouds):
        _cloud(cv, rng.uniform(0.1, 0.9) * s, rng.uniform(0.08, 0.3) * s,
               rng.uniform(0.10, 0.18) * s, cloud_col, rng)
    return sx


def _cloud(cv: Canvas, cx, cy, w, color, rng):
    """A soft flat-bottomed cloud: union of a few circles clipped by a floor."""
    n = 4
    xs = cx + (np.linspace(-0.5, 0.5, n) + rng.uniform(-0.08, 0.08, n)) * w
    rs = w * np.array([0.18, 0.28, 0.25, 0.17]) * rng.uniform(0.85, 1.15, n)
    floor = cy + 0.12 * w

    def sdf(X, Y):
        d = None
        for x, r in zip(xs, rs):
            e = np.sqrt((X - x) ** 2 + (Y - (floor - r * 0.7)) ** 2) - r
            d = e if d is None else np.minimum(d, e)
        return np.maximum(d, Y - floor)

    cv.paint((cx - w, cy - w * 0.6, cx + w, floor + 3), sdf, color, alpha=0.88,
             soft=2.5 * cv.size / 256.0 + 0.5)


def _vgrad(top_col, bottom_col, y_top, y_bot):
    top, bot = np.asarray(top_col, np.float32), np.asarray(bottom_col, np.float32)

    def f(X, Y):
        t = np.clip((Y - y_top) / max(y_bot - y_top, 1.0), 0.0, 1.0)[..., None]
        return np.broadcast_to(top + t * (bot - top), (Y.shape[0], X.shape[1], 3))

    return f


def _ridge(xn, rng, n_peaks, y_lo, y_hi, slope_lo, slope_hi):
    """Piecewise-linear mountain ridge (normalised y) with a gentle wobble."""
    px = rng.uniform(-0.1, 1.1, n_peaks)
    py = rng.uniform(y_lo, y_hi, n_peaks)
    sl = rng.uniform(slope_lo, slope_hi, n_peaks)
    h = np.min(py[:, None] + sl[:, None] * np.abs(xn[None, :] - px[:, None]), axis=0)
    h += 0.008 * np.sin(xn * rng.uniform(9, 14) + rng.uniform(0, 6.28))
    return h, py.min()


def paint_land(cv: Canvas, setting: str, time: str, rng, light_x: float) -> None:
    s = cv.size
    L = LAND_LIGHT[time]
    xn = (cv.xs / s).astype(np.float64)
    hz = HORIZON[setting] * s
    if setting == "mountains":
        h, top = _ridge(xn, rng, 4, 0.27, 0.40, 0.7, 1.2)
        h = np.minimum(h, 0.55)
        snow_y = (top + 0.065) * s
        rock, snow = np.array([0.60, 0.68, 0.80]) * L, np.array([0.95, 0.97, 1.0]) * L
        wob = 0.01 * s * np.sin(xn * 23.0 + rng.uniform(0, 6.28))[None, :]

        def far(X, Y):
            t = np.clip((snow_y + wob - Y) / 1.2 + 0.5, 0.0, 1.0)[..., None]
            return (rock + t * (snow - rock)).astype(np.float32)

        fill_below(cv, h * s, far)
        h2, _ = _ridge(xn, rng, 5, 0.42, 0.52, 0.5, 0.9)
        fill_below(cv, np.minimum(h2, 0.62) * s,
                   _vgrad(np.array([0.40, 0.50, 0.60]) * L, np.array([0.33, 0.42, 0.48]) * L, 0.42 * s, 0.66 * s))
        h3 = 0.665 + 0.02 * np.sin(xn * 4.0 + rng.uniform(0, 6.28))
        fill_below(cv, h3 * s, _vgrad(np.array([0.45, 0.62, 0.33]) * L, np.array([0.30, 0.46, 0.22]) * L, 0.64 * s, s))
    elif setting == "meadow":
        for base, amp, c0, c1 in (
            (0.54, 0.04, (0.56, 0.72, 0.62), (0.52, 0.68, 0.55)),
            (0.61, 0.035, (0.45, 0.68, 0.34), (0.40, 0.62, 0.30)),
            (0.70, 0.03, (0.58, 0.78, 0.36), (0.42, 0.66, 0.26)),
        ):
            f = rng.uniform(4.0, 8.0)
            h = base - amp * np.sin(xn * f + rng.uniform(0, 6.28)) - 0.4 * amp * np.sin(xn * 2 * f + rng.uniform(0, 6.28))
            fill_below(cv, h * s, _vgrad(np.array(c0) * L, np.array(c1) * L, (base - amp) * s, s))
    elif setting == "desert":
        for base, amp, col in (
            (0.56, 0.04, (0.93, 0.80, 0.62)),
            (0.64, 0.05, (0.90, 0.71, 0.47)),
            (0.74, 0.04, (0.85, 0.62, 0.38)),
        ):
            f, ph = rng.uniform(4.0, 7.0), rng.uniform(0, 6.28)
            u = 0.5 + 0.5 * np.sin(xn * f + ph)
            h = base - amp * u ** 1.6
            shade = 1.0 + 3.0 * np.gradient(h) * s / f  # one lit flank, one shaded flank
            col_row = (np.clip(shade, 0.8, 1.15)[:, None] * np.array(col)[None, :] * L).astype(np.float32)

            def dune(X, Y, col_row=col_row, top=(base - amp) * s):
                t = np.clip((Y - top) / (0.4 * s), 0, 1)[..., None]
                return col_row[None, :, :] * (1.0 - 0.12 * t)

            fill_below(cv, h * s, dune)
    elif setting == "city":
        _skyline(cv, rng, L, time)
        h = np.full(s, 0.78 * s)
        fill_below(cv, h, _vgrad(np.array([0.42, 0.56, 0.34]) * L, np.array([0.34, 0.48, 0.27]) * L, 0.78 * s, s))
    elif setting == "sea":
        _sea(cv, rng, L, time, light_x)
        h = (BEACH_Y + 0.012 * np.sin(xn * rng.uniform(5, 9) + rng.uniform(0, 6.28))) * s
        fill_below(cv, h, _vgrad(np.array([0.88, 0.80, 0.60]) * L, np.array([0.80, 0.70, 0.50]) * L, BEACH_Y * s, s))
    else:
        raise ValueError(f"invalid setting: {setting!r}")
    del hz


def _sea(cv: Canvas, rng, L, time, light_x):
    s = cv.size
    y0 = int(round(HORIZON["sea"] * s))
    sky_h = cv.img[max(y0 - 1, 0), :, :].mean(axis=0)  # sky colour at the horizon
    deep = {"day": (0.10, 0.32, 0.55), "sunset": (0.22, 0.20, 0.40), "night": (0.03, 0.06, 0.16)}[time]
    rows = np.arange(y0, s, dtype=np.float32) + 0.5
    t = np.clip((rows - y0) / (s - y0), 0, 1)[:, None] ** 0.6
    near = np.array(deep, np.float32)
    water = (0.75 * sky_h + 0.25 * near) * (1 - t) + near * t
    region = np.broadcast_to(water[:, None, :], (s - y0, s, 3)).copy()
    # Reflection streak under the sun / moon: smooth horizontal falloff, gentle bands.
    sigma = (0.025 + 0.06 * t[:, 0]) * s
    dx = (cv.xs[None, :] - light_x) / sigma[:, None]
    bands = 0.75 + 0.25 * np.sin(rows * (2 * np.pi / (0.035 * s)))[:, None]
    strength = {"day": 0.25, "sunset": 0.55, "night": 0.35}[time]
    col = {"day": (1.0, 0.98, 0.9), "sunset": (1.0, 0.62, 0.3), "night": (0.85, 0.88, 0.95)}[time]
    g = strength * np.exp(-dx * dx) * bands * (1 - 0.6 * t)
    region += g[..., None] * np.array(col, np.float32)
    cv.img[y0:] = region
    # anti-aliased horizon row
    frac = HORIZON["sea"] * s - (y0 - 0.5) - 0.5
    if 0 < y0:
        cv.img[y0 - 1] += np.clip(-frac, 0, 1) * (region[0] - cv.img[y0 - 1])


def _skyline(cv: Canvas, rng, L, time):
    s = cv.size
    base = 0.80 * s
    for layer, (wl, wh, tl, th, col) in enumerate((
        (0.05, 0.10, 0.32, 0.55, (0.62, 0.66, 0.76)),
        (0.06, 0.12, 0.44, 0.66, (0.40, 0.44, 0.53)),
    )):
        x = -rng.uniform(0.0, 0.05)
        c = np.array(col, np.float32) * L
        if time == "night":
            c = c * (1.0 if layer else 1.3)
        while x < 1.0:
            w = rng.uniform(wl, wh)
            top = rng.uniform(tl, th)
            x0, x1, y0 = x * s, (x + w) * s, top * s
            shade = c * rng.uniform(0.9, 1.08)
            cv.paint((x0, y0, x1, base), box(x0, y0, x1, base + 2), shade)
            if layer == 1 and time != "day":
                _windows(cv, rng, x0, y0, x1, base, time)
            x += w + rng.uniform(-0.01, 0.005)


def _windows(cv: Canvas, rng, x0, y0, x1, y1, time):
    """Regular grid of lit windows (night: many, sunset: few), anti-aliased cell rectangles."""
    s = cv.size
    pitch_x, pitch_y = 0.024 * s, 0.03 * s
    ww, wh = 0.011 * s, 0.014 * s
    m = 0.012 * s
    nx = int((x1 - x0 - 2 * m + (pitch_x - ww)) // pitch_x)
    ny = int((y1 - y0 - 2 * m) // pitch_y)
    if nx < 1 or ny < 1:
        return
    p_lit = 0.45 if time == "night" else 0.2
    lit = (rng.random((ny, nx)) < p_lit).astype(np.float32)
    gx0 = x0 + (x1 - x0 - (nx - 1) * pitch_x - ww) / 2
    gy0 = y0 + m
    w = cv.window(gx0, gy0, gx0 + (nx - 1) * pitch_x + ww, gy0 + (ny - 1) * pitch_y + wh)
    if w is None:
        return
    (iy0, iy1, ix0, ix1), X, Y = w
    ux, uy = (X - gx0) / pitch_x, (Y - gy0) / pitch_y
    cx = np.clip(np.floor(ux), 0, nx - 1).astype(int)
    cy = np.clip(np.floor(uy), 0, ny - 1).astype(int)
    fx, fy = X - gx0 - cx * pitch_x, Y - gy0 - cy * pitch_y
    d = np.maximum(np.maximum(-fx, fx - ww), np.maximum(-fy, fy - wh))
    a = np.clip(0.5 - d, 0, 1) * lit[cy, cx] * 0.9
    col = np.array((1.0, 0.82, 0.45), np.float32)
    region = cv.img[iy0:iy1, ix0:ix1]
    region += a[..., None] * (col - region)
