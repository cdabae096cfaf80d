#!/usr/bin/env python3
"""Compare retrogait's level walking at 1.0 m/s, forward and backward, with human data.

Run from anywhere (paths are resolved relative to this file):

    python3 tools/validation/compare.py
        Uses the stored snapshot in tools/validation/sim/forward and .../backward.

    python3 tools/validation/compare.py FORWARD_DIR BACKWARD_DIR
        Uses two other output folders of `retrogait simulate` (level belt, same speed,
        forward and backward). Each folder must hold summary.json, cycles.csv and events.json.

    python3 tools/validation/compare.py FORWARD_DIR BACKWARD_DIR --snapshot
        As above, and first copies those files (plus run.json) into tools/validation/sim/,
        so that the document can be reproduced later from the repository alone.

Options: --no-doc (print only; do not touch docs/), --doc PATH, --figures DIR.

Measured walking (the section "The muscle model on measured walking") uses the stored snapshot
in tools/validation/measured/as-recorded and .../reversed, made from the repository root with

    target/release/retrogait analyze --coordinates tests/data/opensim/subject01_walk_IK.mot \
        --grf tests/data/opensim/subject01_walk_grf.mot \
        --external-loads tests/data/opensim/subject01_walk_grf.xml \
        --height 1.8 --mass 72.6 --reverse --out /tmp/measured
    python3 tools/validation/compare.py --measured /tmp/measured --snapshot-measured

    --measured DIR          use another `retrogait analyze --reverse` output folder (it must hold
                            as-recorded/ and reversed/, each with summary.json, cycles.csv,
                            events.json, frames.csv and analysis.json)
    --snapshot-measured     first copy those files into tools/validation/measured/

What it does
- Reads the simulation's gait-cycle curves (cycles.csv), summary and gait events.
- Reads the reference data in tools/validation/data/ and tests/data/opensim/ (see the
  LICENSE-NOTE.md in each):
  the OpenSim example subject01 treadmill walk (angles, inverse-dynamics moments, ground
  reaction forces, markers) and the LocoHub level-walking acceptance envelopes.
- Writes the figures docs/figures/*.png and rewrites every block of docs/validation.md that
  lies between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->`.
  Text outside those blocks is left as it is. A block name with no generator is an error.
- Prints the same tables to standard output.

Conventions (the simulation's, used for everything shown):
- Angles in degrees: hip flexion, knee flexion, ankle dorsiflexion positive.
- Net joint moments are internal moments per kg body mass, positive in the positive direction
  of the coordinate (hip flexor, knee flexor, ankle dorsiflexor positive). So a knee *extensor*
  moment is negative in the curves; tables report extensor peaks as positive magnitudes.
- Joint power = moment x angular velocity, per kg; positive = generation.
- Ground reaction force in body weights; the horizontal part is along the direction of travel
  (positive = propulsive) for either walking direction.
- A gait cycle runs from foot strike to the next foot strike of the same leg (0-100 %).

Only numpy, matplotlib and pyyaml are used (tools/validation/requirements.txt; without one of
them the script exits with status 1 and names it). The output is deterministic: no random
numbers, and PNG metadata that would change between runs is suppressed.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

MISSING_PACKAGE_HELP = (
    "install the validation tools' packages with `pip install -r "
    "tools/validation/requirements.txt` (on Debian: `apt-get install python3-numpy "
    "python3-matplotlib python3-yaml`)"
)

try:
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt
    import numpy as np
    import yaml
except ModuleNotFoundError as missing:  # a sentence instead of a traceback
    sys.exit(f"{Path(sys.argv[0]).name}: the Python package {missing.name!r} is missing; "
             f"{MISSING_PACKAGE_HELP}")

# numpy 2 renamed trapz to trapezoid; Debian 12's python3-numpy is 1.24.
trapezoid = getattr(np, "trapezoid", None) or np.trapz


def positive_negative_work(power, dt: float) -> tuple[float, float]:
    """Integrals of the positive and of the negative part of a power curve sampled every dt."""
    return (float(trapezoid(np.clip(power, 0, None), dx=dt)),
            float(trapezoid(np.clip(power, None, 0), dx=dt)))

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DATA = HERE / "data"
# subject01 IK/ID/GRF tables are shared with the .sto reader tests (one copy in the repo).
OPENSIM = REPO / "tests" / "data" / "opensim"
SIM_SNAPSHOT = HERE / "sim"
G = 9.80665  # standard gravity [m/s^2]
N = 101  # points per gait-cycle curve (0..100 %)
DPI = 85  # figure resolution; keeps the six PNGs to a few hundred kB
PCT = np.arange(N, dtype=float)

# Colours: simulation forward / backward, reference.
C_FW = "#1f77b4"
C_BW = "#d62728"
C_REF = "#333333"
C_ENV = "#2ca02c"

# --------------------------------------------------------------------------------------------
# Reference values that are not computed from data files. Each entry says where it comes from
# and how it was obtained: [R] read in the source (abstract or full text, as stated);
# [M] as commonly reported (secondary knowledge), not checked against the original here.
# --------------------------------------------------------------------------------------------

# Normative forward-walking values (adults, ~1.2-1.5 m/s, i.e. faster than the 1.0 m/s here).
NORMS = {
    "hip_ic": "25-30 [M] (Winter 2009)",
    "hip_ext": "-10 to -15 at ~50 % [M] (Winter 2009)",
    "hip_flex_sw": "~30 [M] (Winter 2009)",
    "knee_ic": "~5 [M] (Perry 1992; Winter 2009)",
    "knee_lr": "10-15 (peak 15-20 at ~15 %) [M] (Perry 1992)",
    "knee_min_st": "~5 near 40 % [M] (Perry 1992)",
    "knee_sw": "60-65 at ~72 % [M] (Perry 1992)",
    "ank_ic": "~0 [M] (Perry 1992)",
    "ank_df_st": "~10 at ~45 % [M] (Perry 1992)",
    "ank_pf_to": "-15 to -20 at ~62 % [M] (Perry 1992)",
    "hip_ext_mom": "0.5-1.0 early stance [M] (Winter 2009)",
    "hip_flex_mom": "0.6-1.0 at ~50 % [M] (Winter 2009)",
    "knee_ext_mom": "0.4-0.8 at 10-20 % [M] (Winter 2009)",
    "ank_pf_mom": "1.3-1.7 at 45-50 % [M] (Winter 2009)",
    "A2": "2.5-4.5 [M] (Winter 2009)",
    "K1": "-0.5 to -1.0 [M] (Winter 2009)",
    "vgrf1": "1.1-1.25 at 15-20 % [M] (Winter 2009)",
    "vgrf2": "1.1-1.25 at 45-50 % [M] (Winter 2009)",
    "brake": "0.15-0.25 [M]",
    "prop": "0.15-0.25 [M]",
    "tf1": "2.61 (mean peak, 5 implants) [R] (Kutzner et al. 2010)",
    "tf2": "2.61 (mean peak, 5 implants) [R] (Kutzner et al. 2010)",
    "pf": "0.5-1.8 [M] (commonly reported model estimates; no original checked)",
}

# In vivo tibiofemoral peak, level walking, mean of 5 subjects with instrumented implants:
# 261 %BW (Kutzner et al. 2010, J Biomech 43:2164, abstract [R]).
KUTZNER_TF_BW = 2.61
# Patellofemoral compression in level walking: commonly reported model estimates [M].
PF_BAND_BW = (0.5, 1.8)

# EMG on-periods of forward walking, % gait cycle from foot strike, as commonly reported after
# Perry (1992) and Winter & Yack (1987) [M]. Windows may wrap through 100 % -> 0 %.
EMG_WINDOWS = {
    "quadriceps": [(0, 15), (95, 100)],  # vasti: terminal swing to loading response
    "hamstrings": [(0, 10), (80, 100)],  # mid/terminal swing into loading response
    "gluteals": [(0, 25), (95, 100)],  # gluteus maximus: terminal swing to mid-stance
    "gastrocnemius": [(10, 50)],  # mid and terminal stance
    "soleus": [(7, 50)],  # mid and terminal stance
    "tibialis_anterior": [(0, 12), (55, 100)],  # pre-swing, swing, loading response
    "hip_flexors": [(50, 75)],  # iliacus: pre-swing and initial swing
}
EMG_GROUPS = list(EMG_WINDOWS)
ON_THRESHOLD = 0.2  # "on" = mean activation >= 20 % of that curve's maximum

# Gross metabolic power of walking, Ralston (1958) regression as commonly reported [M]:
# E = 29 + 0.0053 v^2 [cal/(kg min)], v in m/min. 1 cal = 4.184 J.
def ralston_gross_w_per_kg(v_mps: float) -> float:
    v = v_mps * 60.0
    return (29.0 + 0.0053 * v * v) * 4.184 / 60.0


BASAL_W_PER_KG = 1.2  # the simulation's basal rate (musculo::metabolics default, Umberger 2003)

# Share of individual-leg sagittal joint work over stance, level walking, 1.00-1.50 m/s
# (Montgomery & Grabowski 2018, R Soc Open Sci 5:180550, abstract [R]).
MG2018_POS = {"ankle": 0.42, "knee": 0.22, "hip": 0.33}  # hip: 0.33 at 0 deg
MG2018_NEG_1MPS = {"ankle": 0.41, "knee": 0.39, "hip": 0.21}  # at 1.00 m/s, all slopes


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------

def read_sto(path: Path) -> dict[str, np.ndarray]:
    """OpenSim .sto/.mot: header lines up to 'endheader', then a tab-separated table.

    Duplicate time rows (the IK file repeats t = 0) are dropped."""
    lines = path.read_text().splitlines()
    end = next(i for i, line in enumerate(lines) if line.strip().lower() == "endheader")
    names = lines[end + 1].split()
    rows = [list(map(float, line.split())) for line in lines[end + 2:] if line.strip()]
    arr = np.array(rows)
    _, keep = np.unique(arr[:, 0], return_index=True)
    arr = arr[np.sort(keep)]
    return {n: arr[:, i] for i, n in enumerate(names)}


def read_trc_marker(path: Path, marker: str) -> tuple[np.ndarray, np.ndarray]:
    """Time [s] and X/Y/Z [m] of one marker from a .trc file (units mm in this file)."""
    lines = path.read_text().splitlines()
    header = lines[3].split("\t")
    col = next(i for i, h in enumerate(header) if h.strip() == marker)
    rows = [line.split("\t") for line in lines[5:] if line.strip()]
    t = np.array([float(r[1]) for r in rows])
    xyz = np.array([[float(r[col + k]) for k in range(3)] for r in rows]) / 1000.0
    return t, xyz


def load_cycles(path: Path) -> dict[tuple[str, str], tuple[int, np.ndarray, np.ndarray]]:
    """cycles.csv -> {(variable, side): (strides, mean[101], sd[101])}."""
    acc: dict[tuple[str, str], dict] = {}
    with path.open() as f:
        for r in csv.DictReader(f):
            key = (r["variable"], r["side"])
            d = acc.setdefault(key, {"n": int(r["strides"]), "m": {}, "s": {}})
            p = int(round(float(r["percent_cycle"])))
            d["m"][p] = float(r["mean"])
            d["s"][p] = float(r["sd"])
    out = {}
    for key, d in acc.items():
        m = np.array([d["m"][p] for p in range(N)])
        s = np.array([d["s"][p] for p in range(N)])
        out[key] = (d["n"], m, s)
    return out


def pooled(cycles, var: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean and SD over all strides of both legs (each leg's cycles start at its own strike).

    SD combines the within-leg SDs and the difference between the legs' means."""
    nr, mr, sr = cycles[(var, "r")]
    nl, ml, sl = cycles[(var, "l")]
    n = nr + nl
    m = (nr * mr + nl * ml) / n
    var_ = ((nr - 1) * sr**2 + (nl - 1) * sl**2 + nr * (mr - m) ** 2 + nl * (ml - m) ** 2) / (n - 1)
    return m, np.sqrt(var_), n


class Run:
    """One simulation output folder (or its stored snapshot)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.summary = json.loads((folder / "summary.json").read_text())
        self.cycles = load_cycles(folder / "cycles.csv")
        self.events = json.loads((folder / "events.json").read_text())
        self.direction = self.summary["direction"]
        self.mass = None
        run_json = folder / "run.json"
        if run_json.exists():
            self.mass = json.loads(run_json.read_text()).get("subject_mass_kg")
        self.gait = gait_events(self.events, self.summary["analysis_start_s"])

    def curve(self, var):
        return pooled(self.cycles, var)

    def mean(self, var):
        return pooled(self.cycles, var)[0]


def gait_events(events: list[dict], start: float) -> dict:
    """Stride time, stance and double-support fractions and heel-strike share per stride.

    A stride of one leg: foot strike to its next foot strike, both after `start`. Stance ends at
    that leg's foot-off inside the stride; initial double support ends at the other leg's
    foot-off. Means over both legs."""
    ev = sorted((e for e in events if e["time_s"] >= start), key=lambda e: e["time_s"])
    stride, stance, dsup, heel = [], [], [], []
    for side, other in (("Right", "Left"), ("Left", "Right")):
        strikes = [e for e in ev if e["side"] == side and e["kind"] == "foot_strike"]
        offs = [e["time_s"] for e in ev if e["side"] == side and e["kind"] == "foot_off"]
        other_offs = [e["time_s"] for e in ev if e["side"] == other and e["kind"] == "foot_off"]
        for a, b in zip(strikes, strikes[1:]):
            ta, tb = a["time_s"], b["time_s"]
            fo = [t for t in offs if ta < t < tb]
            ofo = [t for t in other_offs if ta <= t < tb]
            if not fo:
                continue
            T = tb - ta
            stride.append(T)
            stance.append(100.0 * (fo[0] - ta) / T)
            if ofo and ofo[0] < fo[0]:
                dsup.append(100.0 * (ofo[0] - ta) / T)
            heel.append(1.0 if a.get("heel") else 0.0)
    return {
        "stride_s": float(np.mean(stride)),
        "stride_sd": float(np.std(stride, ddof=1)),
        "stance_pct": float(np.mean(stance)),
        "stance_sd": float(np.std(stance, ddof=1)),
        "ds_pct": float(np.mean(dsup)) if dsup else float("nan"),
        "heel_pct": 100.0 * float(np.mean(heel)),
        "n": len(stride),
    }


# --------------------------------------------------------------------------------------------
# Reference: OpenSim example subject01 (gait10dof18musc pipeline), treadmill walking
# --------------------------------------------------------------------------------------------

def normalise(t: np.ndarray, y: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """Linear interpolation of y(t) onto 101 points from t0 to t1."""
    return np.interp(np.linspace(t0, t1, N), t, y)


class Reference:
    """Gait-cycle curves of subject01 in the simulation's conventions (see module docstring).

    Gait events: a foot's vertical GRF above 20 N = contact. One full cycle per leg lies
    inside the 2.5 s trial (right and left), so the 'mean' below is the mean of 2 cycles of
    one person; the figures show both cycles."""

    THRESHOLD_N = 20.0

    def __init__(self):
        ik = read_sto(OPENSIM / "subject01_walk_IK.mot")
        idd = read_sto(OPENSIM / "subject01_walk_ID.sto")
        grf = read_sto(OPENSIM / "subject01_walk_grf.mot")
        t_ik = ik["time"]
        # The ID table is on the IK time base shifted by ~5e-7 s: put it on the IK times.
        idm = {k: np.interp(t_ik, idd["time"], v) for k, v in idd.items()}
        tg = grf["time"]
        # subject01_walk_grf.xml: 'ground_force_*' acts on calcn_r, '1_ground_force_*' on calcn_l.
        prefix = {"r": "ground_force_", "l": "1_ground_force_"}
        self.cycles = []  # list of dicts: side, t0, t1, fo (stance %), curves
        strikes_all = {}
        for side, pre in prefix.items():
            on = grf[pre + "vy"] > self.THRESHOLD_N
            edges = np.flatnonzero(np.diff(on.astype(int)))
            strikes = [tg[i + 1] for i in edges if on[i + 1]]
            offs = [tg[i + 1] for i in edges if not on[i + 1]]
            strikes_all[side] = strikes
            for t0, t1 in zip(strikes, strikes[1:]):
                fo = [t for t in offs if t0 < t < t1][0]
                self.cycles.append({"side": side, "t0": t0, "t1": t1, "fo": fo, "curves": {}})
        # Body weight: mean total vertical GRF over whole strides (periodic gait on a treadmill,
        # so vertical momentum returns to its start value and mean vGRF = m g).
        tot = grf["ground_force_vy"] + grf["1_ground_force_vy"]
        self.weight_n = float(np.mean([tot[(tg >= c["t0"]) & (tg < c["t1"])].mean() for c in self.cycles]))
        self.mass = self.weight_n / G
        self.model_mass = osim_total_mass(DATA / "gait10dof18musc.osim")
        # Joint power P = M * dq/dt on the time series (sign-invariant to the coordinate flips).
        for c in self.cycles:
            s = c["side"]
            q = {j: ik[f"{j}_{s}"] for j in ("hip_flexion", "knee_angle", "ankle_angle")}
            mom = {j: idm[f"{j}_{s}_moment"] for j in q}
            w = {j: np.gradient(np.radians(q[j]), t_ik) for j in q}
            sign = {"hip_flexion": 1.0, "knee_angle": -1.0, "ankle_angle": 1.0}  # -> our signs
            ours = {"hip_flexion": "hip_flexion", "knee_angle": "knee_flexion", "ankle_angle": "ankle_dorsiflexion"}
            for j in q:
                o = ours[j]
                c["curves"][f"{o}_deg"] = normalise(t_ik, sign[j] * q[j], c["t0"], c["t1"])
                c["curves"][f"{o}_moment_nm_per_kg"] = normalise(
                    t_ik, sign[j] * mom[j] / self.mass, c["t0"], c["t1"])
                c["curves"][f"{o}_power_w_per_kg"] = normalise(
                    t_ik, mom[j] * w[j] / self.mass, c["t0"], c["t1"])
            pre = prefix[s]
            # Subject walks towards +x (stance-foot markers move towards -x with the belt).
            c["curves"]["grf_vertical_bw"] = normalise(tg, grf[pre + "vy"] / self.weight_n, c["t0"], c["t1"])
            c["curves"]["grf_travel_bw"] = normalise(tg, grf[pre + "vx"] / self.weight_n, c["t0"], c["t1"])
            c["stance_pct"] = 100.0 * (c["fo"] - c["t0"]) / (c["t1"] - c["t0"])
            c["stride_s"] = c["t1"] - c["t0"]
        self.stride_s = float(np.mean([c["stride_s"] for c in self.cycles]))
        self.stance_pct = float(np.mean([c["stance_pct"] for c in self.cycles]))
        # Initial double support: from a strike to the other foot's off.
        ds = []
        for c in self.cycles:
            other = "l" if c["side"] == "r" else "r"
            on = grf[prefix[other] + "vy"] > self.THRESHOLD_N
            i0 = np.searchsorted(tg, c["t0"])
            j = i0
            while j < len(tg) and on[j]:
                j += 1
            ds.append(100.0 * (tg[j] - c["t0"]) / c["stride_s"])
        self.ds_pct = float(np.mean(ds))
        self.cadence = 120.0 / self.stride_s
        # Belt speed from the heel markers: median x velocity over the middle 60 % of stance.
        vs = []
        for c in self.cycles:
            t, xyz = read_trc_marker(DATA / "subject01_walk.trc", "R.Heel" if c["side"] == "r" else "L.Heel")
            vx = np.gradient(xyz[:, 0], t)
            a = c["t0"] + 0.2 * (c["fo"] - c["t0"])
            b = c["t0"] + 0.8 * (c["fo"] - c["t0"])
            vs.append(-float(np.median(vx[(t >= a) & (t <= b)])))
        self.speed = float(np.mean(vs))
        self.stride_m = self.speed * self.stride_s

    def mean(self, var: str) -> np.ndarray:
        return np.mean([c["curves"][var] for c in self.cycles], axis=0)

    def all(self, var: str) -> list[np.ndarray]:
        return [c["curves"][var] for c in self.cycles]


def osim_total_mass(path: Path) -> float:
    """Sum of the <mass> of every Body in an OpenSim model file."""
    root = ET.parse(path).getroot()
    return float(sum(float(b.find("mass").text) for b in root.iter("Body")))


# --------------------------------------------------------------------------------------------
# Peak values and timing
# --------------------------------------------------------------------------------------------

def window(a: float, b: float) -> np.ndarray:
    lo = max(0, int(math.floor(a)))
    hi = min(100, int(math.ceil(b)))
    return np.arange(lo, hi + 1)


# key, label, variable, operation, window(fo) -> (start %, end %), unit, scale
# Operations: 'at0' value at 0 %; 'max'/'min' in the window; 'negmin' = -min (extensor or
# plantarflexor magnitudes, braking); 'lr' = knee loading-response flexion (max over the first
# 40 % of stance minus the value at foot strike); 'rom' = max - min over the cycle.
PEAKS = [
    ("hip_ic", "Hip flexion at foot strike", "hip_flexion_deg", "at0", None, "deg"),
    ("hip_ext", "Hip peak extension (min. flexion)", "hip_flexion_deg", "min", lambda fo: (0, fo + 10), "deg"),
    ("hip_flex_sw", "Hip peak flexion, swing", "hip_flexion_deg", "max", lambda fo: (fo, 100), "deg"),
    ("hip_rom", "Hip range of motion", "hip_flexion_deg", "rom", None, "deg"),
    ("knee_ic", "Knee flexion at foot strike", "knee_flexion_deg", "at0", None, "deg"),
    ("knee_lr", "Knee flexion wave, loading response", "knee_flexion_deg", "lr", lambda fo: (0, 0.4 * fo), "deg"),
    ("knee_min_st", "Knee min. flexion, stance", "knee_flexion_deg", "min", lambda fo: (0.3 * fo, fo), "deg"),
    ("knee_sw", "Knee peak flexion, swing", "knee_flexion_deg", "max", lambda fo: (fo, 100), "deg"),
    ("knee_rom", "Knee range of motion", "knee_flexion_deg", "rom", None, "deg"),
    ("ank_ic", "Ankle dorsiflexion at foot strike", "ankle_dorsiflexion_deg", "at0", None, "deg"),
    ("ank_df_st", "Ankle peak dorsiflexion, stance", "ankle_dorsiflexion_deg", "max", lambda fo: (0, fo), "deg"),
    ("ank_pf_to", "Ankle min. dorsiflexion (peak plantarflexion) near toe-off", "ankle_dorsiflexion_deg", "min",
     lambda fo: (0.7 * fo, fo + 0.3 * (100 - fo)), "deg"),
    ("ank_rom", "Ankle range of motion", "ankle_dorsiflexion_deg", "rom", None, "deg"),
    ("hip_ext_mom", "Hip extensor moment peak", "hip_flexion_moment_nm_per_kg", "negmin",
     lambda fo: (0, 0.5 * fo), "N·m/kg"),
    ("hip_flex_mom", "Hip flexor moment peak", "hip_flexion_moment_nm_per_kg", "max",
     lambda fo: (0.5 * fo, fo + 5), "N·m/kg"),
    ("knee_ext_mom", "Knee extensor moment peak", "knee_flexion_moment_nm_per_kg", "negmin",
     lambda fo: (0, 0.5 * fo), "N·m/kg"),
    ("ank_pf_mom", "Ankle plantarflexor moment peak", "ankle_dorsiflexion_moment_nm_per_kg", "negmin",
     lambda fo: (0, fo + 5), "N·m/kg"),
    ("A2", "Ankle power generation peak (A2)", "ankle_dorsiflexion_power_w_per_kg", "max",
     lambda fo: (0.5 * fo, fo + 5), "W/kg"),
    ("K1", "Knee power absorption peak (K1)", "knee_flexion_power_w_per_kg", "min",
     lambda fo: (0, 0.4 * fo), "W/kg"),
    ("vgrf1", "Vertical GRF, first peak", "grf_vertical_bw", "max", lambda fo: (0, 0.5 * fo), "BW"),
    ("vgrf2", "Vertical GRF, second peak", "grf_vertical_bw", "max", lambda fo: (0.5 * fo, fo), "BW"),
    ("brake", "Braking GRF peak", "grf_travel_bw", "negmin", lambda fo: (0, 0.5 * fo), "BW"),
    ("prop", "Propulsive GRF peak", "grf_travel_bw", "max", lambda fo: (0.5 * fo, fo + 3), "BW"),
    ("tf1", "Knee TF contact force, 1st peak", "knee_tf_force_bw", "max", lambda fo: (0, 0.5 * fo), "BW"),
    ("tf2", "Knee TF contact force, 2nd peak", "knee_tf_force_bw", "max", lambda fo: (0.5 * fo, fo), "BW"),
    ("pf", "Knee PF contact force, peak", "knee_pf_force_bw", "max", lambda fo: (0, fo), "BW"),
]


def peak(curve: np.ndarray, op: str, win, fo: float) -> tuple[float, float | None]:
    """(value, phase %) of one peak definition on one mean curve."""
    if op == "at0":
        return float(curve[0]), 0.0
    if op == "rom":
        return float(curve.max() - curve.min()), None
    idx = window(*win(fo))
    seg = curve[idx]
    if op == "max":
        k = int(np.argmax(seg))
        return float(seg[k]), float(idx[k])
    if op == "min":
        k = int(np.argmin(seg))
        return float(seg[k]), float(idx[k])
    if op == "negmin":
        k = int(np.argmin(seg))
        return float(-seg[k]), float(idx[k])
    if op == "lr":
        k = int(np.argmax(seg))
        return float(seg[k] - curve[0]), float(idx[k])
    raise ValueError(op)


# --------------------------------------------------------------------------------------------
# LocoHub envelopes (level walking)
# --------------------------------------------------------------------------------------------

# LocoHub variable -> (our variable, factor from LocoHub units to ours). Both use internal
# moments with flexion/dorsiflexion positive, angles with flexion/dorsiflexion positive and
# foot at 90 deg to the shank = 0 (LocoHub docs/reference/biomechanical_standard.md). Only the
# units differ: rad -> deg for angles; moments are already N·m/kg.
LOCOHUB_MAP = {
    "hip_flexion_angle_ipsi_rad": ("hip_flexion_deg", 180.0 / math.pi, "deg"),
    "knee_flexion_angle_ipsi_rad": ("knee_flexion_deg", 180.0 / math.pi, "deg"),
    "ankle_dorsiflexion_angle_ipsi_rad": ("ankle_dorsiflexion_deg", 180.0 / math.pi, "deg"),
    "hip_flexion_moment_ipsi_Nm_kg": ("hip_flexion_moment_nm_per_kg", 1.0, "N·m/kg"),
    "knee_flexion_moment_ipsi_Nm_kg": ("knee_flexion_moment_nm_per_kg", 1.0, "N·m/kg"),
    "ankle_dorsiflexion_moment_ipsi_Nm_kg": ("ankle_dorsiflexion_moment_nm_per_kg", 1.0, "N·m/kg"),
}


def load_locohub() -> dict[str, list[tuple[int, float, float]]]:
    """{our variable: [(phase %, min, max) in our units]} for level walking, ipsilateral leg.

    The contralateral entries mirror the ipsilateral ones shifted by 50 % and add nothing."""
    doc = yaml.safe_load((DATA / "default_ranges_v3.yaml").read_text())
    phases = doc["tasks"]["level_walking"]["phases"]
    out: dict[str, list] = {}
    for lh, (ours, k, _unit) in LOCOHUB_MAP.items():
        pts = []
        for p in sorted(phases):
            r = phases[p].get(lh)
            if r is None:
                continue
            pts.append((int(p), r["min"] * k, r["max"] * k))
        out[ours] = pts
    return out


def envelope_check(curve: np.ndarray, pts) -> dict:
    """Share of envelope points with the curve inside [min, max]; largest excursion."""
    inside = 0
    worst = (0.0, None)
    for p, lo, hi in pts:
        v = curve[p]
        exc = v - hi if v > hi else (v - lo if v < lo else 0.0)
        if exc == 0.0:
            inside += 1
        if abs(exc) > abs(worst[0]):
            worst = (exc, p)
    return {"n": len(pts), "inside": inside, "worst": worst[0], "worst_at": worst[1]}


# --------------------------------------------------------------------------------------------
# Muscle activation timing
# --------------------------------------------------------------------------------------------

def in_windows(p: np.ndarray, wins) -> np.ndarray:
    m = np.zeros_like(p, dtype=bool)
    for a, b in wins:
        m |= (p >= a) & (p < b) if b < 100 else (p >= a)
    return m


def on_intervals(curve: np.ndarray, thr: float) -> list[tuple[int, int]]:
    """Intervals [a, b] (% cycle) where curve >= thr, over 0..99 (100 % = 0 %), merged
    through the 100/0 % seam."""
    on = curve[:100] >= thr
    out = []
    i = 0
    while i < 100:
        if on[i]:
            j = i
            while j + 1 < 100 and on[j + 1]:
                j += 1
            out.append([i, j])
            i = j + 1
        else:
            i += 1
    if len(out) > 1 and out[0][0] == 0 and out[-1][1] == 99:
        last = out.pop()
        out[0] = [last[0], out[0][1] + 100]
    return [tuple(x) for x in out]


def fmt_intervals(iv) -> str:
    parts = []
    for a, b in iv:
        parts.append(f"{a}-{b % 100 if b >= 100 else b}" + (" (wraps)" if b >= 100 else ""))
    return ", ".join(parts) if parts else "none"


def activation_timing(run: Run) -> list[dict]:
    rows = []
    p = np.arange(100)
    for g in EMG_GROUPS:
        m, _, _ = run.curve(f"{g}_activation")
        c = m[:100]
        wins = EMG_WINDOWS[g]
        mask = in_windows(p, wins)
        area_in = float(c[mask].sum() / c.sum()) if c.sum() > 0 else float("nan")
        thr = ON_THRESHOLD * float(c.max())
        rows.append({
            "group": g,
            "ref": ", ".join(f"{a}-{b}" for a, b in wins),
            "ref_share": float(mask.mean()),
            "on": fmt_intervals(on_intervals(c, thr)),
            "area_in": area_in,
            "peak": float(c.max()),
            "peak_at": int(np.argmax(c)),
        })
    return rows


# --------------------------------------------------------------------------------------------
# Backward vs forward: time reversal (Winter, Pluck & Yang 1989)
# --------------------------------------------------------------------------------------------

def reverse_aligned(bw: np.ndarray, shift: int) -> np.ndarray:
    """Time-reversed backward curve r(p) = b((shift - p) mod 100), on 0..100 %.

    Time reversal turns a backward stance (toe contact -> foot-off) into a forward-looking
    stance (foot-off -> contact). With shift = backward foot-off %, the reversed curve starts at
    the event that plays the role of the forward foot strike."""
    b = bw[:100]
    idx = (shift - np.arange(N)) % 100
    return b[idx]


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a[:100] - a[:100].mean()
    b = b[:100] - b[:100].mean()
    return float((a * b).sum() / math.sqrt((a * a).sum() * (b * b).sum()))


def reversal_table(fw: Run, bw: Run) -> list[dict]:
    shift_ev = int(round(bw.gait["stance_pct"]))
    rows = []
    for joint, base in (("hip", "hip_flexion"), ("knee", "knee_flexion"), ("ankle", "ankle_dorsiflexion")):
        for kind, var, sign in (("angle", f"{base}_deg", 1.0),
                                ("moment", f"{base}_moment_nm_per_kg", 1.0),
                                ("power", f"{base}_power_w_per_kg", -1.0)):
            f = fw.mean(var)
            b = bw.mean(var)
            r_ev = reverse_aligned(b, shift_ev)
            r_ev_s = sign * r_ev
            best = max(range(100), key=lambda s: pearson(f, sign * reverse_aligned(b, s)))
            rows.append({
                "joint": joint, "kind": kind, "sign": sign,
                "r_event": pearson(f, r_ev_s),
                "rms_event": float(np.sqrt(np.mean((f[:100] - r_ev_s[:100]) ** 2))),
                "best_shift": best,
                "r_best": pearson(f, sign * reverse_aligned(b, best)),
                "range_fw": float(f.max() - f.min()),
                "offset": float(np.mean(r_ev_s[:100]) - np.mean(f[:100])),
            })
    return rows


def stance_work(run: Run, var: str, stance_pct: float) -> tuple[float, float]:
    """Positive and negative work [J/kg] of a mean power curve over stance (0..foot-off)."""
    p = run.mean(var)
    dt = run.gait["stride_s"] / 100.0
    idx = window(0, stance_pct)
    return positive_negative_work(p[idx], dt)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

def save(fig, name: str, fig_dir: Path):
    fig_dir.mkdir(parents=True, exist_ok=True)
    fig.savefig(fig_dir / name, dpi=DPI, metadata={"Software": None}, pil_kwargs={"optimize": True})
    plt.close(fig)


def band(ax, m, s, color, label):
    ax.fill_between(PCT, m - s, m + s, color=color, alpha=0.25, lw=0)
    ax.plot(PCT, m, color=color, lw=1.6, label=label)


def ref_lines(ax, ref: Reference, var: str, label=True):
    for i, c in enumerate(ref.all(var)):
        ax.plot(PCT, c, color=C_REF, lw=0.8, ls="--",
                label=("subject01 (2 cycles)" if (label and i == 0) else None))


def envelope_bars(ax, pts, label=True):
    for i, (p, lo, hi) in enumerate(pts):
        ax.plot([p, p], [lo, hi], color=C_ENV, lw=3, alpha=0.6, solid_capstyle="butt",
                label=("LocoHub envelope" if (label and i == 0) else None))


def fo_line(ax, fo, color):
    ax.axvline(fo, color=color, lw=0.7, ls=":")


def style(ax, title, ylabel):
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_xlim(0, 100)
    ax.tick_params(labelsize=7)
    ax.axhline(0, color="#999999", lw=0.5)


def fig_fw_kinematics(fw: Run, ref: Reference, env, fig_dir):
    fig, axs = plt.subplots(1, 3, figsize=(9, 2.7), constrained_layout=True)
    for ax, (var, title) in zip(axs, [("hip_flexion_deg", "Hip flexion"),
                                      ("knee_flexion_deg", "Knee flexion"),
                                      ("ankle_dorsiflexion_deg", "Ankle dorsiflexion")]):
        m, s, _ = fw.curve(var)
        envelope_bars(ax, env[var], label=(ax is axs[0]))
        ref_lines(ax, ref, var, label=(ax is axs[0]))
        band(ax, m, s, C_FW, "simulation (mean ± SD)")
        fo_line(ax, fw.gait["stance_pct"], C_FW)
        fo_line(ax, ref.stance_pct, C_REF)
        style(ax, title, "deg")
        ax.set_xlabel("% gait cycle", fontsize=8)
    axs[0].legend(fontsize=6, loc="upper right")
    save(fig, "fw_kinematics.png", fig_dir)


def fig_fw_kinetics(fw: Run, ref: Reference, env, fig_dir):
    fig, axs = plt.subplots(2, 3, figsize=(9, 4.8), constrained_layout=True)
    joints = [("hip_flexion", "Hip"), ("knee_flexion", "Knee"), ("ankle_dorsiflexion", "Ankle")]
    for k, (base, name) in enumerate(joints):
        for row, (suffix, unit, what) in enumerate([("_moment_nm_per_kg", "N·m/kg", "moment (+ flexor/dorsiflexor)"),
                                                    ("_power_w_per_kg", "W/kg", "power (+ generation)")]):
            ax = axs[row, k]
            var = base + suffix
            m, s, _ = fw.curve(var)
            if var in env:
                envelope_bars(ax, env[var], label=(k == 0 and row == 0))
            ref_lines(ax, ref, var, label=(k == 0 and row == 0))
            band(ax, m, s, C_FW, "simulation (mean ± SD)")
            fo_line(ax, fw.gait["stance_pct"], C_FW)
            fo_line(ax, ref.stance_pct, C_REF)
            style(ax, f"{name} {what}", unit)
            if row == 1:
                ax.set_xlabel("% gait cycle", fontsize=8)
    axs[0, 0].legend(fontsize=6, loc="lower right")
    save(fig, "fw_kinetics.png", fig_dir)


def fig_fw_grf_knee(fw: Run, ref: Reference, fig_dir):
    fig, axs = plt.subplots(1, 4, figsize=(10, 2.6), constrained_layout=True)
    for ax, (var, title) in zip(axs[:2], [("grf_vertical_bw", "Vertical GRF"),
                                          ("grf_travel_bw", "GRF along travel (+ propulsive)")]):
        m, s, _ = fw.curve(var)
        ref_lines(ax, ref, var, label=(ax is axs[0]))
        band(ax, m, s, C_FW, "simulation (mean ± SD)")
        fo_line(ax, fw.gait["stance_pct"], C_FW)
        fo_line(ax, ref.stance_pct, C_REF)
        style(ax, title, "BW")
    m, s, _ = fw.curve("knee_tf_force_bw")
    band(axs[2], m, s, C_FW, "simulation")
    axs[2].axhline(KUTZNER_TF_BW, color=C_REF, ls="--", lw=0.9, label="in vivo mean peak")
    style(axs[2], "Knee tibiofemoral contact force", "BW")
    m, s, _ = fw.curve("knee_pf_force_bw")
    band(axs[3], m, s, C_FW, "simulation")
    axs[3].axhspan(*PF_BAND_BW, color=C_REF, alpha=0.12, lw=0, label="typical model estimates")
    style(axs[3], "Knee patellofemoral contact force", "BW")
    for ax in axs:
        ax.set_xlabel("% gait cycle", fontsize=8)
    axs[0].legend(fontsize=6, loc="upper right")
    axs[2].legend(fontsize=6, loc="upper right")
    axs[3].legend(fontsize=6, loc="upper right")
    save(fig, "fw_grf_knee.png", fig_dir)


def fig_fw_activation(fw: Run, fig_dir):
    fig, axs = plt.subplots(2, 4, figsize=(10, 4.2), constrained_layout=True)
    for ax, g in zip(axs.flat, EMG_GROUPS):
        for a, b in EMG_WINDOWS[g]:
            ax.axvspan(a, b, color=C_ENV, alpha=0.18, lw=0)
        m, s, _ = fw.curve(f"{g}_activation")
        band(ax, m, s, C_FW, "simulation")
        fo_line(ax, fw.gait["stance_pct"], C_FW)
        style(ax, g.replace("_", " "), "activation")
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("% gait cycle", fontsize=8)
    last = axs.flat[-1]
    last.axis("off")
    last.text(0.0, 0.5, "green: EMG on-periods of forward\nwalking as commonly reported\n"
              "(Perry 1992; Winter & Yack 1987)\nblue: simulated activation,\nmean ± SD, "
              "static optimisation\ndotted: simulated foot-off", fontsize=7, va="center")
    save(fig, "fw_activation.png", fig_dir)


def fig_bw_reversal(fw: Run, bw: Run, fig_dir):
    shift = int(round(bw.gait["stance_pct"]))
    fig, axs = plt.subplots(3, 3, figsize=(9, 6.6), constrained_layout=True)
    joints = [("hip_flexion", "Hip"), ("knee_flexion", "Knee"), ("ankle_dorsiflexion", "Ankle")]
    rows = [("_deg", "angle", "deg", 1.0), ("_moment_nm_per_kg", "moment", "N·m/kg", 1.0),
            ("_power_w_per_kg", "power (backward: sign flipped)", "W/kg", -1.0)]
    for k, (base, name) in enumerate(joints):
        for r, (suffix, what, unit, sign) in enumerate(rows):
            ax = axs[r, k]
            var = base + suffix
            m, s, _ = fw.curve(var)
            band(ax, m, s, C_FW, "forward")
            mb, sb, _ = bw.curve(var)
            rb = sign * reverse_aligned(mb, shift)
            rs = reverse_aligned(sb, shift)
            band(ax, rb, rs, C_BW, "backward, time-reversed")
            fo_line(ax, fw.gait["stance_pct"], C_FW)
            style(ax, f"{name} {what}", unit)
            if r == 2:
                ax.set_xlabel("% forward gait cycle", fontsize=8)
    axs[0, 0].legend(fontsize=6, loc="upper right")
    save(fig, "bw_reversal.png", fig_dir)


def fig_bw_knee(fw: Run, bw: Run, fig_dir):
    fig, axs = plt.subplots(1, 4, figsize=(10, 2.6), constrained_layout=True)
    for ax, (var, title, unit) in zip(axs, [
            ("knee_flexion_moment_nm_per_kg", "Knee moment (− = extensor)", "N·m/kg"),
            ("knee_flexion_power_w_per_kg", "Knee power (+ generation)", "W/kg"),
            ("knee_tf_force_bw", "Knee TF contact force", "BW"),
            ("knee_pf_force_bw", "Knee PF contact force", "BW")]):
        for run, col, lab in ((fw, C_FW, "forward"), (bw, C_BW, "backward")):
            m, s, _ = run.curve(var)
            band(ax, m, s, col, lab)
            fo_line(ax, run.gait["stance_pct"], col)
        style(ax, title, unit)
        ax.set_xlabel("% gait cycle (own foot strike)", fontsize=8)
    axs[0].legend(fontsize=6, loc="lower right")
    save(fig, "bw_knee.png", fig_dir)


# --------------------------------------------------------------------------------------------
# Tables (Markdown)
# --------------------------------------------------------------------------------------------

def md_table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def f(x, nd=2):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.{nd}f}"


def at(ph):
    return "" if ph is None else f" @{ph:.0f}"


def table_spatiotemporal(fw: Run, bw: Run, ref: Reference) -> str:
    sf, sb = fw.summary, bw.summary
    rows = [
        ["Belt speed / speed over belt [m/s]", f(sf["mean_speed_rel_belt_mps"]), f(sb["mean_speed_rel_belt_mps"]),
         f"{ref.speed:.2f} (heel-marker estimate)", "1.0-1.2 treadmill (UMich 2021 envelopes)"],
        ["Cadence [steps/min]", f(sf["cadence_steps_per_min"], 1), f(sb["cadence_steps_per_min"], 1),
         f(ref.cadence, 1), "100-120 [M] (Winter 2009); 108.6 preferred [R] (Umberger & Martin 2007)"],
        ["Stride time [s]", f"{fw.gait['stride_s']:.3f} ± {fw.gait['stride_sd']:.3f}",
         f"{bw.gait['stride_s']:.3f} ± {bw.gait['stride_sd']:.3f}", f"{ref.stride_s:.3f}", "–"],
        ["Stride length [m]", f(sf["stride_length_m"]), f(sb["stride_length_m"]), f(ref.stride_m),
         "1.3-1.5 at 1.3-1.4 m/s [M] (Winter 2009)"],
        ["Stance [% cycle]", f"{fw.gait['stance_pct']:.1f} ± {fw.gait['stance_sd']:.1f}",
         f"{bw.gait['stance_pct']:.1f} ± {bw.gait['stance_sd']:.1f}", f(ref.stance_pct, 1), "~60 [M] (Perry 1992)"],
        ["Initial double support [% cycle]", f(fw.gait["ds_pct"], 1), f(bw.gait["ds_pct"], 1), f(ref.ds_pct, 1),
         "~10 [M] (Perry 1992)"],
        ["Strikes landing on the heel [%]", f(fw.gait["heel_pct"], 0), f(bw.gait["heel_pct"], 0), "–",
         "forward: heel first [M]; backward: toe first [M]"],
        ["Strides analysed (both legs)", str(fw.gait["n"]), str(bw.gait["n"]), str(len(ref.cycles)), "–"],
    ]
    return md_table(["Measure", "Sim forward", "Sim backward", "subject01 (forward)", "Published forward value"], rows)


def table_peaks(fw: Run, ref: Reference) -> str:
    rows = []
    fo_s, fo_r = fw.gait["stance_pct"], ref.stance_pct
    for key, label, var, op, win, unit in PEAKS:
        m, s, _ = fw.curve(var)
        v, ph = peak(m, op, win, fo_s)
        sd = float(s[int(ph)]) if ph is not None else None
        sim = f"{v:.2f}" + (f" ± {sd:.2f}" if sd is not None and op not in ("lr",) else "") + at(ph)
        if var.startswith("knee_tf") or var.startswith("knee_pf"):
            refcell, diff = "–", "–"
            # Compare with the published in vivo / model value.
            if key in ("tf1", "tf2"):
                diff = f"× {v / KUTZNER_TF_BW:.1f} vs 2.61"
            elif key == "pf":
                diff = f"× {v / PF_BAND_BW[1]:.1f} vs 1.8"
        else:
            rv, rph = peak(ref.mean(var), op, win, fo_r)
            refcell = f"{rv:.2f}" + at(rph)
            ratio = f", × {v / rv:.1f}" if unit != "deg" and abs(rv) > 1e-6 else ""
            dph = f", {ph - rph:+.0f} %" if ph is not None and rph is not None and op != "at0" else ""
            diff = f"{v - rv:+.2f}{ratio}{dph}"
        rows.append([label, unit, sim, refcell, diff, NORMS.get(key, "–")])
    return md_table(["Quantity", "Unit", "Sim forward (mean ± SD @ %GC)", "subject01 (@ %GC)",
                     "Sim − subject01 (ratio, timing)", "Published value"], rows)


def table_locohub(fw: Run, ref: Reference, env) -> str:
    rows = []
    for lh, (ours, _k, unit) in LOCOHUB_MAP.items():
        pts = env[ours]
        cs = envelope_check(fw.mean(ours), pts)
        cr = envelope_check(ref.mean(ours), pts)
        worst = "–" if cs["worst_at"] is None else f"{cs['worst']:+.3f} {unit} @{cs['worst_at']} %"
        width = float(np.median([hi - lo for _, lo, hi in pts]))
        rows.append([ours, ", ".join(str(p) for p, _, _ in pts), f"{width:.2f} {unit}",
                     f"{cs['inside']}/{cs['n']}", worst, f"{cr['inside']}/{cr['n']}"])
    return md_table(["Variable (ours)", "Envelope phases [%]", "Median envelope width",
                     "Sim forward inside", "Sim largest excursion", "subject01 inside (check)"], rows)


def table_emg(fw: Run, bw: Run) -> str:
    rows = []
    for a, b in zip(activation_timing(fw), activation_timing(bw)):
        rows.append([a["group"].replace("_", " "), a["ref"], f"{100 * a['ref_share']:.0f}",
                     a["on"], f"{100 * a['area_in']:.0f}", f"{a['peak']:.2f} @{a['peak_at']}",
                     b["on"], f"{b['peak']:.2f} @{b['peak_at']}"])
    return md_table(["Group", "EMG on, forward [%GC] [M]", "Window share of cycle [%]",
                     "Sim forward on [%GC]", "Sim forward activation inside window [%]",
                     "Sim forward peak @%GC", "Sim backward on [%GC]", "Sim backward peak @%GC"], rows)


def table_energetics(fw: Run, bw: Run) -> str:
    sf, sb = fw.summary, bw.summary
    v = sf["mean_speed_rel_belt_mps"]
    gross_ref = ralston_gross_w_per_kg(1.0)
    rows = [
        ["Metabolic power, gross (incl. 1.2 W/kg basal) [W/kg]", f(sf["metabolic_power_w_per_kg"]),
         f(sb["metabolic_power_w_per_kg"]), f"{gross_ref:.2f} at 1.0 m/s [M] (Ralston 1958 equation)",
         f"× {sf['metabolic_power_w_per_kg'] / gross_ref:.1f}"],
        ["Metabolic power, net of basal [W/kg]", f(sf["metabolic_power_w_per_kg"] - BASAL_W_PER_KG),
         f(sb["metabolic_power_w_per_kg"] - BASAL_W_PER_KG),
         f"{gross_ref - BASAL_W_PER_KG:.2f} (same equation minus 1.2 W/kg) [M]",
         f"× {(sf['metabolic_power_w_per_kg'] - BASAL_W_PER_KG) / (gross_ref - BASAL_W_PER_KG):.1f}"],
        ["Cost of transport, gross [J/(kg·m)]", f(sf["cost_of_transport"]), f(sb["cost_of_transport"]),
         f"{gross_ref / 1.0:.2f} at 1.0 m/s [M] (Ralston 1958 equation)",
         f"× {sf['cost_of_transport'] / gross_ref:.1f}"],
        ["Backward / forward metabolic power", "–",
         f"{sb['metabolic_power_w_per_kg'] / sf['metabolic_power_w_per_kg']:.3f}",
         "> 1 (significantly higher VO2 backward at 1.79 m/s) [R] (Flynn et al. 1994)", "–"],
        ["Peak vertical GRF, any frame [BW]", f(sf["peak_vertical_grf_bw"]), f(sb["peak_vertical_grf_bw"]),
         "1.1-1.25 [M] (Winter 2009)", f"× {sf['peak_vertical_grf_bw'] / 1.2:.1f} vs 1.2"],
        ["Peak knee TF force, any frame [BW]", f(sf["peak_knee_tf_force_bw"]), f(sb["peak_knee_tf_force_bw"]),
         "2.61 (mean peak) [R] (Kutzner et al. 2010)", f"× {sf['peak_knee_tf_force_bw'] / KUTZNER_TF_BW:.1f}"],
        ["Peak knee PF force, any frame [BW]", f(sf["peak_knee_pf_force_bw"]), f(sb["peak_knee_pf_force_bw"]),
         "0.5-1.8 [M]", f"× {sf['peak_knee_pf_force_bw'] / PF_BAND_BW[1]:.1f} vs 1.8"],
        ["Peak knee extensor moment, any frame [N·m/kg]", f(sf["peak_knee_ext_moment_nm_per_kg"]),
         f(sb["peak_knee_ext_moment_nm_per_kg"]), "0.4-0.8 [M] (Winter 2009)",
         f"× {sf['peak_knee_ext_moment_nm_per_kg'] / 0.8:.1f} vs 0.8"],
        ["Reserve torque RMS [N·m]", f(sf["reserve_rms_nm"]), f(sb["reserve_rms_nm"]), "–", "–"],
    ]
    _ = v
    return md_table(["Summary field", "Sim forward", "Sim backward", "Published value", "Sim fwd / published"], rows)


def ref_stance_work(ref: Reference, var: str) -> tuple[float, float]:
    """Stance-phase positive / negative work [J/kg] of subject01's mean power curve."""
    p = ref.mean(var)
    dt = ref.stride_s / 100.0
    return positive_negative_work(p[window(0, ref.stance_pct)], dt)


def table_work(fw: Run, bw: Run, ref: Reference) -> str:
    """Joint work per stride (summary, whole stride) and stance-only shares (mean curves).

    Montgomery & Grabowski (2018) report shares of the summed hip+knee+ankle work over stance,
    so the like-for-like column integrates the simulation's mean power curves over stance."""
    joints = ("ankle", "knee", "hip")
    var = {"ankle": "ankle_dorsiflexion_power_w_per_kg", "knee": "knee_flexion_power_w_per_kg",
           "hip": "hip_flexion_power_w_per_kg"}
    rows = []
    for run, name in ((fw, "forward"), (bw, "backward"), (ref, "subject01")):
        if isinstance(run, Run):
            j = run.summary["joints"]
            pos = {k: j[k]["positive_work_j_per_kg_stride"] for k in joints}
            neg = {k: j[k]["negative_work_j_per_kg_stride"] for k in joints}
            st = {k: stance_work(run, var[k], run.gait["stance_pct"]) for k in joints}
        else:
            pos = neg = None
            st = {k: ref_stance_work(ref, var[k]) for k in joints}
        sp = sum(v[0] for v in st.values())
        sn = sum(v[1] for v in st.values())
        for k in joints:
            rows.append([name, k,
                         f(pos[k], 3) if pos else "–", f(neg[k], 3) if neg else "–",
                         f(st[k][0], 3), f(st[k][1], 3),
                         f"{st[k][0] / sp:.2f}", f"{MG2018_POS[k]:.2f}",
                         f"{st[k][1] / sn:.2f}", f"{MG2018_NEG_1MPS[k]:.2f}"])
    return md_table(["Data", "Joint", "Positive work, stride [J/kg]", "Negative work, stride [J/kg]",
                     "Positive work, stance [J/kg]", "Negative work, stance [J/kg]",
                     "Share of stance positive", "Published share [R]",
                     "Share of stance negative", "Published share, 1.0 m/s [R]"], rows)


def table_muscle_work(fw: Run, bw: Run) -> str:
    rows = []
    groups = sorted(fw.summary["muscles"])
    mass = fw.mass or 70.0
    tot = {"forward": [0.0, 0.0], "backward": [0.0, 0.0]}
    for g in groups:
        a = fw.summary["muscles"][g]
        b = bw.summary["muscles"][g]
        tot["forward"][0] += a["concentric_work_j_per_stride"]
        tot["forward"][1] += a["eccentric_work_j_per_stride"]
        tot["backward"][0] += b["concentric_work_j_per_stride"]
        tot["backward"][1] += b["eccentric_work_j_per_stride"]
        rows.append([g.replace("_", " "), f(a["concentric_work_j_per_stride"], 1), f(a["eccentric_work_j_per_stride"], 1),
                     f(b["concentric_work_j_per_stride"], 1), f(b["eccentric_work_j_per_stride"], 1),
                     f(a["mean_activation"], 3), f(b["mean_activation"], 3)])
    rows.append(["**all groups**", f(tot["forward"][0], 1), f(tot["forward"][1], 1),
                 f(tot["backward"][0], 1), f(tot["backward"][1], 1), "", ""])
    rows.append(["all groups per kg [J/kg]", f(tot["forward"][0] / mass, 3), f(tot["forward"][1] / mass, 3),
                 f(tot["backward"][0] / mass, 3), f(tot["backward"][1] / mass, 3), "", ""])
    return md_table(["Group (one leg)", "Fwd concentric [J/stride]", "Fwd eccentric [J/stride]",
                     "Bwd concentric [J/stride]", "Bwd eccentric [J/stride]",
                     "Fwd mean activation", "Bwd mean activation"], rows)


def table_reversal(fw: Run, bw: Run) -> str:
    rows = []
    for r in reversal_table(fw, bw):
        what = r["kind"] + (" (backward sign flipped)" if r["sign"] < 0 else "")
        rows.append([r["joint"], what, f"{r['r_event']:.2f}", f"{r['rms_event']:.2f}", f"{r['offset']:+.2f}",
                     f"{r['range_fw']:.2f}", f"{r['r_best']:.2f} (shift {r['best_shift']} %)"])
    winter = {"angle": "similar except the ankle", "moment": "similar except the knee",
              "power": "almost reversed-polarity images"}
    body = md_table(["Joint", "Quantity", "r, event-aligned", "RMS difference, event-aligned",
                     "Mean offset (backward − forward)", "Forward range (max − min)",
                     "Best r (alignment shift)"], rows)
    body += "\n\nWinter, Pluck & Yang (1989), abstract [R], time-reversed backward vs forward: angles "
    body += f"{winter['angle']}; moments {winter['moment']}; powers {winter['power']}."
    return body


def table_bw_knee(fw: Run, bw: Run) -> str:
    rows = []
    vals = {}
    for run, name in ((fw, "forward"), (bw, "backward")):
        fo = run.gait["stance_pct"]
        m = run.mean("knee_flexion_moment_nm_per_kg")
        ext, ext_at = peak(m, "negmin", lambda x: (0, x), fo)
        tf, tf_at = peak(run.mean("knee_tf_force_bw"), "max", lambda x: (0, x), fo)
        pf, pf_at = peak(run.mean("knee_pf_force_bw"), "max", lambda x: (0, x), fo)
        pos, neg = stance_work(run, "knee_flexion_power_w_per_kg", fo)
        kflex = run.mean("knee_flexion_deg")
        vals[name] = (ext, tf, pf, pos, neg)
        rows.append([name, f"{ext:.2f} @{ext_at:.0f}", f"{tf:.2f} @{tf_at:.0f}", f"{pf:.2f} @{pf_at:.0f}",
                     f"{pos:.3f}", f"{neg:.3f}", f"{kflex[0]:.1f}",
                     f(run.summary["peak_knee_tf_force_bw"]), f(run.summary["peak_knee_pf_force_bw"])])
    b, a = vals["backward"], vals["forward"]
    rows.append(["backward / forward", f"{b[0] / a[0]:.2f}", f"{b[1] / a[1]:.2f}", f"{b[2] / a[2]:.2f}",
                 f"{b[3] / a[3]:.2f}" if a[3] else "–", f"{b[4] / a[4]:.2f}" if a[4] else "–", "",
                 f"{bw.summary['peak_knee_tf_force_bw'] / fw.summary['peak_knee_tf_force_bw']:.2f}",
                 f"{bw.summary['peak_knee_pf_force_bw'] / fw.summary['peak_knee_pf_force_bw']:.2f}"])
    return md_table(["Sim", "Knee extensor moment peak, stance [N·m/kg @%GC]", "TF peak, stance, mean curve [BW]",
                     "PF peak, stance, mean curve [BW]", "Knee positive work, stance [J/kg]",
                     "Knee negative work, stance [J/kg]", "Knee flexion at strike [deg]",
                     "TF peak, any frame [BW]", "PF peak, any frame [BW]"], rows)


def table_reserve(fw: Run, bw: Run) -> str:
    """Reserve torque RMS per coordinate as a share of that coordinate's peak net moment.

    The issue's criterion: below 5 % at every joint for the default trials."""
    rows = []
    for coord in sorted(fw.summary["reserve_rms_by_coordinate_nm"]):
        cells = [coord.replace("_", " ")]
        for run in (fw, bw):
            r = run.summary["reserve_rms_by_coordinate_nm"][coord]
            pk = run.summary["peak_net_moment_by_coordinate_nm"][coord]
            cells += [f(r, 2), f(pk, 1), f"{100.0 * r / pk:.2f}"]
        rows.append(cells)
    return md_table(["Coordinate", "Fwd reserve RMS [N·m]", "Fwd peak net moment [N·m]", "Fwd share [%]",
                     "Bwd reserve RMS [N·m]", "Bwd peak net moment [N·m]", "Bwd share [%]"], rows)


def table_headline(fw: Run, bw: Run, ref: Reference, env) -> str:
    sf, sb = fw.summary, bw.summary
    inside = sum(envelope_check(fw.mean(v), env[v])["inside"] for v in env)
    total = sum(len(env[v]) for v in env)
    rev = {(r["joint"], r["kind"]): r for r in reversal_table(fw, bw)}
    fo = fw.gait["stance_pct"]
    kext, _ = peak(fw.mean("knee_flexion_moment_nm_per_kg"), "negmin", lambda x: (0, 0.5 * x), fo)
    kext_ref, _ = peak(ref.mean("knee_flexion_moment_nm_per_kg"), "negmin", lambda x: (0, 0.5 * x), ref.stance_pct)
    apf, _ = peak(fw.mean("ankle_dorsiflexion_moment_nm_per_kg"), "negmin", lambda x: (0, x + 5), fo)
    apf_ref, _ = peak(ref.mean("ankle_dorsiflexion_moment_nm_per_kg"), "negmin", lambda x: (0, x + 5), ref.stance_pct)
    a2, _ = peak(fw.mean("ankle_dorsiflexion_power_w_per_kg"), "max", lambda x: (0.5 * x, x + 5), fo)
    a2_ref, _ = peak(ref.mean("ankle_dorsiflexion_power_w_per_kg"), "max", lambda x: (0.5 * x, x + 5), ref.stance_pct)
    tfm, _ = peak(fw.mean("knee_tf_force_bw"), "max", lambda x: (0, x), fo)
    lines = [
        f"- Cadence {sf['cadence_steps_per_min']:.0f} steps/min forward and {sb['cadence_steps_per_min']:.0f} "
        f"backward; subject01 {ref.cadence:.0f} steps/min at {ref.speed:.1f} m/s. "
        f"Stride {sf['stride_length_m']:.2f} m vs {ref.stride_m:.2f} m.",
        f"- Stance {fw.gait['stance_pct']:.0f} % of the cycle (subject01 {ref.stance_pct:.0f} %); "
        f"initial double support {fw.gait['ds_pct']:.1f} % (subject01 {ref.ds_pct:.1f} %).",
        f"- LocoHub level-walking envelopes: {inside}/{total} phase points inside "
        f"(subject01: {sum(envelope_check(ref.mean(v), env[v])['inside'] for v in env)}/{total}).",
        f"- Knee extensor moment peak (mean curve) {kext:.2f} N·m/kg vs {kext_ref:.2f} (subject01); "
        f"ankle plantarflexor peak {apf:.2f} vs {apf_ref:.2f}; ankle push-off power A2 "
        f"{a2:.2f} vs {a2_ref:.2f} W/kg.",
        f"- Knee TF contact force, mean-curve peak {tfm:.1f} BW, any-frame peak "
        f"{sf['peak_knee_tf_force_bw']:.1f} BW, vs 2.61 BW in vivo. Peak vGRF in any frame "
        f"{sf['peak_vertical_grf_bw']:.1f} BW.",
        f"- Metabolic power {sf['metabolic_power_w_per_kg']:.1f} W/kg gross "
        f"(~{ralston_gross_w_per_kg(1.0):.1f} W/kg expected at 1.0 m/s [M]).",
        f"- Backward vs time-reversed forward angles: r = {rev[('hip', 'angle')]['r_event']:.2f} (hip), "
        f"{rev[('knee', 'angle')]['r_event']:.2f} (knee), {rev[('ankle', 'angle')]['r_event']:.2f} (ankle).",
    ]
    return "\n".join(lines)


def table_reference_notes(ref: Reference) -> str:
    return "\n".join([
        f"- subject01 cycles: {len(ref.cycles)} (one right, one left), "
        f"stride {ref.stride_s:.3f} s, belt speed {ref.speed:.2f} m/s from the heel markers.",
        f"- Body weight from the mean vertical GRF over whole strides: {ref.weight_n:.1f} N, "
        f"i.e. {ref.mass:.1f} kg. The generic gait10dof18musc model sums to {ref.model_mass:.2f} kg "
        f"({100 * (ref.model_mass / ref.mass - 1):+.1f} %). Moments and powers are divided by "
        f"{ref.mass:.1f} kg; GRF by {ref.weight_n:.1f} N.",
    ])


# --------------------------------------------------------------------------------------------
# Measured walking: subject01 through our inverse dynamics and muscle model (`retrogait analyze`)
# --------------------------------------------------------------------------------------------

MEASURED_SNAPSHOT = HERE / "measured"
MEASURED_FILES = ("summary.json", "cycles.csv", "events.json", "frames.csv", "analysis.json")
MEASURED_RUNS = ("as-recorded", "reversed")
# Our coordinate -> (OpenSim ID column stem, sign that turns OpenSim's moment into ours).
ID_COORDS = [("hip_flexion", "hip_flexion", 1.0), ("knee_flexion", "knee_angle", -1.0),
             ("ankle_dorsiflexion", "ankle_angle", 1.0)]
ID_R_MIN = 0.95  # criterion: Pearson r >= 0.95
ID_RMS_MAX = 0.15  # criterion: RMS difference <= 0.15 N·m/kg
# Muscles of each group in assets/models/adult.ron (group activation curve = mean of members,
# as gait::measures writes cycles.csv).
MUSCLE_GROUPS = {
    "hip_flexors": ["iliopsoas"], "gluteals": ["glut_max"], "hamstrings": ["hamstrings", "bifemsh"],
    "quadriceps": ["rect_fem", "vasti"], "gastrocnemius": ["gastroc"], "soleus": ["soleus"],
    "tibialis_anterior": ["tib_ant"], "hip_abductors": ["hip_abductors"], "hip_adductors": ["hip_adductors"],
}
KNEE_MUSCLES = ["hamstrings", "bifemsh", "rect_fem", "vasti", "gastroc"]


def read_frames(path: Path) -> dict[str, np.ndarray]:
    """frames.csv -> {column: float array}; non-numeric cells become NaN."""
    with path.open() as fh:
        rows = list(csv.reader(fh))
    head, body = rows[0], rows[1:]
    out = {}
    for i, name in enumerate(head):
        vals = []
        for r in body:
            try:
                vals.append(float(r[i]))
            except ValueError:
                vals.append(float("nan"))
        out[name] = np.array(vals)
    return out


class MeasuredRun:
    """One folder of `retrogait analyze` output (as-recorded or reversed)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.summary = json.loads((folder / "summary.json").read_text())
        self.cycles = load_cycles(folder / "cycles.csv")
        self.events = json.loads((folder / "events.json").read_text())
        self.analysis = json.loads((folder / "analysis.json").read_text())
        self.frames = read_frames(folder / "frames.csv")
        self.mass = float(self.analysis["subject_mass_kg"])
        self.weight_n = self.mass * G
        self.t = self.frames["time_s"]
        # Complete strides only (a strike at the first frame, which `analyze` no longer
        # records for a foot already down, would not start a complete stride).
        t_first = float(self.t[0])
        self.strides = []  # (side, t0, t1, foot-off)
        for side, tag in (("Right", "r"), ("Left", "l")):
            st = sorted(e["time_s"] for e in self.events
                        if e["side"] == side and e["kind"] == "foot_strike" and e["time_s"] > t_first + 1e-6)
            offs = [e["time_s"] for e in self.events if e["side"] == side and e["kind"] == "foot_off"]
            for t0, t1 in zip(st, st[1:]):
                fo = [x for x in offs if t0 < x < t1]
                self.strides.append((tag, t0, t1, fo[0] if fo else float("nan")))
        self.stance_pct = float(np.mean([100 * (fo - t0) / (t1 - t0) for _, t0, t1, fo in self.strides]))

    def leg_series(self, var: str, side: str) -> np.ndarray:
        """A cycles.csv-style variable computed per frame for one leg (only what is needed here)."""
        if var.endswith("_activation"):
            g = var[: -len("_activation")]
            return np.mean([self.frames[f"activation_{m}_{side}"] for m in MUSCLE_GROUPS[g]], axis=0)
        raise KeyError(var)

    def curve(self, var: str):
        """Mean and SD over the complete strides of both legs (101 points), from frames.csv."""
        cs = [normalise(self.t, self.leg_series(var, s), t0, t1) for s, t0, t1, _ in self.strides]
        return np.mean(cs, axis=0), np.std(cs, axis=0, ddof=1 if len(cs) > 1 else 0), len(cs)


class CyclesRun:
    """Adapter: activation_timing() on a measured run's cycles.csv exactly as written."""

    def __init__(self, mr: MeasuredRun):
        self.cycles = mr.cycles

    def curve(self, var):
        return pooled(self.cycles, var)


def load_measured(folder: Path) -> dict[str, MeasuredRun]:
    return {name: MeasuredRun(folder / name) for name in MEASURED_RUNS}


def id_comparison(mr: MeasuredRun) -> list[dict]:
    """Our inverse-dynamics moments vs OpenSim's subject01_walk_ID.sto on our frame times."""
    idd = read_sto(OPENSIM / "subject01_walk_ID.sto")
    t = mr.t
    rows = []
    for side in ("r", "l"):
        for ours, stem, sign in ID_COORDS:
            a = mr.frames[f"moment_{ours}_{side}_nm"] / mr.mass
            b = sign * np.interp(t, idd["time"], idd[f"{stem}_{side}_moment"]) / mr.mass
            r = float(np.corrcoef(a, b)[0, 1])
            rms = float(np.sqrt(np.mean((a - b) ** 2)))
            rows.append({"coord": f"{ours}_{side}", "ours": a, "osim": b, "r": r, "rms": rms,
                         "pass": r >= ID_R_MIN and rms <= ID_RMS_MAX})
    return rows


def table_measured_id(mr: MeasuredRun) -> str:
    rows = []
    for d in id_comparison(mr):
        a, b = d["ours"], d["osim"]
        rows.append([d["coord"].replace("_", " "), f"{d['r']:.3f}", f"{d['rms']:.3f}",
                     f"{a.max():+.2f} / {b.max():+.2f}", f"{a.min():+.2f} / {b.min():+.2f}",
                     "pass" if d["pass"] else "**fail**"])
    t = mr.t
    body = md_table(["Coordinate (ours; + = flexor/dorsiflexor)", "Pearson r", "RMS difference [N·m/kg]",
                     "Max, ours / OpenSim [N·m/kg]", "Min, ours / OpenSim [N·m/kg]",
                     f"r ≥ {ID_R_MIN} and RMS ≤ {ID_RMS_MAX}"], rows)
    body += (f"\n\n{len(t)} frames, {t[0]:.2f}-{t[-1]:.2f} s; moments divided by "
             f"{mr.mass:.1f} kg; OpenSim's knee_angle moment sign-flipped (our knee flexion = "
             f"− knee_angle).")
    return body


def table_measured_emg(mr: MeasuredRun, fw: Run) -> str:
    ours = activation_timing(mr)
    raw = activation_timing(CyclesRun(mr))
    walker = activation_timing(fw)
    rows = []
    for a, c, w in zip(ours, raw, walker):
        rows.append([a["group"].replace("_", " "), a["ref"], a["on"], f"{100 * a['area_in']:.0f}",
                     f"{a['peak']:.2f} @{a['peak_at']}", f"{100 * c['area_in']:.0f}",
                     w["on"], f"{100 * w['area_in']:.0f}", f"{100 * a['ref_share']:.0f}"])
    body = md_table(["Group", "EMG on, forward [%GC] [M]", "Measured gait on [%GC]",
                     "Measured gait activation inside window [%]", "Measured gait peak @%GC",
                     "Same, cycles.csv as written [%]", "Walker forward on [%GC]",
                     "Walker forward inside window [%]", "Window share of cycle [%]"], rows)
    n = {s: sum(1 for x in mr.strides if x[0] == s) for s in ("r", "l")}
    body += (f"\n\nMeasured gait: {n['r']} right + {n['l']} left complete strides from frames.csv "
             f"(stance {mr.stance_pct:.0f} % of the cycle); 'on' = mean activation ≥ "
             f"{100 * ON_THRESHOLD:.0f} % of the curve's maximum. cycles.csv as written pools "
             f"{mr.summary['strides_per_leg']} strides per leg (right, left).")
    return body


def peak_frame_loads(mr: MeasuredRun, side: str) -> dict:
    tf = mr.frames[f"knee_tf_{side}_n"]
    i = int(np.nanargmax(tf))
    return {
        "i": i, "t": float(mr.t[i]), "tf": float(tf[i] / mr.weight_n),
        "pf": float(np.nanmax(mr.frames[f"knee_pf_{side}_n"]) / mr.weight_n),
        "pf_at_tf": float(mr.frames[f"knee_pf_{side}_n"][i] / mr.weight_n),
        "knee_deg": float(np.degrees(mr.frames[f"q_knee_flexion_{side}_rad"][i])),
        "knee_mom": float(mr.frames[f"moment_knee_flexion_{side}_nm"][i] / mr.mass),
        "ankle_mom": float(mr.frames[f"moment_ankle_dorsiflexion_{side}_nm"][i] / mr.mass),
        "vgrf": float(mr.frames[f"grf_{side}_y_n"][i] / mr.weight_n),
        "force": {m: float(mr.frames[f"force_{m}_{side}_n"][i] / mr.weight_n) for m in KNEE_MUSCLES},
        "act": {m: float(mr.frames[f"activation_{m}_{side}"][i]) for m in KNEE_MUSCLES + ["soleus"]},
    }


def stance_phase(mr: MeasuredRun, side: str, t: float) -> str:
    for s, t0, t1, fo in mr.strides:
        if s == side and t0 <= t < t1:
            return f"{100 * (t - t0) / (t1 - t0):.0f} %GC (foot-off {100 * (fo - t0) / (t1 - t0):.0f} %)"
    return "outside the complete strides"


def table_measured_knee(mr: MeasuredRun, fw: Run) -> str:
    s = mr.summary
    sf = fw.summary
    pk = {side: peak_frame_loads(mr, side) for side in ("r", "l")}
    tfm, _ = peak(fw.mean("knee_tf_force_bw"), "max", lambda x: (0, x), fw.gait["stance_pct"])
    pfm, _ = peak(fw.mean("knee_pf_force_bw"), "max", lambda x: (0, x), fw.gait["stance_pct"])
    rows = [
        ["Knee TF peak, any frame [BW]", f(s["peak_knee_tf_force_bw"]),
         f"{pk['r']['tf']:.2f} / {pk['l']['tf']:.2f}", f(sf["peak_knee_tf_force_bw"]) + f" (mean curve {tfm:.2f})",
         f"{KUTZNER_TF_BW:.2f} [R] (Kutzner et al. 2010, mean peak)",
         f"× {s['peak_knee_tf_force_bw'] / KUTZNER_TF_BW:.1f} / × {sf['peak_knee_tf_force_bw'] / KUTZNER_TF_BW:.1f}"],
        ["Knee PF peak, any frame [BW]", f(s["peak_knee_pf_force_bw"]),
         f"{pk['r']['pf']:.2f} / {pk['l']['pf']:.2f}", f(sf["peak_knee_pf_force_bw"]) + f" (mean curve {pfm:.2f})",
         f"{PF_BAND_BW[0]}-{PF_BAND_BW[1]} [M]",
         f"× {s['peak_knee_pf_force_bw'] / PF_BAND_BW[1]:.1f} / × {sf['peak_knee_pf_force_bw'] / PF_BAND_BW[1]:.1f} vs 1.8"],
        ["Peak knee extensor moment [N·m/kg]", f(s["peak_knee_ext_moment_nm_per_kg"]), "", f(sf["peak_knee_ext_moment_nm_per_kg"]),
         "0.4-0.8 [M] (Winter 2009)", ""],
        ["Peak vertical GRF [BW]", f(s["peak_vertical_grf_bw"]), "", f(sf["peak_vertical_grf_bw"]), "1.1-1.25 [M]", ""],
    ]
    body = md_table(["Quantity", "Measured gait (summary)", "Measured gait right / left (frames)",
                     "Walker forward (summary)", "In vivo / published", "Measured / walker vs published"], rows)
    rows2 = []
    for side in ("r", "l"):
        p = pk[side]
        rows2.append([{"r": "right", "l": "left"}[side], f"{p['t']:.2f} s, {stance_phase(mr, side, p['t'])}",
                      f"{p['tf']:.2f}", f"{p['pf_at_tf']:.2f}", f"{p['knee_deg']:.0f}", f"{p['knee_mom']:+.2f}",
                      f"{p['ankle_mom']:+.2f}", f"{p['vgrf']:.2f}"]
                     + [f"{p['force'][m]:.2f} ({p['act'][m]:.2f})" for m in KNEE_MUSCLES]
                     + [f"{p['act']['soleus']:.2f}"])
    body += "\n\nAt the frame of each leg's TF peak (muscle forces in BW, activation in brackets):\n\n"
    body += md_table(["Leg", "Time, phase", "TF [BW]", "PF [BW]", "Knee flexion [deg]",
                      "Knee moment [N·m/kg]", "Ankle moment [N·m/kg]", "vGRF [BW]"]
                     + [m for m in KNEE_MUSCLES] + ["soleus activation"], rows2)
    body += (f"\n\nMeasured human gait through our model: {s['peak_knee_tf_force_bw']:.2f} BW; the simulated "
             f"walker: {sf['peak_knee_tf_force_bw']:.2f} BW; in vivo {KUTZNER_TF_BW:.2f} BW.")
    return body


def frame_work(mr: MeasuredRun, col: str) -> tuple[float, float]:
    """Positive and negative integral [J] of a power column over the whole recording."""
    p = np.nan_to_num(mr.frames[col])
    dt = float(np.mean(np.diff(mr.t)))
    return positive_negative_work(p, dt)


def table_measured_reversal(ms: dict[str, MeasuredRun]) -> str:
    a, b = ms["as-recorded"], ms["reversed"]
    rows = []
    for g in sorted(a.summary["muscles"]):
        x, y = a.summary["muscles"][g], b.summary["muscles"][g]
        fa = [frame_work(a, f"fiber_power_{m}_{s}_w") for m in MUSCLE_GROUPS[g] for s in ("r", "l")]
        fb = [frame_work(b, f"fiber_power_{m}_{s}_w") for m in MUSCLE_GROUPS[g] for s in ("r", "l")]
        ca, ea = sum(v[0] for v in fa), sum(v[1] for v in fa)
        cb, eb = sum(v[0] for v in fb), sum(v[1] for v in fb)
        rows.append([g.replace("_", " "),
                     f"{x['concentric_work_j_per_stride']:.1f} / {x['eccentric_work_j_per_stride']:.1f}",
                     f"{y['concentric_work_j_per_stride']:.1f} / {y['eccentric_work_j_per_stride']:.1f}",
                     f"{ca:.1f} / {ea:.1f}", f"{cb:.1f} / {eb:.1f}",
                     f"{cb + ea:+.1f} / {-eb - ca:+.1f}",
                     f"{x['mean_activation']:.3f} / {y['mean_activation']:.3f}"])
    tot = np.zeros(4)
    for g in a.summary["muscles"]:
        for k, run in enumerate((a, b)):
            w = [frame_work(run, f"fiber_power_{m}_{s}_w") for m in MUSCLE_GROUPS[g] for s in ("r", "l")]
            tot[2 * k] += sum(v[0] for v in w)
            tot[2 * k + 1] += sum(v[1] for v in w)
    rows.append(["**all groups**", "", "", f"{tot[0]:.1f} / {tot[1]:.1f}", f"{tot[2]:.1f} / {tot[3]:.1f}",
                 f"{tot[2] + tot[1]:+.1f} / {-tot[3] - tot[0]:+.1f}", ""])
    body = md_table(["Group", "As recorded conc / ecc [J/stride, one leg] (summary)",
                     "Reversed conc / ecc [J/stride, one leg] (summary)",
                     "As recorded conc / ecc [J, both legs, whole 2.5 s] (frames)",
                     "Reversed conc / ecc [J, both legs, whole 2.5 s] (frames)",
                     "Swap check: rev conc − |rec ecc| / |rev ecc| − rec conc [J, whole]",
                     "Mean activation, recorded / reversed"], rows)
    rows2 = []
    for j, coord in (("hip", "hip_flexion"), ("knee", "knee_flexion"), ("ankle", "ankle_dorsiflexion")):
        ja, jb = a.summary["joints"][j], b.summary["joints"][j]
        wa = [positive_negative_work(np.nan_to_num(a.frames[f"moment_{coord}_{s}_nm"] * a.frames[f"qdot_{coord}_{s}_rad_s"]),
                                     float(np.mean(np.diff(a.t)))) for s in ("r", "l")]
        wb = [positive_negative_work(np.nan_to_num(b.frames[f"moment_{coord}_{s}_nm"] * b.frames[f"qdot_{coord}_{s}_rad_s"]),
                                     float(np.mean(np.diff(b.t)))) for s in ("r", "l")]
        pa, na = sum(v[0] for v in wa), sum(v[1] for v in wa)
        pb, nb = sum(v[0] for v in wb), sum(v[1] for v in wb)
        rows2.append([j, f"{ja['positive_work_j_per_kg_stride']:.3f} / {ja['negative_work_j_per_kg_stride']:.3f}",
                      f"{jb['positive_work_j_per_kg_stride']:.3f} / {jb['negative_work_j_per_kg_stride']:.3f}",
                      f"{pa:.1f} / {na:.1f}", f"{pb:.1f} / {nb:.1f}", f"{pb + na:+.2f} / {-nb - pa:+.2f}"])
    body += "\n\nJoints (net moment × angular velocity), the skeleton's share of the same check:\n\n"
    body += md_table(["Joint", "As recorded pos / neg [J/kg/stride] (summary)", "Reversed pos / neg [J/kg/stride] (summary)",
                      "As recorded pos / neg [J, both legs, whole 2.5 s]", "Reversed pos / neg [J, both legs, whole 2.5 s]",
                      "Swap check: rev pos − |rec neg| / |rev neg| − rec pos [J]"], rows2)
    sa, sb = a.summary, b.summary
    rows3 = [["Knee TF peak, any frame [BW]", f(sa["peak_knee_tf_force_bw"]), f(sb["peak_knee_tf_force_bw"])],
             ["Knee PF peak, any frame [BW]", f(sa["peak_knee_pf_force_bw"]), f(sb["peak_knee_pf_force_bw"])],
             ["Knee TF peak right / left [BW]",
              f"{peak_frame_loads(a, 'r')['tf']:.2f} / {peak_frame_loads(a, 'l')['tf']:.2f}",
              f"{peak_frame_loads(b, 'r')['tf']:.2f} / {peak_frame_loads(b, 'l')['tf']:.2f}"],
             ["Metabolic power, gross [W/kg]", f(sa["metabolic_power_w_per_kg"]), f(sb["metabolic_power_w_per_kg"])],
             ["Reserve torque RMS [N·m]", f(sa["reserve_rms_nm"], 3), f(sb["reserve_rms_nm"], 3)]]
    body += "\n\n" + md_table(["Whole recording", "As recorded", "Reversed"], rows3)
    return body


def fig_measured_id(mr: MeasuredRun, fig_dir: Path):
    rows = {d["coord"]: d for d in id_comparison(mr)}
    fig, axs = plt.subplots(3, 2, figsize=(9, 6.6), constrained_layout=True, sharex=True)
    for k, (ours, name) in enumerate([("hip_flexion", "Hip flexion"), ("knee_flexion", "Knee flexion"),
                                      ("ankle_dorsiflexion", "Ankle dorsiflexion")]):
        for c, (side, sname) in enumerate((("r", "right"), ("l", "left"))):
            ax = axs[k, c]
            d = rows[f"{ours}_{side}"]
            ax.plot(mr.t, d["osim"], color=C_REF, lw=1.0, ls="--", label="OpenSim ID (subject01_walk_ID.sto)")
            ax.plot(mr.t, d["ours"], color=C_FW, lw=1.4, label="retrogait analyze")
            ax.set_title(f"{name} moment, {sname} (r {d['r']:.3f}, RMS {d['rms']:.3f})", fontsize=9)
            ax.set_ylabel("N·m/kg", fontsize=8)
            ax.set_xlim(mr.t[0], mr.t[-1])
            ax.tick_params(labelsize=7)
            ax.axhline(0, color="#999999", lw=0.5)
            if k == 2:
                ax.set_xlabel("time [s]", fontsize=8)
    axs[0, 0].legend(fontsize=6, loc="upper right")
    save(fig, "measured_id.png", fig_dir)


def table_measured_energy(a: MeasuredRun, fw: Run, bw: Run, ref: Reference) -> str:
    """Where the metabolic power goes: each muscle group's share (both legs, W per kg of body
    mass) for the two default trials and for subject01's measured walking through the model."""
    runs = (fw.summary, bw.summary, a.summary)

    def group_power(summary: dict, group: str):
        return summary.get("muscles", {}).get(group, {}).get("metabolic_power_w_per_kg")

    def cell(v) -> str:
        return "–" if v is None else f(v)

    def ratio(x, y) -> str:
        return "–" if x is None or not y else f"× {x / y:.1f}"

    groups = sorted(set().union(*(r.get("muscles", {}) for r in runs)))
    rows = []
    for g in groups:
        p = [group_power(r, g) for r in runs]
        rows.append([g.replace("_", " "), *map(cell, p), ratio(p[0], p[2])])
    sums = [sum(v for v in (group_power(r, g) for g in groups) if v is not None) for r in runs]
    rows.append(["**all muscles**", *map(cell, sums), ratio(sums[0], sums[2])])
    rows.append(["basal", *(cell(BASAL_W_PER_KG) for _ in runs), "–"])
    whole = [r["metabolic_power_w_per_kg"] for r in runs]
    rows.append(["**whole body (gross)**", *map(cell, whole), ratio(whole[0], whole[2])])
    rows.append(["expected, Ralston 1958 equation [M]", cell(ralston_gross_w_per_kg(1.0)),
                 "–", f"{ralston_gross_w_per_kg(ref.speed):.2f} at {ref.speed:.2f} m/s", "–"])
    return md_table(["Muscle group (both legs)", "Walker forward [W/kg]", "Walker backward [W/kg]",
                     "subject01 through the model [W/kg]", "Walker forward / subject01"], rows)


def measured_blocks(ms: dict[str, MeasuredRun], fw: Run, bw: Run, ref: Reference) -> dict[str, str]:
    a = ms["as-recorded"]
    return {
        "measured-id": table_measured_id(a),
        "measured-emg": table_measured_emg(a, fw),
        "measured-knee": table_measured_knee(a, fw),
        "measured-energy": table_measured_energy(a, fw, bw, ref),
        "measured-reversal": table_measured_reversal(ms),
    }


GENERATORS = {
    "headline": table_headline,
    "reference-notes": lambda fw, bw, ref, env: table_reference_notes(ref),
    "spatiotemporal": lambda fw, bw, ref, env: table_spatiotemporal(fw, bw, ref),
    "fw-peaks": lambda fw, bw, ref, env: table_peaks(fw, ref),
    "locohub": lambda fw, bw, ref, env: table_locohub(fw, ref, env),
    "activation": lambda fw, bw, ref, env: table_emg(fw, bw),
    "energetics": lambda fw, bw, ref, env: table_energetics(fw, bw),
    "joint-work": lambda fw, bw, ref, env: table_work(fw, bw, ref),
    "muscle-work": lambda fw, bw, ref, env: table_muscle_work(fw, bw),
    "bw-reversal": lambda fw, bw, ref, env: table_reversal(fw, bw),
    "bw-knee": lambda fw, bw, ref, env: table_bw_knee(fw, bw),
    "reserve": lambda fw, bw, ref, env: table_reserve(fw, bw),
}

BLOCK_RE = re.compile(r"(<!-- BEGIN GENERATED: ([\w-]+) -->\n)(.*?)(<!-- END GENERATED: \2 -->)", re.S)


def update_doc(doc: Path, blocks: dict[str, str]) -> list[str]:
    text = doc.read_text()
    seen = []

    def repl(m):
        name = m.group(2)
        if name not in blocks:
            raise SystemExit(f"{doc}: no generator for block '{name}'")
        seen.append(name)
        return m.group(1) + blocks[name].rstrip("\n") + "\n" + m.group(4)

    new = BLOCK_RE.sub(repl, text)
    doc.write_text(new)
    return seen


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def snapshot(src: Path, dst: Path):
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("summary.json", "cycles.csv", "events.json", "run.json"):
        if (src / name).exists():
            shutil.copyfile(src / name, dst / name)


def snapshot_measured(src: Path, dst: Path):
    for run in MEASURED_RUNS:
        (dst / run).mkdir(parents=True, exist_ok=True)
        for name in MEASURED_FILES:
            shutil.copyfile(src / run / name, dst / run / name)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("forward", nargs="?", type=Path, default=SIM_SNAPSHOT / "forward")
    ap.add_argument("backward", nargs="?", type=Path, default=SIM_SNAPSHOT / "backward")
    ap.add_argument("--snapshot", action="store_true",
                    help="copy the runs' summary/cycles/events into tools/validation/sim/ first")
    ap.add_argument("--doc", type=Path, default=REPO / "docs" / "validation.md")
    ap.add_argument("--figures", type=Path, default=REPO / "docs" / "figures")
    ap.add_argument("--no-doc", action="store_true", help="print tables only; write nothing")
    ap.add_argument("--measured", type=Path, default=MEASURED_SNAPSHOT,
                    help="`retrogait analyze --reverse` output folder (as-recorded/, reversed/)")
    ap.add_argument("--snapshot-measured", action="store_true",
                    help="copy the measured analysis files into tools/validation/measured/ first")
    args = ap.parse_args(argv)

    fwd, bwd = args.forward, args.backward
    if args.snapshot:
        snapshot(fwd, SIM_SNAPSHOT / "forward")
        snapshot(bwd, SIM_SNAPSHOT / "backward")
        fwd, bwd = SIM_SNAPSHOT / "forward", SIM_SNAPSHOT / "backward"

    meas = args.measured
    if args.snapshot_measured:
        snapshot_measured(meas, MEASURED_SNAPSHOT)
        meas = MEASURED_SNAPSHOT

    fw, bw = Run(fwd), Run(bwd)
    if fw.direction != "forward" or bw.direction != "backward":
        raise SystemExit(f"expected forward then backward runs, got {fw.direction}, {bw.direction}")
    ref = Reference()
    env = load_locohub()

    blocks = {name: gen(fw, bw, ref, env) for name, gen in GENERATORS.items()}
    measured = load_measured(meas)
    blocks.update(measured_blocks(measured, fw, bw, ref))
    for name, text in blocks.items():
        print(f"## {name}\n{text}\n")

    if not args.no_doc:
        fig_fw_kinematics(fw, ref, env, args.figures)
        fig_fw_kinetics(fw, ref, env, args.figures)
        fig_fw_grf_knee(fw, ref, args.figures)
        fig_fw_activation(fw, args.figures)
        fig_bw_reversal(fw, bw, args.figures)
        fig_bw_knee(fw, bw, args.figures)
        fig_measured_id(measured["as-recorded"], args.figures)
        if args.doc.exists():
            seen = update_doc(args.doc, blocks)
            missing = sorted(set(blocks) - set(seen))
            print(f"updated {args.doc} blocks: {', '.join(seen)}", file=sys.stderr)
            if missing:
                print(f"note: blocks not present in the document: {', '.join(missing)}", file=sys.stderr)
        else:
            print(f"{args.doc} not found: figures written, document not updated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
