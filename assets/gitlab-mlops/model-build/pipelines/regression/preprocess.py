"""Preprocessing step: abalone CSV files -> train/validation/test CSV files (label first, no header).

Runs in the SageMaker scikit-learn processing container. Input files (``*.csv`` or ``*.csv.gz``, no header) are
read from ``<base>/input``; the splits are written to ``<base>/train``, ``<base>/validation`` and ``<base>/test``.
"""
import argparse
import glob
import os

import numpy as np
import pandas as pd

LABEL = "rings"
NUMERIC = ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]
COLUMNS = ["sex", *NUMERIC, LABEL]
SEXES = ["F", "I", "M"]
FEATURES = [f"sex_{s}" for s in SEXES] + NUMERIC


def load(paths):
    """Read and concatenate the raw CSV files (no header, abalone column order)."""
    if not paths:
        raise ValueError("no input files found")
    frames = [pd.read_csv(p, header=None, names=COLUMNS) for p in paths]
    return pd.concat(frames, ignore_index=True)


def featurize(raw):
    """Label first, then one-hot sex (F, I, M), then the seven measurements. Rows with missing values are dropped.

    Trees need no scaling, so the endpoint takes the same human-readable features:
    ``sex_F,sex_I,sex_M,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight``.
    """
    df = raw.dropna().copy()
    unknown = sorted(set(df["sex"]) - set(SEXES))
    if unknown:
        raise ValueError(f"unknown sex values: {unknown}")
    for s in SEXES:
        df[f"sex_{s}"] = (df["sex"] == s).astype(float)
    out = df[[LABEL, *FEATURES]].astype(float)
    return out.reset_index(drop=True)


def split(df, seed=42, train=0.70, validation=0.15):
    """Shuffle and split into train, validation and test."""
    shuffled = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    n = len(shuffled)
    a, b = int(train * n), int((train + validation) * n)
    return shuffled.iloc[:a], shuffled.iloc[a:b], shuffled.iloc[b:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-dir", default="/opt/ml/processing")
    args = parser.parse_args()
    inputs = sorted(glob.glob(os.path.join(args.base_dir, "input", "*.csv*")))
    data = featurize(load(inputs))
    print(f"{len(data)} rows, mean rings {np.mean(data[LABEL]):.2f}")
    for name, part in zip(["train", "validation", "test"], split(data)):
        os.makedirs(os.path.join(args.base_dir, name), exist_ok=True)
        part.to_csv(os.path.join(args.base_dir, name, f"{name}.csv"), header=False, index=False)
        print(f"{name}: {len(part)} rows")


if __name__ == "__main__":
    main()
