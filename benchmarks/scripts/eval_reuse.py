"""The eval rows' image features computed once and served to later evals (issue 24, part 2), on a finished run: for
generation and score mode, the same eval rows evaluated with no reuse, then three times through one ImageFeatureCache
(the first computes and keeps the features, the later ones are served them), as a run's evals are. Says whether every
prediction is bit for bit the same as without reuse (generated text; score mode's margins as floats), and each eval's rows/s.

    python benchmarks/scripts/eval_reuse.py --run RUN_DIR --out DIR [--rows 100] [--eval-batch N]
    python benchmarks/scripts/eval_reuse.py --out DIR --eval-batch 64 [--rows 128]   (no run: the 11B architecture with random
        weights and a fresh LoRA, on cli_default_run.py's MMSD2.0-shaped set, both built here if missing)

Writes DIR/eval_reuse.json and .md."""
import argparse, dataclasses, json, sys, time
from pathlib import Path
import torch
from sarcasm_sft.config import build_cfg
from sarcasm_sft.data import load_split
from sarcasm_sft.runs import device_name, load_run, package_versions
from sarcasm_sft.scoring import ImageFeatureCache, eval_predictions, eval_subset

def timed_eval(model, processor, rows, cfg, features) -> tuple[list[dict], float]:
    if torch.cuda.is_available(): torch.cuda.synchronize()
    started = time.perf_counter()
    predictions = eval_predictions(model, processor, rows, cfg, features=features)
    if torch.cuda.is_available(): torch.cuda.synchronize()
    return predictions, time.perf_counter() - started

def reuse_case(model, processor, rows, cfg) -> dict:
    "One eval mode: no reuse, then three evals sharing a cache; rows/s of each, and whether each equals the one without reuse."
    eval_predictions(model, processor, rows.select(range(min(8, len(rows)))), cfg)  # warm-up: kernels, allocator
    plain, plain_s = timed_eval(model, processor, rows, cfg, None)
    cache, evals = ImageFeatureCache(budget_gib=64), []
    for _ in range(3):
        predictions, seconds = timed_eval(model, processor, rows, cfg, cache)
        evals.append(dict(rows_per_s=round(len(rows) / seconds, 2), seconds=round(seconds, 2), identical=predictions == plain))
    first, later = evals[0]["rows_per_s"], [e["rows_per_s"] for e in evals[1:]]
    return dict(mode=cfg.eval.eval_mode, rows=len(rows), eval_batch=cfg.eval.eval_batch_size, no_reuse_rows_per_s=round(len(rows) / plain_s, 2),
                evals=evals, later_vs_first=round(min(later) / first, 2), all_identical=all(e["identical"] for e in evals),
                cache=cache.summary())

def fresh_lora(checkpoint: str, data: str, rows: int) -> tuple:
    "(model, processor, cfg): the 11B architecture with random weights and the default LoRA, as a run loads it before training."
    sys.path.insert(0, str(Path(__file__).parent))
    from transformers import AutoTokenizer
    from cli_default_run import write_mmsd_layout
    from sarcasm_sft.model import load_model, load_processor
    from sarcasm_sft.planning import ELEVEN_B
    from sarcasm_sft.offline import build_random_checkpoint
    build_random_checkpoint(checkpoint, ELEVEN_B)
    write_mmsd_layout(Path(data), AutoTokenizer.from_pretrained(checkpoint), 16, rows)
    cfg = build_cfg(model_name_or_path=checkpoint, dataset=data)
    return load_model(cfg), load_processor(cfg), cfg

def table(cases: list[dict]) -> str:
    lines = ["| eval mode | rows | eval batch | no reuse (rows/s) | first eval, computing (rows/s) | later evals, served (rows/s) | "
             "slowest later / first | bit-identical to no reuse |", "|" + "---|" * 8]
    for c in cases:
        later = ", ".join(str(e["rows_per_s"]) for e in c["evals"][1:])
        lines.append(f"| {c['mode']} | {c['rows']} | {c['eval_batch']} | {c['no_reuse_rows_per_s']} | {c['evals'][0]['rows_per_s']} | "
                     f"{later} | {c['later_vs_first']}x | {'yes' if c['all_identical'] else 'NO'} |")
    return "\n".join(lines)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", help="a finished run folder; default: a fresh LoRA on --checkpoint"); p.add_argument("--out", required=True)
    p.add_argument("--checkpoint", default="/dev/shm/mllama-11b-random"); p.add_argument("--data", default="/dev/shm/mmsd-shaped")
    p.add_argument("--with-pixels", action="store_true", help="make served batches with their pixels, as before stand_in_pixels")
    p.add_argument("--rows", type=int, default=100); p.add_argument("--eval-batch", type=int, default=None, help="default: the run's")
    a = p.parse_args()
    if a.with_pixels:
        import sarcasm_sft.scoring
        sarcasm_sft.scoring.kept_layouts = lambda features, blank_images: None
    if a.run:
        model, processor, cfg = load_run(a.run)
        eval_batch = a.eval_batch or json.loads((Path(a.run) / "training_meta.json").read_text())["batching"]["eval_batch_size"]
    else:
        model, processor, cfg, eval_batch = *fresh_lora(a.checkpoint, a.data, a.rows), a.eval_batch
    rows = eval_subset(load_split(cfg, "validation"), a.rows, cfg.train.seed)
    results = dict(device=device_name(), versions=package_versions(), run=str(a.run), served_batches_with_pixels=a.with_pixels, cases=[])
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    for mode in ("generate", "score"):
        case_cfg = dataclasses.replace(cfg, eval=dataclasses.replace(cfg.eval, eval_mode=mode, eval_batch_size=eval_batch))
        results["cases"].append(reuse_case(model, processor, rows, case_cfg))
        name = "eval_reuse_with_pixels" if a.with_pixels else "eval_reuse"
        (out / f"{name}.json").write_text(json.dumps(results, indent=2))
        (out / f"{name}.md").write_text(f"{results['device']}\n\n{table(results['cases'])}\n")
        print(table(results["cases"]), flush=True)

if __name__ == "__main__": main()
