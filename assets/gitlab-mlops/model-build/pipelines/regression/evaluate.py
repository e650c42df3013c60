"""Evaluation step: mean squared error of the trained model on the test split -> evaluation.json.

Runs in the SageMaker XGBoost container (which provides xgboost, numpy and pandas).
"""
import json
import os
import pickle
import tarfile

import numpy as np
import pandas as pd
import xgboost

BASE = "/opt/ml/processing"


def load_model(path):
    """The built-in algorithm saves a native XGBoost model (recent containers) or a pickled Booster (older ones)."""
    try:
        booster = xgboost.Booster()
        booster.load_model(path)
        return booster
    except xgboost.core.XGBoostError:
        with open(path, "rb") as f:
            return pickle.load(f)


def main():
    with tarfile.open(os.path.join(BASE, "model", "model.tar.gz")) as archive:
        archive.extract(archive.getmember("xgboost-model"), path=".")
    model = load_model("xgboost-model")

    test = pd.read_csv(os.path.join(BASE, "test", "test.csv"), header=None)
    y = test.iloc[:, 0].to_numpy()
    predictions = model.predict(xgboost.DMatrix(test.iloc[:, 1:].values))
    errors = (y - predictions) ** 2
    report = {
        "regression_metrics": {
            "mse": {"value": float(np.mean(errors)), "standard_deviation": float(np.std(errors))},
        }
    }
    os.makedirs(os.path.join(BASE, "evaluation"), exist_ok=True)
    with open(os.path.join(BASE, "evaluation", "evaluation.json"), "w") as f:
        json.dump(report, f)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
