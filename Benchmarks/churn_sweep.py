#!/usr/bin/env python3
"""Churn-model sweep: generates data-gen worlds that are hard in different
ways, ingests each into its own store, runs `vitals eval churn --json`, and
prints the model's AUC, PR-AUC, Brier and calibration beside the baselines
(1 - health/100 raw and calibrated on the store's history, a logistic
regression on the health components) and a truth-informed ceiling.

The ceiling is a logistic regression told what data-gen planted and what
of it has shown by T (truth.csv: the latent activity multiplier at T, which
carries a decline's depth so far, whether the key users went silent by T,
whether the renewal falls within 90 days), scored by 5-fold
cross-validation on the labelled accounts. It is what a model could reach
if it saw the generator's story instead of its events. The "story" column
is also told whether a decline has begun by T: a decline's first days
change no event, so that column knows part of the future.

    python3 Benchmarks/churn_sweep.py --bin .build/release [--worlds default,silent] [--scale 3] [--seed-offset 1000]
"""
import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import time

# name -> data-gen options (seeds differ per world; none is the seed the model was built beside).
WORLDS = {
    "default": ["--agencies", "6", "--accounts-per-agency", "200", "--events", "1200000", "--seed", "101"],
    "sudden": ["--world", "sudden", "--agencies", "6", "--accounts-per-agency", "200", "--events", "1200000", "--seed", "102"],
    "fade": ["--world", "fade", "--agencies", "6", "--accounts-per-agency", "200", "--events", "1200000", "--seed", "103"],
    "seasonal": ["--world", "seasonal", "--agencies", "6", "--accounts-per-agency", "200", "--events", "1200000", "--seed", "104"],
    "mixed": ["--world", "mixed", "--agencies", "6", "--accounts-per-agency", "200", "--events", "1200000", "--seed", "105"],
    "silent": ["--world", "silent", "--agencies", "6", "--accounts-per-agency", "200", "--events", "1200000", "--seed", "106"],
    "false-alarms": ["--world", "false-alarms", "--agencies", "6", "--accounts-per-agency", "200", "--events", "1200000", "--seed", "107"],
    "rare": ["--world", "rare", "--agencies", "10", "--accounts-per-agency", "200", "--events", "2000000", "--seed", "108"],
    "common": ["--world", "common", "--agencies", "6", "--accounts-per-agency", "200", "--events", "1200000", "--seed", "109"],
    "lagged": ["--world", "lagged", "--agencies", "6", "--accounts-per-agency", "200", "--events", "1200000", "--seed", "114"],
    "small-agencies": ["--world", "mixed", "--agencies", "40", "--accounts-per-agency", "15", "--accounts-per-agency-max", "30",
                       "--events", "900000", "--seed", "110"],
    "tiny": ["--agencies", "4", "--accounts-per-agency", "150", "--events", "1000000", "--seed", "111"],
    "short-history": ["--world", "mixed", "--agencies", "6", "--accounts-per-agency", "200", "--days", "120", "--events", "800000",
                      "--seed", "112"],
    "long-history": ["--world", "mixed", "--agencies", "6", "--accounts-per-agency", "200", "--days", "365", "--events", "2400000",
                     "--seed", "113"],
}


def auc(scores, labels):
    """Area under the ROC curve, ties counted half."""
    pairs = sorted(zip(scores, labels))
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        average = (i + j) / 2 + 1
        rank_sum += average * sum(1 for t in range(i, j + 1) if pairs[t][1])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def logistic_fit(rows, labels, l2=1.0):
    """Newton's method on standardized columns; returns a predict function."""
    import numpy as np
    x = np.array(rows, dtype=float)
    y = np.array(labels, dtype=float)
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / sd])
    beta = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * l2
    penalty[0, 0] = 0
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ beta))
        gradient = z.T @ (y - p) - penalty @ beta
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-9:
            break

    def predict(new_rows):
        n = np.hstack([np.ones((len(new_rows), 1)), (np.array(new_rows, dtype=float) - mean) / sd])
        return list(1 / (1 + np.exp(-n @ beta)))

    return predict


def ceiling(truth_path, onset=False):
    """5-fold cross-validated AUC of a logistic regression on the planted
    latents shown by T (with `onset`, also whether a decline has begun)."""
    rows, labels = [], []
    with open(truth_path) as f:
        for record in csv.DictReader(f):
            rows.append([
                math.log(max(float(record["activity_at_t"]), 1e-3)),
                1.0 if record["key_users_silent"] == "true" else 0.0,
                1.0 if record["renewal_within_90d"] == "true" else 0.0,
            ] + ([1.0 if record["declining"] == "true" else 0.0] if onset else []))
            labels.append(1 if record["churns_within_90d"] == "true" else 0)
    if sum(labels) < 5:
        return None
    predictions = [0.0] * len(rows)
    for fold in range(5):
        train = [i for i in range(len(rows)) if i % 5 != fold]
        test = [i for i in range(len(rows)) if i % 5 == fold]
        predict = logistic_fit([rows[i] for i in train], [labels[i] for i in train])
        for i, p in zip(test, predict([rows[i] for i in test])):
            predictions[i] = p
    return auc(predictions, labels)


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=".build/release", help="directory with data-gen and vitals (release)")
    parser.add_argument("--out", default="Benchmarks/out/churn", help="where worlds and stores go (gitignored)")
    parser.add_argument("--worlds", default=",".join(WORLDS), help="comma-separated subset of: " + ", ".join(WORLDS))
    parser.add_argument("--scale", type=int, default=1,
                        help="multiplies every world's agencies and events (tiny stays the issue's 4 x 150 accounts)")
    parser.add_argument("--seed-offset", type=int, default=0, help="added to every world's seed (another draw of the same worlds)")
    parser.add_argument("--json", help="also write every world's figures to this file")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = []
    header = (f"{'world':15s} {'labelled':>8s} {'churn':>5s}  {'model':8s} {'AUC':>6s} {'health':>6s} {'comps':>6s} {'ceiling':>7s} {'story':>6s}"
              f" {'gap':>6s} {'PR-AUC':>6s} {'h PR':>6s} {'Brier':>6s} {'h Brier':>7s} {'ECE':>6s} {'drop<½':>6s} {'s':>5s}")
    print(header)
    for name in args.worlds.split(","):
        options = list(WORLDS[name])
        seed = options.index("--seed") + 1
        options[seed] = str(int(options[seed]) + args.seed_offset)
        if name != "tiny":
            for flag in ("--agencies", "--events"):
                at = options.index(flag) + 1
                options[at] = str(int(options[at]) * args.scale)
        directory = os.path.join(args.out, name)
        store = directory + ".db"
        shutil.rmtree(directory, ignore_errors=True)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(store + suffix):
                os.remove(store + suffix)
        started = time.time()
        run([os.path.join(args.bin, "data-gen"), "--out", directory] + options)
        run([os.path.join(args.bin, "vitals"), "ingest", directory, "--store", store])
        report = json.loads(run([os.path.join(args.bin, "vitals"), "eval", "churn", "--store", store,
                                 "--labels", os.path.join(directory, "labels.csv"), "--json"]))
        limit = ceiling(os.path.join(directory, "truth.csv"))
        story = ceiling(os.path.join(directory, "truth.csv"), onset=True)
        seconds = time.time() - started
        risk, health = report["churn_risk"], report["health"]
        calibrated = report.get("health_calibrated") or {}
        components = report.get("components") or {}

        def f(x, width=6):
            return f"{x:{width}.3f}" if isinstance(x, (int, float)) else " " * (width - 1) + "–"

        gap = None if limit is None or risk["auc"] is None else limit - risk["auc"]
        print(f"{name:15s} {report['labelled']:8d} {report['churners']:5d}  {report['model']['kind']:8s} {f(risk['auc'])} {f(health['auc'])}"
              f" {f(components.get('auc'))} {f(limit, 7)} {f(story)} {f(gap)} {f(risk['pr_auc'])} {f(health['pr_auc'])} {f(risk['brier'])}"
              f" {f(calibrated.get('brier'), 7)} {f(report['calibration_error'])}"
              f" {report['silent_droppers_in_lower_half']:>3d}/{report['silent_droppers']:<2d} {seconds:5.0f}", flush=True)
        results.append({"world": name, "options": options, "ceiling": limit, "story_ceiling": story, "seconds": seconds, **report})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    below = [r["world"] for r in results if r["churn_risk"]["auc"] is not None and r["health"]["auc"] is not None
             and r["churn_risk"]["auc"] < r["health"]["auc"]]
    far = [f"{r['world']} ({r['ceiling'] - r['churn_risk']['auc']:.3f})" for r in results
           if r["ceiling"] is not None and r["churn_risk"]["auc"] is not None and r["ceiling"] - r["churn_risk"]["auc"] > 0.03]
    brier = [f"{r['world']} ({r['churn_risk']['brier']:.3f} against {r['health_calibrated']['brier']:.3f})" for r in results
             if r.get("health_calibrated") and r["churn_risk"]["brier"] >= r["health_calibrated"]["brier"]]
    print(f"\nworlds where churn risk ranks below 1 - health/100: {', '.join(below) if below else 'none'}")
    print(f"worlds more than 0.03 below the ceiling: {', '.join(far) if far else 'none'}")
    print(f"worlds where the Brier score is not below calibrated health's: {', '.join(brier) if brier else 'none'}")


if __name__ == "__main__":
    main()
