"""The whole default run through the CLI (`sarcasm-sft train`, papermill, the report, the reload check), timed, against
the behaviour before `micro_batch_size` and the image-feature reuse (8 rows x 2 passes, eval batches of 16, every eval
encoding its images again), on an MMSD2.0-shaped set in the official layout (train.json / valid.json beside
dataset_image/, 1024x768 JPEGs, ~62-token posts). Optionally the defaults again with the process capped at 22 GiB.

    python benchmarks/scripts/cli_default_run.py --out DIR [--variants default,baseline] [--rows 1600 --eval-rows 48 --eval-steps 20]
    python benchmarks/scripts/cli_default_run.py --out DIR --variants default,default_no_expandable_segments --rows 96 --eval-rows 32 --max-steps 6
    python benchmarks/scripts/cli_default_run.py --shape tiny --rows 64 --eval-rows 8 --eval-steps 2 --out /tmp/x   (CPU dry run)

Writes DIR/cli_default_run.json and .md after every run (a command cut short keeps what it measured)."""
import argparse, json, os, random, subprocess, sys, time
from pathlib import Path

BASELINE = ["-p", "micro_batch_size", "8", "-p", "eval_batch_size", "16", "-p", "feature_cache_gib", "0"]  # the behaviour before
# the defaults with the CUDA allocator's expandable segments off (the run leaves a PYTORCH_ALLOC_CONF it is given as it is):
# is their growth the first step's warm-up?
VARIANT_ENV = {"default_no_expandable_segments": {"PYTORCH_ALLOC_CONF": "expandable_segments:False"}}
CAP = """import os
if os.environ.get("SARCASM_SFT_CAP_GIB"):  # every process of the run, the papermill kernel included: a smaller card
    import torch
    for gpu in range(torch.cuda.device_count()):
        torch.cuda.set_per_process_memory_fraction(min(1.0, float(os.environ["SARCASM_SFT_CAP_GIB"]) * 2**30 / torch.cuda.get_device_properties(gpu).total_memory), gpu)
"""

POST_WORDS = "what a lovely sunny day at the beach with friends and family so happy to be here again oh great another monday".split()

def post_of(tokenizer, tokens: int, rng: random.Random) -> str:
    "Random words until the text is `tokens` tokens long (or one more) under `tokenizer`, as 10_benchmark's image sets."
    words = []
    while len(tokenizer(" ".join(words), add_special_tokens=False)["input_ids"]) < tokens: words.append(rng.choice(POST_WORDS))
    return " ".join(words)

def write_mmsd_layout(folder: Path, tokenizer, rows: int, eval_rows: int, size=(1024, 768), seed: int = 0) -> Path:
    "The official MMSD2.0 release's layout: train.json and valid.json (lists of image_id, text, label), dataset_image/<image_id>.jpg."
    from PIL import Image, ImageDraw
    if all((folder / f"{split}.json").exists() and len(json.loads((folder / f"{split}.json").read_text())) == n
           for split, n in (("train", rows), ("valid", eval_rows))): return folder  # written by an earlier command on this machine
    rng = random.Random(seed)
    (folder / "dataset_image").mkdir(parents=True, exist_ok=True)
    for split, n in (("train", rows), ("valid", eval_rows)):
        records = []
        for i in range(n):
            image_id = str(10**17 + rng.randrange(10**17))  # 18 digits, as MMSD2.0's
            image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
            draw = ImageDraw.Draw(image)
            for _ in range(20):  # some content, so that JPEG decoding costs what a photo's does
                x, y = rng.randrange(size[0]), rng.randrange(size[1])
                draw.ellipse([x, y, x + 200, y + 150], outline=tuple(rng.randrange(256) for _ in range(3)), width=20)
            image.save(folder / "dataset_image" / f"{image_id}.jpg", quality=90)
            records.append(dict(image_id=image_id, text=post_of(tokenizer, 62, rng), label=i % 2))
        (folder / f"{split}.json").write_text(json.dumps(records))
    return folder

def run_variant(name: str, extra: list, common: list, runs: Path, cap_gib: float | None, cap_dir: Path) -> dict:
    env = dict(os.environ, **VARIANT_ENV.get(name, {}))
    if cap_gib:
        cap_dir.mkdir(parents=True, exist_ok=True); (cap_dir / "sitecustomize.py").write_text(CAP)
        env.update(SARCASM_SFT_CAP_GIB=str(cap_gib), PYTHONPATH=os.pathsep.join(filter(None, [str(cap_dir), env.get("PYTHONPATH")])))
    started = time.monotonic()
    code = subprocess.run(["sarcasm-sft", "train", *common, "-p", "run_name", name, *extra], env=env).returncode
    case = dict(variant=name, parameters=" ".join(extra[1::3][i] + "=" + extra[2::3][i] for i in range(len(extra) // 3)) or "defaults",
                cap_gib=cap_gib, exit=code, wall_s=round(time.monotonic() - started, 1))
    meta_path = runs / name / "training_meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        case.update(samples_per_s=meta["pace"]["samples_per_s"], step_s=meta["pace"]["step_s"], pace=meta["pace"], steps=meta["total_steps"],
                    batching=meta["batching"], peak_gib=meta["memory"]["peak_gib_per_process"],
                    estimate_gib=meta["memory"]["estimate_gib"]["total"], image_features=meta.get("image_features"),
                    timings=meta["timings"], validation_passed=meta["validation"]["passed"])
        evals = json.loads((runs / name / "metrics.json").read_text())
        times = [e["eval_s"] for e in [evals["before"], *evals["history"]] if "eval_s" in e]
        if times: case.update(first_eval_s=times[0], later_evals_s=round(sum(times[1:]) / max(len(times) - 1, 1), 2), evals_timed=len(times))
    return case

def table(cases: list[dict]) -> str:
    base = next((c for c in cases if c["variant"] == "baseline" and c.get("timings")), None)
    lines = ["| run | parameters | exit | whole command (s) | vs baseline | training samples/s | training phase (s) | final eval (s) | "
             "validating (s) | first eval (s) | later evals, mean (s) | batching | peak GiB | features served / computed |", "|" + "---|" * 14]
    for c in cases:
        t, b, f = c.get("timings", {}), c.get("batching", {}), c.get("image_features")
        ratio = f"{c['wall_s'] / base['wall_s']:.2f}x" if base else ""
        served = f"{f['rows_served']} / {f['rows_computed']}" if isinstance(f, dict) else f
        lines.append(f"| {c['variant']}{' (capped at %g GiB)' % c['cap_gib'] if c['cap_gib'] else ''} | {c['parameters']} | {c['exit']} | "
                     f"{c['wall_s']} | {ratio} | {c.get('samples_per_s')} | {t.get('training_s')} | {t.get('final eval_s')} | "
                     f"{t.get('validating_s')} | {c.get('first_eval_s')} | {c.get('later_evals_s')} | {b.get('micro_batch_size')} x {b.get('grad_accum')}, {b.get('gradient_checkpointing')}, "
                     f"eval {b.get('eval_batch_size')} | {c.get('peak_gib')} | {served} |")
    lines += ["", "Timings inside each run (s; `total_s` is the whole `train()`):"]
    lines += [f"- {c['variant']}: {c['timings']}; training's steps: {c.get('pace')}" for c in cases if c.get("timings")]
    return "\n".join(lines)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True); p.add_argument("--shape", default="11b", choices=["11b", "tiny"])
    p.add_argument("--checkpoint", default="/dev/shm/mllama-11b-random"); p.add_argument("--data", default="/dev/shm/mmsd-shaped")
    p.add_argument("--rows", type=int, default=1600); p.add_argument("--eval-rows", type=int, default=48)
    p.add_argument("--eval-steps", type=int, default=20); p.add_argument("--variants", default="default,baseline")
    p.add_argument("--cap-gib", type=float, default=22.0, help="the capped variant's limit")
    p.add_argument("--valid-rows", type=int, default=0, help="rows of valid.json (default: --eval-rows; more for eval_reuse.py)")
    p.add_argument("--max-steps", type=int, default=-1, help="stop each run after this many steps (-1: one epoch)")
    a = p.parse_args()
    from transformers import AutoTokenizer
    from sarcasm_sft.planning import ELEVEN_B
    from sarcasm_sft.offline import build_random_checkpoint, tiny_preset_dir
    from sarcasm_sft.runs import device_name, package_versions
    model = str(build_random_checkpoint(a.checkpoint, ELEVEN_B)) if a.shape == "11b" else "tiny"
    data = write_mmsd_layout(Path(a.data), AutoTokenizer.from_pretrained(model if a.shape == "11b" else tiny_preset_dir()), a.rows, max(a.eval_rows, a.valid_rows))
    out, runs = Path(a.out), Path(a.data) / "runs"
    out.mkdir(parents=True, exist_ok=True)
    common = ["-p", "model_name_or_path", model, "-p", "dataset", str(data), "-p", "eval_steps", str(a.eval_steps),
              "-p", "max_eval_samples", str(a.eval_rows), "-p", "out_dir", str(runs), "-p", "epochs", "1", "-p", "max_steps", str(a.max_steps)]
    results = dict(device=device_name(), versions=package_versions(), rows=a.rows, eval_rows=a.eval_rows, eval_steps=a.eval_steps, max_steps=a.max_steps,
                   image_size="1024x768", post_tokens=62, cases=[])
    for name in a.variants.split(","):
        extra, cap = (BASELINE, None) if name == "baseline" else ([], a.cap_gib if name.startswith("capped") else None)
        results["cases"].append(run_variant(name, extra, common, runs, cap, Path(a.data) / "cap"))
        (out / "cli_default_run.json").write_text(json.dumps(results, indent=2))
        (out / "cli_default_run.md").write_text(f"{results['device']}\n\n{a.rows} train rows (max_steps {a.max_steps}), eval every {a.eval_steps} steps on {a.eval_rows} rows\n\n{table(results['cases'])}\n")
        print(table(results["cases"]), flush=True)

if __name__ == "__main__": main()
