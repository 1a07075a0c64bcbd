"""A batch's image tensors on the CPU: `collator.image_pixels` (each image through the image processor on its own, over threads
in the run's own process, one after another in a DataLoader worker) against one processor call for the whole batch followed by
the row gather and the bf16 cast (what it did before 2026-12-08), with Llama-3.2-Vision's image processor (560-px tiles, at most
4) on 1024x768 JPEGs with some content (`photo_like_images`). Both give the same tensors (checked here). The two ways alternate,
so that the machine's drift favours neither, after a first call of each (the check), which is not timed.

    python benchmarks/scripts/image_prep_cpu.py --out DIR [--rows 16,32,64 --rounds 5 --size 1024x768]

Writes DIR/image_prep_cpu.json and .md."""
import argparse, io, json, os, platform, random, statistics, time
from pathlib import Path

def photo_like_images(count: int, size=(1024, 768), seed: int = 0) -> list:
    "JPEG-decoded RGB images with some content, as `cli_default_run.write_mmsd_layout` writes them."
    from PIL import Image, ImageDraw
    rng, images = random.Random(seed), []
    for _ in range(count):
        image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _ in range(20):
            x, y = rng.randrange(size[0]), rng.randrange(size[1])
            draw.ellipse([x, y, x + 200, y + 150], outline=tuple(rng.randrange(256) for _ in range(3)), width=20)
        buffer = io.BytesIO(); image.save(buffer, "JPEG", quality=90)
        images.append(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
    return images

def processor():
    from types import SimpleNamespace
    from transformers import MllamaImageProcessor
    return SimpleNamespace(image_processor=MllamaImageProcessor(size={"height": 560, "width": 560}, max_image_tiles=4))

def one_call(proc, images):
    "Before: one processor call, the gather by row, then the cast."
    import torch
    pixels = proc.image_processor([[im] for im in images], return_tensors="pt"); pixels.pop("num_tiles")
    pixels = {k: v[list(range(len(images)))] for k, v in pixels.items()}
    return dict(pixels, pixel_values=pixels["pixel_values"].to(torch.bfloat16))

def now(proc, images):
    import torch
    from sarcasm_sft.collator import image_pixels
    return image_pixels(proc, [dict(image=im) for im in images], images, torch.bfloat16)[0]

def timed(rows: int, rounds: int, size=(1024, 768)) -> dict:
    "Median seconds of each way over `rounds` alternating rounds after a first one, in this process."
    import torch
    proc, images = processor(), photo_like_images(rows, size)
    before, after = one_call(proc, images), now(proc, images)
    assert all(torch.equal(before[k], after[k]) for k in before), "the two ways gave different tensors"
    taken = {"one call": [], "image_pixels": []}
    for _ in range(rounds):
        for name, make in (("one call", one_call), ("image_pixels", now)):
            started = time.perf_counter(); make(proc, images); taken[name].append(time.perf_counter() - started)
    return {name: round(statistics.median(t), 3) for name, t in taken.items()}

class InWorker:
    "`timed` inside a DataLoader worker, where image_pixels uses no threads."
    def __init__(self, rows, rounds, size): self.rows, self.rounds, self.size = rows, rounds, size
    def __len__(self): return 1
    def __getitem__(self, i): return timed(self.rows, self.rounds, self.size)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True); p.add_argument("--rows", default="16,32,64"); p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--size", default="1024x768", help="the images' width x height (480x360: one tile)")
    a = p.parse_args()
    size = tuple(int(n) for n in a.size.split("x"))
    import torch, transformers
    from sarcasm_sft.collator import IMAGE_THREADS
    cases = []
    for rows in (int(n) for n in a.rows.split(",")):
        for where in ("the run's process", "a DataLoader worker"):
            if where == "the run's process": t = timed(rows, a.rounds, size)
            else: t = next(iter(torch.utils.data.DataLoader(InWorker(rows, a.rounds, size), batch_size=None, num_workers=1)))
            cases.append(dict(rows=rows, where=where, **t, ratio=round(t["image_pixels"] / t["one call"], 2)))
            print(cases[-1], flush=True)
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, transformers {transformers.__version__}, "
               f"{type(processor().image_processor).__name__}, IMAGE_THREADS {IMAGE_THREADS}; {a.size} JPEGs")
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    (out / "image_prep_cpu.json").write_text(json.dumps(dict(machine=machine, rounds=a.rounds, size=a.size, cases=cases), indent=2))
    lines = [machine, "", "| rows | where | one call, then gather and cast (s) | image_pixels (s) | image_pixels / one call |", "|---|---|---|---|---|"]
    lines += [f"| {c['rows']} | {c['where']} | {c['one call']} | {c['image_pixels']} | {c['ratio']}x |" for c in cases]
    (out / "image_prep_cpu.md").write_text("\n".join(lines) + "\n"); print("\n".join(lines))

if __name__ == "__main__": main()
