"""Converters from published checkpoints to studio model packages (docs/MODEL_PACKAGE.md).

- `python -m training.convert.amused`: aMUSEd (diffusers layout) -> CLIP + micro-conditioning package.
- `python -m training.convert.amused_fixture`: a tiny random checkpoint in aMUSEd's layout.
"""
