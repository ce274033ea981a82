"""Tiny signed-distance canvas: anti-aliased shapes painted inside their bounding box only.

All coordinates are in pixels (float). A shape is a function (X, Y) -> signed distance in pixels
(negative inside); coverage is a ~1px linear ramp, which keeps silhouettes smooth for the VQ
autoencoder while staying cheap (each shape touches only its bounding box).
"""
from __future__ import annotations

import numpy as np


class Canvas:
    def __init__(self, size: int):
        self.size = size
        self.img = np.zeros((size, size, 3), np.float32)
        c = np.arange(size, dtype=np.float32) + 0.5
        self.xs = c  # pixel-centre coordinates
        self.ys = c

    def window(self, x0, y0, x1, y1):
        """Clipped integer window and its local coordinate grids (or None when empty)."""
        s = self.size
        ix0, iy0 = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
        ix1, iy1 = min(int(np.ceil(x1)) + 1, s), min(int(np.ceil(y1)) + 1, s)
        if ix0 >= ix1 or iy0 >= iy1:
            return None
        X = self.xs[None, ix0:ix1]
        Y = self.ys[iy0:iy1, None]
        return (iy0, iy1, ix0, ix1), X, Y

    def paint(self, bbox, sdf, color, alpha: float = 1.0, soft: float = 1.0):
        """Composite `color` (rgb, or callable (X, Y) -> [h,w,3]) where sdf < 0."""
        w = self.window(*bbox)
        if w is None:
            return
        (iy0, iy1, ix0, ix1), X, Y = w
        d = sdf(X, Y)
        a = np.clip(0.5 - d / soft, 0.0, 1.0)
        if alpha != 1.0:
            a = a * alpha
        col = color(X, Y) if callable(color) else np.asarray(color, np.float32)
        region = self.img[iy0:iy1, ix0:ix1]
        region += a[..., None] * (col - region)

    def add_glow(self, cx, cy, radius, color, strength):
        """Additive soft radial glow (exp falloff), limited to 4 radii around the centre."""
        w = self.window(cx - 4 * radius, cy - 4 * radius, cx + 4 * radius, cy + 4 * radius)
        if w is None:
            return
        (iy0, iy1, ix0, ix1), X, Y = w
        r2 = ((X - cx) ** 2 + (Y - cy) ** 2) / (radius * radius)
        g = strength * np.exp(-r2)
        self.img[iy0:iy1, ix0:ix1] += g[..., None] * np.asarray(color, np.float32)


# --- signed distance functions (all return a function of X, Y) ---------------------------------

def circle(cx, cy, r):
    return lambda X, Y: np.sqrt((X - cx) ** 2 + (Y - cy) ** 2) - r


def ellipse(cx, cy, rx, ry):
    m = min(rx, ry)
    return lambda X, Y: (np.sqrt(((X - cx) / rx) ** 2 + ((Y - cy) / ry) ** 2) - 1.0) * m


def box(x0, y0, x1, y1, r=0.0):
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 - r, (y1 - y0) / 2 - r

    def f(X, Y):
        qx = np.abs(X - cx) - hx
        qy = np.abs(Y - cy) - hy
        out = np.sqrt(np.maximum(qx, 0) ** 2 + np.maximum(qy, 0) ** 2)
        return out + np.minimum(np.maximum(qx, qy), 0) - r

    return f


def polygon(points):
    """Convex polygon (any winding order) as the max of its edges' half-plane distances."""
    pts = np.asarray(points, np.float64)
    area2 = np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1])
    if area2 < 0:  # make the order clockwise on screen (y down), i.e. positive shoelace sum
        pts = pts[::-1]
    edges = []
    n = len(pts)
    for i in range(n):
        (ax, ay), (bx, by) = pts[i], pts[(i + 1) % n]
        ex, ey = bx - ax, by - ay
        ln = np.hypot(ex, ey)
        # outward normal for clockwise order in y-down coordinates
        nx, ny = ey / ln, -ex / ln
        edges.append((nx, ny, nx * ax + ny * ay))

    def f(X, Y):
        d = None
        for nx, ny, c in edges:
            e = X * nx + Y * ny - c
            d = e if d is None else np.maximum(d, e)
        return d

    return f


def segment(ax, ay, bx, by, width):
    ex, ey = bx - ax, by - ay
    l2 = ex * ex + ey * ey

    def f(X, Y):
        t = np.clip(((X - ax) * ex + (Y - ay) * ey) / l2, 0.0, 1.0)
        return np.sqrt((X - ax - t * ex) ** 2 + (Y - ay - t * ey) ** 2) - width / 2

    return f


def union(*fs):
    def f(X, Y):
        d = fs[0](X, Y)
        for g in fs[1:]:
            d = np.minimum(d, g(X, Y))
        return d

    return f


def smooth_union(f1, f2, k):
    def f(X, Y):
        a, b = f1(X, Y), f2(X, Y)
        h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
        return b + (a - b) * h - k * h * (1.0 - h)

    return f
