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

Only the standard library is used (Python 3.10 or later, for statistics.correlation) and
stride_peaks.py's reader of cycles.csv.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stride_peaks import curves  # noqa: E402  (same folder: its reader of cycles.csv)

FORCE = "grf_travel_bw"
HIP = "hip_flexion_moment_nm_per_kg"
VERTICAL = "grf_vertical_bw"


def correlation(a: list[float], b: list[float]) -> float:
    """Pearson's correlation of two equally long series (nan if either is constant)."""
    try:
        return statistics.correlation(a, b)
    except statistics.StatisticsError:
        return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="output folder of one `retrogait simulate` trial")
    ap.add_argument("--side", choices=("r", "l"), default="r", help="leg whose stance to show")
    args = ap.parse_args()
    path = args.run / "cycles.csv"
    if not path.is_file():
        raise SystemExit(f"{args.run}: no cycles.csv (is it one trial's output folder?)")
    c = curves(args.run)
    other = "l" if args.side == "r" else "r"
    needed = ((FORCE, args.side), (HIP, args.side), (HIP, other), (VERTICAL, args.side))
    for key in needed:
        missing = [p for p in range(100) if p not in c.get(key, {})]
        if missing:
            raise SystemExit(
                f"{path}: no mean curve of {key[0]} for side {key[1]} at {len(missing)} "
                "percent points (did the trial complete strides with both legs?)"
            )
    force, hip, other_hip, vertical = (c[key] for key in needed)
    # From the strike for as long as the foot bears more than 0.05 BW.
    stance = [0]
    for p in range(1, 100):
        if vertical[p] <= 0.05:
            break
        stance.append(p)
    if len(stance) < 10:
        raise SystemExit(
            f"{path}: side {args.side}'s mean vertical force is above 0.05 BW for only "
            f"{len(stance)} % of the cycle after the strike"
        )
    print(f"{args.run}: side {args.side}, mean curves, stance 0-{stance[-1]} % "
          "(positive force: propulsive)")
    for label, pick in (("most braking", min), ("most propulsive", max)):
        p = pick(stance, key=lambda q: force[q])
        print(f"  fore-aft force, {label:<16} {force[p]:+7.3f} BW at {p:2d} % "
              f"(hip moment {hip[p]:+.2f} N·m/kg)")
    r_force = correlation([force[p] for p in stance], [hip[p] for p in stance])
    r_mirror = correlation([hip[p] for p in stance], [other_hip[(p + 50) % 100] for p in stance])
    for label, r in (("fore-aft force with this hip's moment", r_force),
                     ("this hip's moment with the other's at +50 %", r_mirror)):
        print(f"  correlation over stance: {label:<44} {r:+.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
