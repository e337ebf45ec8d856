"""A user's own stance model, loaded by ``package.module:Class``."""

from __future__ import annotations

import pytest

from labeling.errors import ConfigError
from labeling.suggest.base import Item, StanceModel
from labeling.suggest.custom import load_python_model


def test_loads_fits_and_predicts_a_user_class() -> None:
    model = load_python_model("tests.suggest_helpers:MajorityModel")
    assert isinstance(model, StanceModel)
    items = [Item("we must send troops", "troops"), Item("no troops", "troops"),
             Item("more troops now", "troops")]
    model.fit(items, ["FAVOR", "AGAINST", "FAVOR"])
    got = model.predict_proba([Item("troops?", "troops"), Item("aid?", "aid")])
    assert got[0] == pytest.approx({"FAVOR": 2 / 3, "AGAINST": 1 / 3})
    assert got[1] == {}


@pytest.mark.parametrize(("spec", "why"), [
    ("tests.suggest_helpers:NoPredict", "no predict_proba method"),
    ("tests.suggest_helpers:NeedsArgs", "constructible with no arguments"),
    ("tests.suggest_helpers:Missing", "has no attribute 'Missing'"),
    ("tests.no_such_module:Model", "cannot import module 'tests.no_such_module'"),
    ("tests.suggest_helpers.MajorityModel", "expected 'package.module:Class'"),
    ("", "expected 'package.module:Class'"),
])
def test_bad_specs_are_clear_errors_naming_the_spec(spec: str, why: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_python_model(spec)
    assert f"suggestions.python_model {spec!r}" in str(err.value)
    assert why in str(err.value)
