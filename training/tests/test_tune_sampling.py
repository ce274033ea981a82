"""The sampling sweep's grid and choice rules (the sweep itself runs the engine: see eval tests)."""
import pytest

from training.tune_sampling import best, settings_grid


def test_grid_is_the_product_of_the_listed_values():
    rows = settings_grid({"base": {"temperature": [0.5, 1.0], "guidance": [3, 4]}, "superRes": {"steps": [4]}})
    assert len(rows) == 4
    assert {"base": {"guidance": 3, "temperature": 0.5}, "superRes": {"steps": 4}} in rows
    assert {"base": {"guidance": 4, "temperature": 1.0}, "superRes": {"steps": 4}} in rows


def test_grid_refuses_unknown_stages_and_empty_lists():
    with pytest.raises(SystemExit, match="unknown stage"):
        settings_grid({"sr": {"steps": [4]}})
    with pytest.raises(SystemExit, match="non-empty list"):
        settings_grid({"base": {"steps": []}})
    with pytest.raises(SystemExit, match="non-empty list"):
        settings_grid({"base": {"steps": 4}})


def test_best_skips_settings_that_draw_every_seed_alike():
    rows = [
        {"settings": {"base": {"temperature": 0.1}}, "overall": 0.9, "heldout": 0.8, "diversity": 0.01},
        {"settings": {"base": {"temperature": 0.5}}, "overall": 0.8, "heldout": 0.7, "diversity": 0.05},
        {"settings": {"base": {"temperature": 1.0}}, "overall": 0.7, "heldout": 0.7, "diversity": 0.09},
    ]
    assert best(rows, 0.04)["settings"] == {"base": {"temperature": 0.5}}
    assert best(rows, 0.0)["settings"] == {"base": {"temperature": 0.1}}
    with pytest.raises(SystemExit, match="diversity"):
        best(rows, 0.5)
