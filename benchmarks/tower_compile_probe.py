"""The 11B vision tower alone, eager against its encoder layers compiled one by one (torch.compile's regional compilation).

Random weights in bf16, the project's own tower path (`accept_fewer_tiles`, `mllama_vision_attention`, 4 images per pass),
16 images of 4 tiles (large) or of 4, 3, 2 and 1 real tiles (mixed) per call. Results: h200_tower_compile.md / .json.

    python benchmarks/tower_compile_probe.py OUT_DIR              # on the GPU machine, after installing the wheels
    PROBE_CPU=1 python benchmarks/tower_compile_probe.py OUT_DIR  # a small tower on the CPU, to try the script out
"""
import json, os, sys, time, torch
from transformers import MllamaConfig
from transformers.models.mllama.modeling_mllama import MllamaVisionModel, MllamaVisionEncoderLayer
import sarcasm_sft.model as M
out_dir = sys.argv[1]
torch.backends.cuda.matmul.allow_tf32 = True
cpu = os.environ.get("PROBE_CPU") == "1"
dev, size = ("cpu", 112) if cpu else ("cuda", 560)
cfg = MllamaConfig(vision_config={"image_size": size} | (dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_global_layers=1, attention_heads=4, intermediate_layers_indices=[0], vision_output_dim=128) if cpu else {})).vision_config
cfg._attn_implementation = "sdpa"
torch.manual_seed(0)
with torch.device(dev): vision = MllamaVisionModel(cfg).to(torch.bfloat16).eval()
holder = torch.nn.Module(); holder.vision_model = vision
M.accept_fewer_tiles(holder); M.keep_returned_states(holder); M.set_vision_attention(holder)
M.set_image_encoding(holder, False, 4)
def inputs(real_tiles):  # one image per row, 4 tiles in the tensors
    n = len(real_tiles)
    ids = torch.tensor([{4: 6, 3: 3, 2: 2, 1: 1}[t] for t in real_tiles], device=dev).view(n, 1)  # (2x2),(1x3)... ids in supported_canvases(4) order
    mask = torch.tensor([[1] * t + [0] * (4 - t) for t in real_tiles], device=dev).view(n, 1, 4)
    px = torch.randn(n, 1, 4, 3, size, size, device=dev, dtype=torch.bfloat16) * mask.view(n, 1, 4, 1, 1, 1)
    return dict(pixel_values=px, aspect_ratio_ids=ids, aspect_ratio_mask=mask)
sets = {"large": [4] * 16, "mixed": [4, 3, 2, 1] * 4}
results = dict(device=torch.cuda.get_device_name(0) if not cpu else "cpu", torch=torch.__version__, cases=[])
def run(batch):
    with torch.no_grad(): return vision(**batch).last_hidden_state
def timed(batch, reps=6):
    run(batch); run(batch); (torch.cuda.synchronize() if not cpu else None)
    times = []
    for _ in range(reps):
        t = time.perf_counter(); run(batch); (torch.cuda.synchronize() if not cpu else None); times.append(time.perf_counter() - t)
    times.sort(); return len(batch["pixel_values"]) / times[len(times) // 2]
batches = {k: inputs(v) for k, v in sets.items()}
reference = {k: run(b).float() for k, b in batches.items()}
def record(name, **kw):
    results["cases"].append(dict(name=name, **kw)); print(results["cases"][-1], flush=True)
    json.dump(results, open(os.path.join(out_dir, "tower_compile.json"), "w"), indent=2)
layers = [m for m in vision.modules() if isinstance(m, MllamaVisionEncoderLayer)]
# the attention works out its padding layout with data-dependent ops: it runs eagerly, between two compiled graphs
M.mllama_vision_attention = torch.compiler.disable(M.mllama_vision_attention)
from transformers import AttentionInterface
AttentionInterface.register(M.VISION_ATTENTION, M.mllama_vision_attention)
def set_compiled(mode):  # None: eager
    for l in layers:
        l._compiled_call_impl = None
        if mode: l.compile(mode=None if mode == "default" else mode)
for rnd in range(2):
    for mode in ["eager", "default", "max-autotune-no-cudagraphs"]:
        set_compiled(None if mode == "eager" else mode)
        for name, b in batches.items():
            t = time.perf_counter(); feats = run(b).float(); first = time.perf_counter() - t
            err = ((feats - reference[name]).norm() / reference[name].norm()).item()
            record(f"{mode}", set=name, round=rnd, first_call_s=round(first, 2), images_per_s=round(timed(b), 3), relative_error=err)
