"""Time every step of an eval that comes after the model (metrics, intervals, threshold, agreement, error analysis, plots,
files) at MMSD2.0's sizes on this machine's CPU, to find any step whose cost grows faster than its rows.

    python benchmarks/scripts/eval_path_cpu.py [rows ...]      (default: 500 2410 19816)

Prints a markdown table (seconds per step, and each step's growth exponent between the two largest sizes)."""
import sys, tempfile, time
from pathlib import Path
import numpy as np
from PIL import Image
from sarcasm_sft.scoring import agreement, choose_threshold, metrics_of, threshold_choice
from sarcasm_sft.analysis import error_analysis, plot_accuracy_by_group, plot_confusion_matrix, plot_reliability
from sarcasm_sft.runs import save_error_analysis, write_predictions

def predictions(n: int, seed: int, scored: bool) -> list[dict]:
    "n rows of a run that is right about 80% of the time, with MMSD2.0-like prompt lengths and tile counts."
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.43).astype(int)
    p = np.clip(np.where(labels == 1, 0.7, 0.3) + rng.normal(0, 0.25, n), 0, 1)
    rows = []
    for i in range(n):
        row = dict(id=str(10**17 + i), label=int(labels[i]), prompt_tokens=int(rng.integers(48, 128)), tiles=int(rng.choice([1, 2, 4])))
        if scored: row.update(margin=float(np.log(p[i] + 1e-9) - np.log(1 - p[i] + 1e-9)), p_sarcastic=float(p[i]), prediction=int(p[i] >= 0.5))
        else: row.update(generation="sarcastic", prediction=int(p[i] >= 0.5) if rng.random() > 0.01 else None)
        rows.append(row)
    return rows

def timed(results: dict, name: str, fn):
    start = time.perf_counter(); out = fn(); results[name] = time.perf_counter() - start
    return out

def eval_path(n: int) -> dict:
    "Seconds per step for n rows, as a run's final eval in score mode and `evaluate_run` take them."
    t, scored, generated, blank = {}, predictions(n, 0, True), predictions(n, 1, False), predictions(n, 2, True)
    image = Image.new("RGB", (64, 48), "grey")
    rows = [dict(id=r["id"], text="what a lovely day #not", image=image) for r in scored]
    final = timed(t, "metrics (score mode, with bootstrap intervals)", lambda: metrics_of(scored))
    timed(t, "metrics (generated)", lambda: metrics_of(generated))
    timed(t, "choose_threshold", lambda: choose_threshold([r["label"] for r in scored], [r["p_sarcastic"] for r in scored]))
    timed(t, "threshold_choice", lambda: threshold_choice(scored, "validation"))
    timed(t, "agreement", lambda: agreement(scored, generated))
    analysis = timed(t, "error_analysis", lambda: error_analysis(scored, blank))
    with tempfile.TemporaryDirectory() as out:
        out = Path(out)
        timed(t, "write predictions.jsonl", lambda: write_predictions(out / "predictions.jsonl", scored))
        timed(t, "confusion matrix plot", lambda: plot_confusion_matrix(final, out / "cm.png"))
        timed(t, "reliability plot", lambda: plot_reliability(final, out / "calibration.png"))
        timed(t, "save_error_analysis (json, mistakes, accuracy by group)", lambda: save_error_analysis(out, rows, analysis, "bench"))
    t["total"] = sum(t.values())
    return t

if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [500, 2410, 19816]
    runs = {n: eval_path(n) for n in sizes}
    a, b = sizes[-2], sizes[-1]
    print(f"| step | " + " | ".join(f"{n} rows (s)" for n in sizes) + f" | growth {a} -> {b} (exponent) |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for step in runs[sizes[0]]:
        exponent = np.log(max(runs[b][step], 1e-6) / max(runs[a][step], 1e-6)) / np.log(b / a)
        print(f"| {step} | " + " | ".join(f"{runs[n][step]:.3f}" for n in sizes) + f" | {exponent:.2f} |")
