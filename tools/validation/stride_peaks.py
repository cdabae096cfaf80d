#!/usr/bin/env python3
"""Peaks of a `retrogait simulate` run's mean gait-cycle curves, per leg, as docs/validation.md
defines them.

    python3 tools/validation/stride_peaks.py RUN_DIR [RUN_DIR ...]

RUN_DIR is one trial's output folder; only its cycles.csv (mean curves over 0-100 % of the
stride from each leg's foot strike) is read. For each leg it prints:
- foot-off: where the leg's mean vertical ground reaction first falls below 0.1 body weights
  after 10 % of the stride (not 0: a foot that scuffs the belt in some swings leaves a few
  hundredths in the mean);
- A2, the ankle's push-off power: the largest ankle power between half of stance and 5 % after
  foot-off, the window tools/validation/compare.py uses (Winter 2009, ch. 7). Taking the
  curve's maximum over the whole stride instead can pick the landing leg's spike at 1-2 %,
  which is not push-off;
- the vertical ground reaction's peak (body weights);
- the ankle's plantarflexor moment peak (N m/kg, positive);
- the knee's least flexion in stance (degrees).

Only the standard library is used.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def curves(run: Path) -> dict[tuple[str, str], dict[int, float]]:
    """Mean curves of cycles.csv by (variable, side): percent of the stride -> mean."""
    out: dict[tuple[str, str], dict[int, float]] = {}
    with open(run / "cycles.csv", newline="") as f:
        for row in csv.DictReader(f):
            key = (row["variable"], row["side"])
            out.setdefault(key, {})[round(float(row["percent_cycle"]))] = float(row["mean"])
    return out


def leg_peaks(c: dict[tuple[str, str], dict[int, float]], side: str) -> str:
    grf = c[("grf_vertical_bw", side)]
    power = c[("ankle_dorsiflexion_power_w_per_kg", side)]
    moment = c[("ankle_dorsiflexion_moment_nm_per_kg", side)]
    knee = c[("knee_flexion_deg", side)]
    off = [p for p, v in sorted(grf.items()) if p > 10 and v < 0.1]
    if not off:
        return f"{side}: the foot never leaves the belt in the mean stride"
    fo = off[0]
    window = {p: v for p, v in power.items() if 0.5 * fo <= p <= fo + 5}
    a2_at = max(window, key=window.get)
    stance_knee = min(v for p, v in knee.items() if p <= fo)
    return (
        f"{side}: foot-off {fo} %, A2 {window[a2_at]:.2f} W/kg at {a2_at} %, "
        f"vGRF peak {max(grf.values()):.2f} BW, plantarflexor moment peak "
        f"{-min(moment.values()):.2f} N m/kg, least stance knee flexion {stance_knee:.1f} deg"
    )


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    for arg in sys.argv[1:]:
        run = Path(arg)
        try:
            c = curves(run)
        except (OSError, KeyError, ValueError) as e:
            print(f"{run}: cannot read cycles.csv: {e}", file=sys.stderr)
            return 1
        sides = sorted({side for (_, side) in c})
        try:
            lines = [leg_peaks(c, side) for side in sides]
        except KeyError as e:
            print(f"{run}: cycles.csv has no curve {e}", file=sys.stderr)
            return 1
        print(f"{run}:")
        for line in lines:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
