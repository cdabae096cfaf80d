#!/usr/bin/env python3
"""The leg's geometry at each foot strike of a `retrogait simulate` run: why the knee lands bent.

    python3 tools/validation/strike_geometry.py RUN_DIR [--from SECONDS] [--knee DEGREES]

RUN_DIR is one trial's output folder (frames.csv, events.json, model.ron, run.json). For the
strikes after --from (default 5 s) it prints the means of:
- the knee flexion at strike;
- how far the ankle is ahead of the hip, and of the centre of mass, in the direction of travel;
- the hip's height above the belt and the ankle's;
- how far ahead of the hip the ankle would have to land, at that hip and ankle height, for the
  knee to land at --knee degrees (default 5, about people's: Perry 1992, Gait Analysis);
- how the leg moves in the last frame before the strike: the knee's flexion rate (negative:
  extending), and the velocity over the belt, along the direction of travel and vertically,
  of the heel and of the toe tip (the foot's contact spheres `heel_medial` and
  `toe_tip_medial` of model.ron). People's knee has finished extending by then and starts to
  flex at contact (5° at contact, after about 2° at the end of terminal swing; Perry 1992),
  and the heel comes down slowly (Winter 1992, "Foot trajectory in human gait", Hum Mov Sci
  11:39-57); a knee still extending fast carries on after contact, against a
  loading-response flexion wave.

With the ankle x ahead of the hip and H - a below it, the knee flexion phi at strike follows
from the law of cosines, x^2 + (H - a)^2 = l_t^2 + l_s^2 + 2 l_t l_s cos(phi): at a given hip
height only a longer step lands the knee straighter (docs/controller-tuning.md, "What sets the
knee at foot strike").

Positions come from the sagittal joint angles in frames.csv, with the pelvis taken as upright
(the walking controller holds it so; its tilt is not in frames.csv) and the hip at the
pelvis's origin (the model's hip joint sits there, offset only sideways). The knee flexion and
the hip's height are exact; a pelvis tilted by 1 degree would move the ankle about 1.5 cm
horizontally and 0.4 cm vertically, so the printed ankle height is the check: it should be the
height at which the landing foot touches the belt. Heights are above the belt of a level
trial (the belt is the plane y = 0); an inclined trial is refused. Thigh and shank lengths are
the model's, scaled to the subject's stature (model.ron and run.json of the run). Velocities
follow from the same chain and the foot's pitch (hip flexion minus knee flexion plus ankle
dorsiflexion), with the joint rates of frames.csv, the pelvis's velocity and the belt's. Only
the standard library is used.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from bisect import bisect_left
from pathlib import Path


def joint_drop(model_text: str, joint: str) -> float:
    """The y of a joint's location in its parent (a fraction of stature, negative below)."""
    m = re.search(
        r'name:\s*"%s",\s*parent:[^)]*?location_in_parent:\s*\(\s*([-0-9.e]+),\s*([-0-9.e]+)'
        % joint,
        model_text,
        re.S,
    )
    if m is None:
        raise SystemExit(f"model.ron: no joint named {joint!r} with a location_in_parent")
    return float(m.group(2))


def contact_centre(model_text: str, name: str, stature: float) -> tuple[float, float]:
    """The sagittal (x, y) centre [m] of the foot's contact sphere `name` in the foot's frame."""
    m = re.search(
        r'name:\s*"%s",\s*centre:\s*\(\s*([-0-9.e]+),\s*([-0-9.e]+)' % name, model_text
    )
    if m is None:
        raise SystemExit(f"model.ron: no foot contact named {name!r} with a centre")
    return float(m.group(1)) * stature, float(m.group(2)) * stature


def point_velocity(
    r: dict, side: str, legs: tuple[float, float], point: tuple[float, float]
) -> tuple[float, float]:
    """The velocity over the belt [m/s], along x and y, of `point` (x, y in the foot's frame)
    of the foot on `side` ("r" or "l") in frame `r` of frames.csv, with the pelvis upright.

    The ankle sits at (l_t sin h + l_s sin(h - k), -(l_t cos h + l_s cos(h - k))) from the hip
    and the foot is pitched by f = h - k + a (toes up positive); the point moves with the
    pelvis, the ankle's motion about the hip and the foot's rotation f'.
    """
    thigh, shank = legs
    joints = ("hip_flexion", "knee_flexion", "ankle_dorsiflexion")
    q = {j: float(r[f"q_{j}_{side}_rad"]) for j in joints}
    w = {j: float(r[f"qdot_{j}_{side}_rad_s"]) for j in q}
    hip, knee = q["hip_flexion"], q["knee_flexion"]
    hip_rate, shank_rate = w["hip_flexion"], w["hip_flexion"] - w["knee_flexion"]
    foot = hip - knee + q["ankle_dorsiflexion"]
    foot_rate = shank_rate + w["ankle_dorsiflexion"]
    px, py = point
    vx = thigh * math.cos(hip) * hip_rate + shank * math.cos(hip - knee) * shank_rate
    vy = thigh * math.sin(hip) * hip_rate + shank * math.sin(hip - knee) * shank_rate
    vx -= foot_rate * (px * math.sin(foot) + py * math.cos(foot))
    vy += foot_rate * (px * math.cos(foot) - py * math.sin(foot))
    along = float(r["pelvis_velocity_x_mps"]) + vx - float(r["belt_velocity_x_mps"])
    up = float(r["pelvis_velocity_y_mps"]) + vy - float(r["belt_velocity_y_mps"])
    return along, up


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="output folder of one `retrogait simulate` trial")
    ap.add_argument("--from", dest="start", type=float, default=5.0, help="first time [s]")
    ap.add_argument("--knee", type=float, default=5.0, help="knee flexion to reach [deg]")
    args = ap.parse_args()
    run = args.run
    for name in ("frames.csv", "events.json", "model.ron", "run.json"):
        if not (run / name).is_file():
            raise SystemExit(f"{run}: no {name} (is it one trial's output folder?)")
    run_json = json.loads((run / "run.json").read_text())
    trial = run_json["trial"]
    if trial["incline_pct"] != 0:
        raise SystemExit(
            f"{run}: run.json trial.incline_pct is {trial['incline_pct']}: "
            "heights above an inclined belt are not computed; use a level trial"
        )
    stature = run_json["subject_height_m"]
    model = (run / "model.ron").read_text()
    thigh = -joint_drop(model, "knee") * stature
    shank = -joint_drop(model, "ankle") * stature
    direction = trial["direction"]
    travel = 1.0 if direction == "forward" else -1.0

    with open(run / "frames.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    times = [float(r["time_s"]) for r in rows]
    events = json.loads((run / "events.json").read_text())
    strikes = [e for e in events if e["kind"] == "foot_strike" and e["time_s"] >= args.start]
    if not strikes:
        raise SystemExit(f"{run}: no foot strike after {args.start} s")

    heel = contact_centre(model, "heel_medial", stature)
    toe = contact_centre(model, "toe_tip_medial", stature)
    keys = ("knee", "ahead_hip", "ahead_com", "hip", "ankle", "knee_rate")
    sums = {k: 0.0 for k in keys + ("heel_along", "heel_up", "toe_along", "toe_up")}
    for e in strikes:
        i = min(bisect_left(times, e["time_s"]), len(rows) - 1)
        r = rows[i]
        side = "r" if e["side"] == "Right" else "l"
        hip = float(r[f"q_hip_flexion_{side}_rad"])
        knee = float(r[f"q_knee_flexion_{side}_rad"])
        before = rows[max(i - 1, 0)]
        sums["knee_rate"] += math.degrees(float(before[f"qdot_knee_flexion_{side}_rad_s"]))
        for name, point in (("heel", heel), ("toe", toe)):
            along, up = point_velocity(before, side, (thigh, shank), point)
            sums[f"{name}_along"] += travel * along
            sums[f"{name}_up"] += up
        # Thigh pitched forward by the hip flexion, shank by hip flexion minus knee flexion.
        x = thigh * math.sin(hip) + shank * math.sin(hip - knee)
        drop = thigh * math.cos(hip) + shank * math.cos(hip - knee)
        pelvis_x, pelvis_y = float(r["pelvis_x_m"]), float(r["pelvis_y_m"])
        sums["knee"] += math.degrees(knee)
        sums["ahead_hip"] += travel * x
        sums["ahead_com"] += travel * (pelvis_x + x - float(r["com_x_m"]))
        sums["hip"] += pelvis_y
        sums["ankle"] += pelvis_y - drop
    n = len(strikes)
    mean = {k: v / n for k, v in sums.items()}
    reach_sq = thigh**2 + shank**2 + 2 * thigh * shank * math.cos(math.radians(args.knee))
    drop = mean["hip"] - mean["ankle"]
    needed = math.sqrt(max(reach_sq - drop * drop, 0.0))
    print(f"{run}: {n} strikes from {args.start} s ({direction})")
    lines = [
        ("knee flexion at strike", mean["knee"], "deg"),
        ("ankle ahead of the hip", mean["ahead_hip"], "m"),
        ("ankle ahead of the centre of mass", mean["ahead_com"], "m"),
        ("hip above the belt", mean["hip"], "m"),
        ("ankle above the belt", mean["ankle"], "m"),
        (f"ahead of the hip for a {args.knee:g} deg knee", needed, "m"),
        ("just before the strike: knee flexion rate", mean["knee_rate"], "deg/s"),
        ("  heel over the belt, along travel", mean["heel_along"], "m/s"),
        ("  heel over the belt, upwards", mean["heel_up"], "m/s"),
        ("  toe tip over the belt, along travel", mean["toe_along"], "m/s"),
        ("  toe tip over the belt, upwards", mean["toe_up"], "m/s"),
    ]
    for label, value, unit in lines:
        digits = {"deg": 1, "deg/s": 0}.get(unit, 3)
        print(f"  {label:<42} {value:7.{digits}f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
