#!/usr/bin/env python3
"""How far a walker wanders over the belt from stride to stride: the slow drift and weave of
the pelvis that the within-stride sway hides.

    python3 tools/validation/belt_wander.py RUN_DIR [RUN_DIR ...]

RUN_DIR is one `retrogait simulate` trial's output folder; its frames.csv (pelvis position)
and events.json (foot strikes) are read. The pelvis's lateral (z) and fore-aft (x) positions
are averaged over each stride, from one right foot strike to the next, from the start of
the run's analysis window (summary.json's `analysis_start_s`, after the belt's start-up; 5 s if
the run has no summary). Averaging over a whole stride
removes the side-to-side sway of every step, which people have too (a few cm; Winter 2009,
Biomechanics and Motor Control of Human Movement, ch. 1 and 4); what is left is the walker's
slow motion over the belt, which people on a treadmill keep to a few cm. For each run it
prints, for each axis:
- the range and rms of the stride means [m];
- the dominant period of their oscillation in strides (the lag of the autocorrelation's first
  peak after its first zero crossing; "-" when there is none), which tells a weave (a limit
  cycle of a few strides) from a slow drift.

Only the standard library is used.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

DEFAULT_ANALYSIS_START_S = 5.0


def analysis_start_s(run: Path) -> float:
    """Start of the run's analysis window [s], as `simulate` wrote it in summary.json."""
    try:
        with open(run / "summary.json") as f:
            return float(json.load(f)["analysis_start_s"])
    except FileNotFoundError:
        return DEFAULT_ANALYSIS_START_S


def stride_means(run: Path) -> tuple[list[float], list[float], float]:
    """Stride-averaged pelvis z and x after the analysis start, and the trial's last time."""
    start_s = analysis_start_s(run)
    with open(run / "frames.csv", newline="") as f:
        rows = [
            (float(r["time_s"]), float(r["pelvis_z_m"]), float(r["pelvis_x_m"]))
            for r in csv.DictReader(f)
        ]
    with open(run / "events.json") as f:
        strikes = [
            e["time_s"]
            for e in json.load(f)
            if e["kind"] == "foot_strike"
            and e["side"] == "Right"
            and e["time_s"] >= start_s
        ]
    zs: list[float] = []
    xs: list[float] = []
    i = 0
    for start, end in zip(strikes, strikes[1:]):
        while i < len(rows) and rows[i][0] < start:
            i += 1
        inside = []
        j = i
        while j < len(rows) and rows[j][0] < end:
            inside.append(rows[j])
            j += 1
        if inside:
            zs.append(sum(r[1] for r in inside) / len(inside))
            xs.append(sum(r[2] for r in inside) / len(inside))
    return zs, xs, rows[-1][0] if rows else 0.0


def rms(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5


def period_strides(values: list[float]) -> int | None:
    """Lag [strides] of the autocorrelation's first peak after its first zero crossing."""
    n = len(values)
    if n < 8:
        return None
    mean = sum(values) / n
    d = [v - mean for v in values]
    var = sum(v * v for v in d)
    if var == 0.0:
        return None
    ac = [sum(d[k] * d[k + lag] for k in range(n - lag)) / var for lag in range(n // 2)]
    crossed = False
    for lag in range(1, len(ac) - 1):
        if ac[lag] < 0.0:
            crossed = True
        if crossed and ac[lag] > 0.0 and ac[lag] >= ac[lag - 1] and ac[lag] >= ac[lag + 1]:
            return lag
    return None


def describe(values: list[float]) -> str:
    period = period_strides(values)
    return "range %.3f rms %.3f period %s" % (
        max(values) - min(values),
        rms(values),
        "-" if period is None else period,
    )


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python3 tools/validation/belt_wander.py RUN_DIR [RUN_DIR ...]", file=sys.stderr)
        return 2
    for arg in argv[1:]:
        run = Path(arg)
        try:
            zs, xs, end = stride_means(run)
        except (OSError, KeyError, ValueError) as e:
            print(f"{run}: cannot read the run: {e}", file=sys.stderr)
            return 1
        if len(zs) < 2:
            print(f"{run}: ended at {end:.1f} s with {len(zs)} strides in the analysis window, nothing to measure")
            continue
        print(
            f"{run}: {len(zs)} strides to {end:.1f} s | lateral {describe(zs)} | "
            f"fore-aft {describe(xs)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
