"""Unit tests of the preprocessing script, on the synthetic sample in tests/data (no AWS access)."""
import os

import pytest

from pipelines.regression import preprocess

SAMPLE = os.path.join(os.path.dirname(__file__), "data", "abalone-sample.csv.gz")


def test_featurize_puts_the_label_first_and_one_hot_encodes_sex():
    data = preprocess.featurize(preprocess.load([SAMPLE]))
    assert list(data.columns) == [preprocess.LABEL, *preprocess.FEATURES]
    assert len(data.columns) == 11
    one_hot = data[[f"sex_{s}" for s in preprocess.SEXES]]
    assert (one_hot.sum(axis=1) == 1).all()


def test_split_keeps_every_row_once():
    data = preprocess.featurize(preprocess.load([SAMPLE]))
    train, validation, test = preprocess.split(data)
    assert len(train) + len(validation) + len(test) == len(data)
    assert len(train) > len(validation) > 0 and len(test) > 0


def test_unknown_sex_is_rejected():
    raw = preprocess.load([SAMPLE])
    raw.loc[0, "sex"] = "X"
    with pytest.raises(ValueError, match="unknown sex"):
        preprocess.featurize(raw)
