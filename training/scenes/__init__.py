"""Procedural Scenes domain: sampling, rendering, captions, labels and held-out pairs.

See README.md in this folder for the schema, label slots and held-out list.
"""
from .caption import caption
from .holdout import HELD_OUT, heldout_pairs_in, is_held_out
from .labels import LABEL_SPACES, scene_labels, stated_labels
from .render import downscale, render
from .sample import sample_scene
from .schema import COLORS, COUNTS, KINDS, POSITIONS, SETTINGS, SIZES, TIMES, ObjectGroup, Scene

__all__ = [
    "caption", "HELD_OUT", "heldout_pairs_in", "is_held_out", "LABEL_SPACES", "scene_labels",
    "stated_labels", "downscale", "render", "sample_scene", "COLORS", "COUNTS", "KINDS",
    "POSITIONS", "SETTINGS", "SIZES", "TIMES", "ObjectGroup", "Scene",
]
