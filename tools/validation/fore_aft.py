#!/usr/bin/env python3
"""The stance foot's fore-aft ground reaction of a `retrogait simulate` run, and what sets it.

    python3 tools/validation/fore_aft.py RUN_DIR [--side r|l]

RUN_DIR is one trial's output folder (cycles.csv: the mean gait-cycle curves, 0-100 % from the
side's foot strike), simulated or measured (`retrogait analyze`). Over the side's stance (from
the strike while its mean vertical force stays above 0.05 BW) it prints:
- the fore-aft force along the direction of travel (positive propulsive) at its most braking
  and most propulsive, and when. People's brakes in the first quarter of the cycle, to about
  -0.15 to -0.2 BW, and propels in the second (Winter 2009, Biomechanics and Motor Control of
  Human Movement, 4th ed.);
- its correlation with that leg's hip moment;
- the correlation of that hip moment with the other leg's hip moment half a cycle later. In
  single support the light pelvis returns at the stance hip what the swing hip applies (less
  the trunk's share through the lumbar joint), so near -1 means the swing leg's hip torques
  are what the stance hip holds (docs/controller-tuning.md, "The stance foot's fore-aft
  force, and laws for the loading wave").

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

FORCE = "grf_travel_bw"
HIP = "hip_flexion_moment_nm_per_kg"


def correlation(a: list[float], b: list[float]) -> float:
    """Pearson's correlation of two equally long series (nan if either is constant)."""
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    var = sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b)
    return cov / math.sqrt(var) if var > 0 else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="output folder of one `retrogait simulate` trial")
    ap.add_argument("--side", choices=("r", "l"), default="r", help="leg whose stance to show")
    args = ap.parse_args()
    path = args.run / "cycles.csv"
    if not path.is_file():
        raise SystemExit(f"{args.run}: no cycles.csv (is it one trial's output folder?)")
    curves: dict[tuple[str, str], dict[int, float]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = (row["side"], row["variable"])
            curves.setdefault(key, {})[int(float(row["percent_cycle"]))] = float(row["mean"])
    other = "l" if args.side == "r" else "r"
    for key in ((args.side, FORCE), (args.side, HIP), (other, HIP), (args.side, "grf_vertical_bw")):
        missing = [p for p in range(100) if p not in curves.get(key, {})]
        if missing:
            raise SystemExit(
                f"{path}: no mean curve of {key[1]} for side {key[0]} at {len(missing)} "
                "percent points (did the trial complete strides with both legs?)"
            )
    force, hip = curves[(args.side, FORCE)], curves[(args.side, HIP)]
    other_hip = curves[(other, HIP)]
    vertical = curves.get((args.side, "grf_vertical_bw"), {})
    stance = [p for p in range(100) if all(vertical.get(q, 0.0) > 0.05 for q in range(1, p + 1))]
    if len(stance) < 10:
        raise SystemExit(f"{path}: side {args.side}'s mean vertical force is above 0.05 BW for only {len(stance)} % of the cycle after the strike")
    print(f"{args.run}: side {args.side}, mean curves, stance 0-{stance[-1]} % (positive force: propulsive)")
    for label, pick in (("most braking", min), ("most propulsive", max)):
        p = pick(stance, key=lambda q: force[q])
        print(f"  fore-aft force, {label:<16} {force[p]:+7.3f} BW at {p:2d} % (hip moment {hip[p]:+.2f} N·m/kg)")
    r_force = correlation([force[p] for p in stance], [hip[p] for p in stance])
    r_mirror = correlation([hip[p] for p in stance], [other_hip[(p + 50) % 100] for p in stance])
    print(f"  correlation over stance: fore-aft force with this hip's moment        {r_force:+.2f}")
    print(f"  correlation over stance: this hip's moment with the other's at +50 %  {r_mirror:+.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
