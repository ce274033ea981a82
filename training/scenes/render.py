"""Render a Scene to an RGB uint8 image, deterministically from scene.seed.

Independent random streams (background; one per position) mean that adding, removing or
changing one group never moves anything else in the picture, which edit evaluation relies on.

Rendering is designed for 256x256; for 64x64 training images prefer
``downscale(render(scene, 256), 64)`` (PIL BOX filter), which anti-aliases thin details.
Rendering at other sizes directly also works (everything scales with `size`).
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from .background import paint_land, paint_sky
from .objects import paint_group
from .schema import POSITIONS, Scene
from .shapes import Canvas

_DRAW_ORDER = {"boat": 0, "house": 1, "tree": 1, "balloon": 2}


def render(scene: Scene, size: int = 256) -> np.ndarray:
    scene.validate()
    cv = Canvas(size)
    bg_rng = np.random.default_rng([scene.seed, 0])
    light_x = paint_sky(cv, scene.time, bg_rng)
    paint_land(cv, scene.setting, scene.time, bg_rng, light_x)
    for g in sorted(scene.objects, key=lambda g: _DRAW_ORDER[g.kind]):
        rng = np.random.default_rng([scene.seed, 1, POSITIONS.index(g.position)])
        paint_group(cv, g, scene.setting, scene.time, rng)
    return (np.clip(cv.img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def downscale(img: np.ndarray, size: int) -> np.ndarray:
    """Box-filter downscale (e.g. a 256 render to 64x64 training images)."""
    return np.asarray(Image.fromarray(img).resize((size, size), Image.BOX))
