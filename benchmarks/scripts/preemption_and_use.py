"""Preemption and a trained model's use, on the 11B architecture (random weights) with 4-tile 1024x768 JPEGs, through the CLI:

- stages `preempt`: `sarcasm-sft train` with the defaults (batch 16) gets a SIGTERM in its first eval, then another run gets one
  mid-training; each is timed from the signal to the command's exit (the checkpoint written), and the second is continued with
  `-p resume auto` to the end;
- stage `train`: the same run, unsignalled, to its end (for `use` without `preempt`);
- stage `use`: `sarcasm-sft export RUN OUT --merge` of the finished run (the continued one, else the unsignalled one), timed, with its peak host memory; then, in one process,
  `predict_source` over the data against a score-mode eval (`score_predictions`) of the validation rows, both in rows/s.

    python benchmarks/scripts/preemption_and_use.py --out DIR [--stages preempt,train,use] [--rows 320 --eval-rows 64 --max-steps 20]
    python benchmarks/scripts/preemption_and_use.py --shape tiny --out /tmp/x   (CPU dry run)

Writes DIR/preemption_and_use.json and .md after every stage (a command cut short keeps what it measured)."""
import argparse, json, os, re, shutil, signal, subprocess, sys, threading, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_default_run import write_mmsd_layout

def train_until_signalled(name: str, common: list, runs: Path, trigger, extra=()) -> dict:
    "`sarcasm-sft train` until `trigger(line)` says so (then SIGTERM to the command), or to its end; what happened, timed."
    started = time.monotonic()
    command = subprocess.Popen(["sarcasm-sft", "train", *common, "-p", "run_name", name, *extra], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1)
    case, lines = dict(run=name, extra=" ".join(extra)), []
    for line in command.stdout:
        print(line, end="", flush=True); lines.append((time.monotonic(), line))
        if "signal_s" not in case and trigger(line):
            command.send_signal(signal.SIGTERM); case.update(signal_s=time.monotonic(), signalled_at=line.strip())
        if "signal_s" in case and "preempted by" in line: case["saved_s"] = time.monotonic()
    case.update(exit=command.wait(), wall_s=round(time.monotonic() - started, 1))
    state = json.loads((runs / name / "run_state.json").read_text())
    case.update(state={k: state.get(k) for k in ("status", "phase", "step", "signal", "checkpoint")})
    if "signal_s" in case:
        signalled = case.pop("signal_s")
        case.update(signal_to_exit_s=round(time.monotonic() - signalled, 1), signal_to_saved_s=round(case.pop("saved_s", signalled) - signalled, 1))
        logged = [int(m.group(1)) for t, l in lines if t <= signalled and (m := re.search(r"step (\d+)/\d+: loss", l))]
        case["last_step_logged_before_signal"] = max(logged, default=0)
    return case

PEAK_RSS = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
            "print('peak', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)")

def peak_rss_of(command: list) -> tuple[int, float, float]:
    "Exit code, wall seconds and peak resident memory (GiB) of a command (its largest process), measured by a fresh parent."
    started = time.monotonic()
    res = subprocess.run([sys.executable, "-c", PEAK_RSS, *command], stdout=subprocess.PIPE, text=True)
    print(res.stdout[-3000:], flush=True)
    peak_kib = int(re.findall(r"^peak (\d+)$", res.stdout, re.M)[-1])
    return res.returncode, round(time.monotonic() - started, 1), round(peak_kib / 2**20, 2)

def predict_against_score(run: Path, data: Path, out: Path) -> dict:
    "In one process: a score-mode eval of the validation rows, then `predict_source` over every split of the data."
    from sarcasm_sft.classifier import SarcasmClassifier, predict_source, source_rows
    from sarcasm_sft.scoring import score_predictions
    clf = SarcasmClassifier.from_run(run)
    rows = dict(source_rows(clf.cfg, str(data)))["validation"]
    score_predictions(clf.model, clf.processor, [rows[i] for i in range(8)], clf.cfg)  # warm-up: neither timed pass pays the first kernels' start
    started = time.monotonic(); score_predictions(clf.model, clf.processor, rows, clf.cfg); score_s = time.monotonic() - started
    total = sum(len(r) for _, r in source_rows(clf.cfg, str(data)))
    started = time.monotonic(); predict_source(clf, str(data), out); predict_s = time.monotonic() - started
    return dict(score_rows=len(rows), score_rows_per_s=round(len(rows) / score_s, 2), predict_rows=total,
                predict_rows_per_s=round(total / predict_s, 2), eval_batch_size=clf.cfg.eval.eval_batch_size)

def report(results: dict) -> str:
    lines = [results["device"], "", "| case | exit | state | signalled after | signal to state written (s) | signal to exit (s) | whole command (s) |",
             "|" + "---|" * 7]
    for c in results["cases"]:
        s = c["state"]
        lines.append(f"| {c['run']} {c['extra']} | {c['exit']} | {s['status']}, phase {s['phase']}, step {s.get('step')} | "
                     f"{c.get('signalled_at', '')} | {c.get('signal_to_saved_s', '')} | {c.get('signal_to_exit_s', '')} | {c['wall_s']} |")
    lines += [f"\n{c['run']}: timings inside the run (s): {c['timings']}" for c in results["cases"] if "timings" in c]
    if "merge" in results:
        m = results["merge"]
        lines += ["", f"export --merge: exit {m['exit']}, {m['wall_s']} s, peak host memory {m['peak_rss_gib']} GiB (largest process)"]
        if "merge_s" in m: lines.append(f"  the merge step: {m['merge_s']} s, peak {m['merge_peak_gib']} GiB by its end; the check: {m['check_s']} s, "
                                        f"the export process's peak {m['export_peak_gib']} GiB by the end")
    if "predict" in results:
        p = results["predict"]
        lines += ["", f"score-mode eval: {p['score_rows_per_s']} rows/s over {p['score_rows']} rows; predict: {p['predict_rows_per_s']} rows/s "
                      f"over {p['predict_rows']} rows (eval batch {p['eval_batch_size']}, one process, model loaded once)"]
    return "\n".join(lines) + "\n"

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True); p.add_argument("--shape", default="11b", choices=["11b", "tiny"])
    p.add_argument("--checkpoint", default="/dev/shm/mllama-11b-random"); p.add_argument("--data", default="/dev/shm/mmsd-preempt")
    p.add_argument("--rows", type=int, default=320); p.add_argument("--eval-rows", type=int, default=64)
    p.add_argument("--max-steps", type=int, default=20); p.add_argument("--stages", default="preempt,use")
    a = p.parse_args()
    from transformers import AutoTokenizer
    from sarcasm_sft.planning import ELEVEN_B
    from sarcasm_sft.offline import build_random_checkpoint, tiny_preset_dir
    from sarcasm_sft.runs import device_name, package_versions
    model = str(build_random_checkpoint(a.checkpoint, ELEVEN_B)) if a.shape == "11b" else "tiny"
    data = write_mmsd_layout(Path(a.data), AutoTokenizer.from_pretrained(model if a.shape == "11b" else tiny_preset_dir()), a.rows, a.eval_rows)
    out, runs = Path(a.out), Path(a.data) / "runs"
    out.mkdir(parents=True, exist_ok=True)
    saved = out / "preemption_and_use.json"
    results = json.loads(saved.read_text()) if saved.exists() else dict(device=device_name(), versions=package_versions(), rows=a.rows,
                                                                         eval_rows=a.eval_rows, max_steps=a.max_steps, cases=[])
    def keep():
        saved.write_text(json.dumps(results, indent=2)); (out / "preemption_and_use.md").write_text(report(results)); print(report(results), flush=True)
    common = ["-p", "model_name_or_path", model, "-p", "dataset", str(data), "-p", "max_steps", str(a.max_steps), "-p", "eval_steps", "1000",
              "-p", "max_eval_samples", str(a.eval_rows), "-p", "out_dir", str(runs)]
    if "preempt" in a.stages:
        def in_first_eval(line):
            if ": training" not in line: return False
            time.sleep(4)  # the first eval (its image features computed) has begun
            return True
        results["cases"].append(train_until_signalled("preempted-in-eval", common, runs, in_first_eval)); keep()
        mid_step = lambda line: (m := re.search(r"step (\d+)/\d+: loss", line)) is not None and int(m.group(1)) >= 6
        results["cases"].append(train_until_signalled("preempted-mid-training", common, runs, mid_step)); keep()
        results["cases"].append(train_until_signalled("preempted-mid-training", common, runs, lambda line: False, ["-p", "resume", "auto"])); keep()
    if "train" in a.stages:
        case = train_until_signalled("unsignalled", common, runs, lambda line: False)
        meta = runs / "unsignalled" / "training_meta.json"
        results["cases"].append(dict(case, timings=json.loads(meta.read_text())["timings"]) if meta.exists() else case); keep()
    finished = next(runs / name for name in ("preempted-mid-training", "unsignalled") if (runs / name).exists())
    if "use" in a.stages and json.loads((finished / "run_state.json").read_text())["status"] == "finished":
        merged = Path(a.data) / "merged"
        shutil.rmtree(merged, ignore_errors=True)  # a rerun's export needs a new folder
        code, wall, rss = peak_rss_of(["sarcasm-sft", "export", str(finished), str(merged), "--merge"])
        results["merge"] = dict(exit=code, wall_s=wall, peak_rss_gib=rss)
        if code == 0:  # the export's own split: the merge step's seconds and the process's peak after it, the check's seconds
            meta = json.loads((merged / "export_meta.json").read_text())
            results["merge"].update(merge_s=meta["merge"]["seconds"], merge_peak_gib=meta["merge"]["peak_host_memory_gib"],
                                    check_s=meta["check"]["seconds"], export_peak_gib=meta["peak_host_memory_gib"])
        keep()
        results["predict"] = predict_against_score(finished, data, Path(a.data) / "predictions"); keep()

if __name__ == "__main__": main()
