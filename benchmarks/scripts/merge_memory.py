"""The streaming merge (`export.merge_into_base`, what `sarcasm-sft export --merge` runs before its check) on the 11B
architecture, on any machine (it never uses a GPU): its time and its peak host memory against the largest shard.

A random bf16 checkpoint of Llama-3.2-11B-Vision's shape is written shard by shard (`offline.build_random_checkpoint` holds the
whole model, 20 GiB, which a small machine cannot), with the tensor
names and shapes of `MllamaForConditionalGeneration`, and an adapter with random LoRA weights on the default targets of the
`llama3_2vl` preset; a fresh process then merges one into the other, and a parent of its own reads its peak resident memory (`peak_rss_of`).

    python benchmarks/scripts/merge_memory.py --out DIR [--work /tmp/merge-11b] [--shard-gib 5]

Writes DIR/merge_memory.json and .md."""
import argparse, json, os, platform, shutil, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from preemption_and_use import peak_rss_of

MERGE = "import sys; from pathlib import Path; from sarcasm_sft.export import merge_into_base; print(merge_into_base(*map(Path, sys.argv[1:])))"

def meta_model():
    "The 11B architecture on the meta device: its tensor names and shapes, no memory."
    import torch
    from transformers import MllamaConfig, MllamaForConditionalGeneration
    from sarcasm_sft.planning import ELEVEN_B
    config = MllamaConfig(**ELEVEN_B)
    with torch.device("meta"): return config, MllamaForConditionalGeneration(config)

def write_random_checkpoint(folder: Path, shard_gib: float) -> dict:
    "Random bf16 weights in shards of at most `shard_gib`, one shard in memory at a time, with the shard index and config."
    import torch
    from safetensors.torch import save_file
    config, model = meta_model()
    if (folder / "model.safetensors.index.json").exists():  # written by an earlier run of this script: its shards' sizes
        sizes = [p.stat().st_size for p in folder.glob("model-*.safetensors")]
        return dict(shards=len(sizes), largest_shard_gib=round(max(sizes) / 2**30, 2), total_gib=round(sum(sizes) / 2**30, 2))
    folder.mkdir(parents=True, exist_ok=True)
    limit, shards, current, size, weight_map = int(shard_gib * 2**30), [], {}, 0, {}
    def flush():
        nonlocal current, size
        name = f"model-{len(shards) + 1:05d}.safetensors"
        save_file(current, folder / name, metadata={"format": "pt"}); shards.append(size)
        weight_map.update({k: name for k in current}); current, size = {}, 0
    for name, p in model.state_dict().items():
        nbytes = p.numel() * 2
        if current and size + nbytes > limit: flush()
        current[name] = (torch.randn(p.shape, dtype=torch.float32) * 0.02).to(torch.bfloat16); size += nbytes
    flush()
    total = sum(shards)
    (folder / "model.safetensors.index.json").write_text(json.dumps(dict(metadata=dict(total_size=total), weight_map=weight_map)))
    config.save_pretrained(folder)
    return dict(shards=len(shards), largest_shard_gib=round(max(shards) / 2**30, 2), total_gib=round(total / 2**30, 2))

def write_random_adapter(folder: Path) -> dict:
    "An adapter folder as PEFT writes one: the preset's LoRA config and random A and B for every targeted module."
    import torch
    from peft import get_peft_model, get_peft_model_state_dict
    from safetensors.torch import save_file
    from sarcasm_sft.config import CARDS, build_cfg
    from sarcasm_sft.model import lora_config
    _, model = meta_model()
    lora = lora_config(build_cfg(model_name_or_path=CARDS.llama3_2vl))
    peft_model = get_peft_model(model, lora)
    weights = {k: torch.randn(v.shape, dtype=torch.float32) * 0.01 for k, v in get_peft_model_state_dict(peft_model).items()}
    folder.mkdir(parents=True, exist_ok=True)
    save_file(weights, folder / "adapter_model.safetensors", metadata={"format": "pt"})
    peft_model.peft_config["default"].save_pretrained(folder)
    return dict(lora_r=lora.r, lora_tensors=len(weights), adapter_gib=round(sum(w.numel() * 4 for w in weights.values()) / 2**30, 3))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True); p.add_argument("--work", default="/tmp/merge-11b")
    p.add_argument("--shard-gib", type=float, default=5.0)
    a = p.parse_args()
    work, out = Path(a.work), Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    base = write_random_checkpoint(work / "base", a.shard_gib)
    adapter = write_random_adapter(work / "adapter")
    merged = work / "merged"
    shutil.rmtree(merged, ignore_errors=True); merged.mkdir()
    code, wall, peak_gib = peak_rss_of([sys.executable, "-c", MERGE, str(work / "base"), str(work / "adapter"), str(merged)])
    if code: sys.exit(f"the merge failed (exit {code})")
    from sarcasm_sft.runs import package_versions
    results = dict(machine=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, no GPU used", base=base, adapter=adapter,
                   merge=dict(wall_s=wall, peak_rss_gib=peak_gib, merged_shards=len(list(merged.glob("*.safetensors")))), versions=package_versions())
    (out / "merge_memory.json").write_text(json.dumps(results, indent=2))
    (out / "merge_memory.md").write_text(
        f"{results['machine']}\n\n| checkpoint | shards | largest shard (GiB) | adapter (GiB, float32) | merge (s) | peak host memory (GiB) |\n"
        f"|---|---|---|---|---|---|\n| 11B architecture, bf16, {base['total_gib']} GiB | {base['shards']} | {base['largest_shard_gib']} | "
        f"{adapter['adapter_gib']} ({adapter['lora_tensors']} tensors, r={adapter['lora_r']}) | {wall} | {peak_gib} |\n")
    print((out / "merge_memory.md").read_text())

if __name__ == "__main__": main()
