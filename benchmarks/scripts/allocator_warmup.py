"""Does the CUDA allocator's growth explain a run's slow first training step? A default run (batch 16 x 1 on the 11B, 48 GiB at
its peak) spends about 9 s more in its first step than in a steady one (H100, `h100_use.md`); the run sets
`PYTORCH_ALLOC_CONF=expandable_segments:True` (`env.RUNTIME_DEFAULTS`), under which every growth maps new physical pages.

In a fresh process per setting, it allocates `--gib` GiB as many tensors of a step's sizes (`--tensor-mib` each), frees them,
and allocates them again: the first pass pays the growth, the second reuses what is cached. Settings: expandable segments on
and off, and on after one tensor of the whole size was allocated and freed first (growing the segment in one call).

    python benchmarks/scripts/allocator_warmup.py --out DIR [--gib 40 --tensor-mib 24]

Writes DIR/allocator_warmup.json and .md."""
import argparse, json, os, subprocess, sys
from pathlib import Path

PASSES = """
import json, sys, time, torch
gib, tensor_mib, grow_first = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "1"
torch.cuda.init(); torch.empty(1, device="cuda"); torch.cuda.synchronize()  # the context, outside the timing
count, numel = int(gib * 1024 / tensor_mib), int(tensor_mib * 2**20 / 2)
def allocate():
    torch.cuda.synchronize(); started = time.perf_counter()
    tensors = [torch.empty(numel, dtype=torch.bfloat16, device="cuda") for _ in range(count)]
    torch.cuda.synchronize(); return time.perf_counter() - started, tensors
grow_s = 0.0
if grow_first:
    torch.cuda.synchronize(); started = time.perf_counter()
    whole = torch.empty(count * numel, dtype=torch.bfloat16, device="cuda"); del whole
    torch.cuda.synchronize(); grow_s = time.perf_counter() - started
first_s, tensors = allocate(); del tensors
second_s, tensors = allocate(); del tensors
print(json.dumps(dict(tensors=count, grow_first_s=round(grow_s, 3), first_pass_s=round(first_s, 3), second_pass_s=round(second_s, 3),
                      reserved_gib=round(torch.cuda.memory_reserved() / 2**30, 2))))
"""

SETTINGS = {"expandable segments (the run's default)": ("expandable_segments:True", "0"),
            "expandable segments, grown in one allocation first": ("expandable_segments:True", "1"),
            "no expandable segments": ("expandable_segments:False", "0")}

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True); p.add_argument("--gib", type=float, default=40); p.add_argument("--tensor-mib", type=float, default=24)
    a = p.parse_args()
    import torch
    if not torch.cuda.is_available(): sys.exit("allocator_warmup: needs a GPU")
    rows = []
    for name, (conf, grow_first) in SETTINGS.items():
        env = dict(os.environ, PYTORCH_ALLOC_CONF=conf)
        out = subprocess.run([sys.executable, "-c", PASSES, str(a.gib), str(a.tensor_mib), grow_first], env=env, capture_output=True, text=True)
        rows.append(dict(setting=name, **(json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else dict(error=out.stderr[-500:]))))
        print(rows[-1], flush=True)
    results = dict(device=torch.cuda.get_device_name(), torch=torch.__version__, gib=a.gib, tensor_mib=a.tensor_mib, settings=rows)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    (out / "allocator_warmup.json").write_text(json.dumps(results, indent=2))
    lines = [f"{results['device']}, torch {results['torch']}: {a.gib} GiB as tensors of {a.tensor_mib} MiB", "",
             "| setting | grown first (s) | first pass (s) | second pass (s) | reserved GiB |", "|---|---|---|---|---|"]
    lines += [f"| {r['setting']} | {r.get('grow_first_s', '')} | {r.get('first_pass_s', r.get('error', ''))} | {r.get('second_pass_s', '')} | {r.get('reserved_gib', '')} |"
              for r in rows]
    (out / "allocator_warmup.md").write_text("\n".join(lines) + "\n"); print("\n".join(lines))

if __name__ == "__main__": main()
