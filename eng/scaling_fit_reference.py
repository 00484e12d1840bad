#!/usr/bin/python3
"""Independent reference for interp-eval's power-law fitter (src/Suites/Scaling/PowerLawFitter.cs).

Draws noisy points from y = a*x^-b + c (log-normal noise plus one outlier), fits the same objective with SciPy --
scipy.optimize.least_squares on the log residual log(yhat) - log(y) with loss='huber', f_scale=delta (whose cost
0.5*f_scale^2*sum(rho((r/f_scale)^2)) is the sum of Huber losses), bounds a, c >= 0, best of many starts -- and
writes the points and SciPy's optimum as JSON for tests/Suites.Tests/Scaling. Needs python3-scipy (apt).

    /usr/bin/python3 eng/scaling_fit_reference.py > tests/Suites.Tests/Scaling/power_law_reference.json
"""
import json
import sys

import numpy as np
from scipy.optimize import least_squares

TRUE = {"a": 40.0, "b": 0.35, "c": 1.5}
DELTA = 1e-3


def points(seed=7, n=16):
    rng = np.random.default_rng(seed)
    x = np.logspace(3, 9, n)
    y = (TRUE["a"] * x ** -TRUE["b"] + TRUE["c"]) * np.exp(rng.normal(0.0, 0.03, n))
    y[5] *= 1.3  # one outlier the Huber loss should shrug off
    return x, y


def fit(x, y, offset=True):
    x0 = np.exp(np.mean(np.log(x)))
    lx = np.log(x / x0)

    def residual(p):
        a, b = p[0], p[1]
        c = p[2] if offset else 0.0
        return np.log(a * np.exp(-b * lx) + c) - np.log(y)

    best = None
    for b0 in np.linspace(-1.0, 2.0, 13):
        for frac in (0.1, 0.5, 0.9):
            start = [max(np.min(y) * (1 - frac), 1e-6), b0] + ([np.min(y) * frac] if offset else [])
            lower = [0.0, -4.0] + ([0.0] if offset else [])
            upper = [np.inf, 4.0] + ([np.inf] if offset else [])
            try:
                r = least_squares(residual, start, bounds=(lower, upper), loss="huber", f_scale=DELTA,
                                  xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=20000)
            except ValueError:
                continue
            if np.all(np.isfinite(r.fun)) and (best is None or r.cost < best.cost):
                best = r
    a, b = best.x[0], best.x[1]
    c = best.x[2] if offset else 0.0
    return {"a": float(a * x0 ** b), "b": float(b), "c": float(c), "mean_huber_loss": float(best.cost / len(x))}


def main():
    x, y = points()
    out = {
        "generator": "eng/scaling_fit_reference.py (numpy default_rng(7), lognormal sigma 0.03, point 6 x1.3)",
        "huber_delta": DELTA,
        "truth": TRUE,
        "x": [float(v) for v in x],
        "y": [float(v) for v in y],
        "scipy": fit(x, y, offset=True),
        "scipy_no_offset": fit(x, y, offset=False),
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
