"""Object groups: house, tree, hot-air balloon, boat, laid out by position / size / count.

Colour of a house = its walls (roof is a fixed dark slate), of a tree = its foliage, of a
balloon = its envelope, of a boat = its hull (sail always white). Objects are lit more gently
than the land at night so the eight colours stay recognisable.
"""
from __future__ import annotations

import numpy as np

from .background import BEACH_Y, GROUND_Y, WATERLINE_Y
from .schema import ObjectGroup
from .shapes import Canvas, box, circle, ellipse, polygon, segment, smooth_union, union

BASE_COLORS = {
    "red": (0.86, 0.14, 0.14),
    "orange": (0.97, 0.52, 0.08),
    "yellow": (0.98, 0.86, 0.16),
    "green": (0.16, 0.62, 0.20),
    "blue": (0.14, 0.34, 0.90),
    "purple": (0.56, 0.20, 0.76),
    "white": (0.96, 0.96, 0.96),
    "black": (0.10, 0.10, 0.12),
}
OBJ_LIGHT = {
    "day": np.array([1.0, 1.0, 1.0], np.float32),
    "sunset": np.array([1.0, 0.88, 0.80], np.float32),
    "night": np.array([0.74, 0.78, 0.92], np.float32),
}
POS_X = {"left": 0.2, "center": 0.5, "right": 0.8}
SIZE_W = {"small": 0.135, "large": 0.25}
COUNT_SHRINK = {1: 1.0, 2: 0.82, 3: 0.68}
GROUP_SPAN = 0.38  # max horizontal extent of a group, as a fraction of the width

ROOF = (0.30, 0.30, 0.36)
DOOR = (0.36, 0.22, 0.13)
TRUNK = (0.42, 0.27, 0.15)
BASKET = (0.50, 0.33, 0.18)
SAIL = (0.97, 0.96, 0.92)
MAST = (0.30, 0.22, 0.15)


def _shaded(base, light, lx, ly, radius, rim=0.0):
    """Colour function: soft highlight toward (lx, ly), darker away from it."""
    base = np.asarray(base, np.float32) * light

    def f(X, Y):
        r = np.sqrt((X - lx) ** 2 + (Y - ly) ** 2) / radius
        k = np.clip(1.15 - 0.35 * r, 0.7, 1.15)[..., None]
        out = base * k
        if rim:
            out = out + rim * np.clip(1.0 - r, 0, 1)[..., None]
        return out

    return f


def layout(group: ObjectGroup, size: int, rng: np.random.Generator):
    """Per-copy (x centre px, y offset px, width px), back copies first."""
    s = size
    n = group.count
    w = SIZE_W[group.size] * COUNT_SHRINK[n]
    if group.kind == "boat":
        w *= 1.1
    spacing = min(1.05 * w, (GROUP_SPAN - w) / (n - 1)) if n > 1 else 0.0
    span = w + spacing * (n - 1)
    cx = POS_X[group.position] + rng.uniform(-0.04, 0.04)
    cx = float(np.clip(cx, 0.03 + span / 2, 0.97 - span / 2))
    copies = []
    for i in range(n):
        x = cx + (i - (n - 1) / 2) * spacing + rng.uniform(-0.008, 0.008)
        if group.kind == "balloon":
            dy = {1: (0.0,), 2: (-0.04, 0.04), 3: (0.05, -0.05, 0.05)}[n][i]
        elif group.kind == "boat":
            dy = (0.0, -0.025, 0.0)[i] if n == 3 else 0.0
        else:
            dy = (0.0, -0.035, 0.0)[i] if n == 3 else 0.0
        copies.append((x * s, dy * s, w * s))
    copies.sort(key=lambda c: c[1])  # higher (further back) first
    return copies


def paint_group(cv: Canvas, group: ObjectGroup, setting: str, time: str, rng) -> None:
    light = OBJ_LIGHT[time]
    color = BASE_COLORS[group.color]
    rim = 0.10 if group.color == "black" else 0.0
    if group.kind == "balloon":
        top_min = 0.05 * cv.size
        for x, dy, w in layout(group, cv.size, rng):
            r = w / 2
            lo, hi = top_min + r, 0.47 * cv.size - 1.85 * r
            cy = lo + (hi - lo) * rng.uniform(0.2, 0.6) + dy
            cy = float(np.clip(cy, lo, hi))
            balloon(cv, x, cy, w, color, light, rim)
        return
    ground = GROUND_Y * cv.size
    if setting == "sea" and group.kind != "boat":
        ground = (BEACH_Y + 0.6 * (1 - BEACH_Y)) * cv.size  # on the beach strip
    for x, dy, w in layout(group, cv.size, rng):
        if group.kind == "house":
            house(cv, x, ground + dy, w, color, light, rim, time)
        elif group.kind == "tree":
            tree(cv, x, ground + dy, w, color, light, rim)
        elif group.kind == "boat":
            boat(cv, x, WATERLINE_Y * cv.size + dy, w, color, light, rim)
        else:
            raise ValueError(f"invalid kind: {group.kind!r}")


def _shadow(cv: Canvas, x, y, w):
    cv.paint((x - 0.7 * w, y - 0.1 * w, x + 0.7 * w, y + 0.1 * w), ellipse(x, y, 0.6 * w, 0.06 * w),
             (0.0, 0.0, 0.0), alpha=0.25, soft=3.0)


def house(cv: Canvas, x, base, w, color, light, rim, time):
    hw, wall_h, roof_h = w / 2, 0.62 * w, 0.42 * w
    top = base - wall_h
    _shadow(cv, x, base, w)
    # chimney, then roof, then walls
    cx0 = x + 0.18 * w
    cv.paint((cx0, top - roof_h, cx0 + 0.12 * w, top), box(cx0, top - roof_h * 0.95, cx0 + 0.12 * w, top),
             np.asarray(ROOF, np.float32) * light)
    cv.paint((x - hw, base - wall_h - 1, x + hw, base + 1), box(x - hw * 0.94, top, x + hw * 0.94, base),
             _shaded(color, light, x - hw, top, 1.6 * w, rim))
    eave = 0.09 * w
    roof = polygon([(x - hw - eave, top + 0.02 * w), (x, top - roof_h), (x + hw + eave, top + 0.02 * w)])
    cv.paint((x - hw - eave - 1, top - roof_h - 1, x + hw + eave + 1, top + 0.03 * w + 1), roof,
             _shaded(ROOF, light, x - hw, top - roof_h, 1.4 * w))
    # door and a window; windows glow warm at dusk and night
    dw, dh = 0.2 * w, 0.36 * w
    dx = x - 0.2 * w
    cv.paint((dx - dw / 2, base - dh, dx + dw / 2, base), box(dx - dw / 2, base - dh, dx + dw / 2, base + 1, 0.02 * w),
             np.asarray(DOOR, np.float32) * light)
    win = (1.0, 0.84, 0.42) if time != "day" else (0.74, 0.86, 0.96)
    win = np.asarray(win, np.float32) * (light if time == "day" else 1.0)
    wx, wy, ws = x + 0.2 * w, base - 0.38 * w, 0.18 * w
    cv.paint((wx - ws / 2, wy - ws / 2, wx + ws / 2, wy + ws / 2),
             box(wx - ws / 2, wy - ws / 2, wx + ws / 2, wy + ws / 2, 0.01 * w), win)


def tree(cv: Canvas, x, base, w, color, light, rim):
    _shadow(cv, x, base, w)
    tw = 0.16 * w
    cv.paint((x - tw, base - 0.7 * w, x + tw, base + 1),
             box(x - tw / 2, base - 0.7 * w, x + tw / 2, base, 0.02 * w),
             _shaded(TRUNK, light, x - tw, base - 0.6 * w, w))
    foliage = union(
        circle(x, base - 0.82 * w, 0.36 * w),
        circle(x - 0.24 * w, base - 0.66 * w, 0.26 * w),
        circle(x + 0.24 * w, base - 0.66 * w, 0.26 * w),
        circle(x + 0.04 * w, base - 1.08 * w, 0.27 * w),
    )
    cv.paint((x - 0.52 * w, base - 1.37 * w, x + 0.52 * w, base - 0.38 * w), foliage,
             _shaded(color, light, x - 0.2 * w, base - 1.1 * w, 1.0 * w, rim))


def balloon(cv: Canvas, x, cy, w, color, light, rim):
    r = w / 2
    env = smooth_union(
        circle(x, cy, r),
        polygon([(x - 0.9 * r, cy + 0.3 * r), (x + 0.9 * r, cy + 0.3 * r),
                 (x + 0.3 * r, cy + 1.28 * r), (x - 0.3 * r, cy + 1.28 * r)]),
        0.25 * r,
    )
    base = np.asarray(color, np.float32) * light

    def env_color(X, Y):
        # vertical gores (smooth bands) + highlight toward the upper left
        u = (X - x) / r
        gores = 0.92 + 0.08 * np.cos(u * np.pi * 2.2)
        d = np.sqrt((X - x + 0.35 * r) ** 2 + (Y - cy + 0.4 * r) ** 2) / (1.8 * r)
        k = (np.clip(1.18 - 0.5 * d, 0.7, 1.18) * gores)[..., None]
        out = base * k
        if rim:
            out = out + rim * np.clip(1.0 - 1.4 * d, 0, 1)[..., None]
        return out

    # ropes, basket, then envelope on top of the rope ends
    bw, by0, by1 = 0.2 * r, cy + 1.55 * r, cy + 1.85 * r
    rope_w = max(0.045 * r, 0.7)
    rope_col = np.asarray(MAST, np.float32) * light
    for sx in (-1, 1):
        f = segment(x + sx * 0.28 * r, cy + 1.2 * r, x + sx * 0.18 * r, by0, rope_w)
        cv.paint((x - 0.35 * r, cy + 1.1 * r, x + 0.35 * r, by0 + 1), f, rope_col)
    cv.paint((x - bw - 1, by0 - 1, x + bw + 1, by1 + 1), box(x - bw, by0, x + bw, by1, 0.03 * r),
             np.asarray(BASKET, np.float32) * light)
    cv.paint((x - r - 1, cy - r - 1, x + r + 1, cy + 1.3 * r + 1), env, env_color)


def boat(cv: Canvas, x, wl, w, color, light, rim):
    hw = w / 2
    top, bottom = wl - 0.2 * w, wl + 0.06 * w
    hull_pts = [(x - hw, top), (x + hw, top), (x + 0.36 * w, bottom), (x - 0.34 * w, bottom)]
    # faint reflection first
    cv.paint((x - hw, wl, x + hw, wl + 0.2 * w), ellipse(x, wl + 0.07 * w, 0.42 * w, 0.07 * w),
             np.asarray(color, np.float32) * light * 0.8, alpha=0.3, soft=3.0)
    mx = x - 0.03 * w
    mast_top = top - 0.85 * w
    cv.paint((mx - 0.05 * w, mast_top, mx + 0.05 * w, top), segment(mx, mast_top, mx, top, max(0.035 * w, 1.0)),
             np.asarray(MAST, np.float32) * light)
    sail_col = np.asarray(SAIL, np.float32) * light
    cv.paint((mx, mast_top, x + 0.45 * w, top),
             polygon([(mx + 0.03 * w, mast_top + 0.06 * w), (x + 0.42 * w, top - 0.07 * w), (mx + 0.03 * w, top - 0.07 * w)]),
             _shaded(SAIL, light * 0.95, mx, top - 0.5 * w, 1.2 * w))
    cv.paint((x - 0.4 * w, mast_top, mx, top),
             polygon([(mx - 0.025 * w, mast_top + 0.18 * w), (mx - 0.025 * w, top - 0.07 * w), (x - 0.36 * w, top - 0.07 * w)]),
             sail_col * 0.92)
    cv.paint((x - hw - 1, top - 1, x + hw + 1, bottom + 1), polygon(hull_pts),
             _shaded(color, light, x - hw, top, 1.3 * w, rim))
