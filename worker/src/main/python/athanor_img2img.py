#!/usr/bin/env python3
"""Athanor img2img helper: Stable Diffusion image-to-image with diffusers' AutoPipelineForImage2Image.

Run by the worker's diffusers engine as ``python3 athanor_img2img.py --config job.json``. The config holds model,
prompt, negative_prompt, strength, guidance_scale, num_inference_steps, optional device / cpu_offload, and items:
[{"input", "output", "seed"}]. Progress goes to stdout as JSON lines, one object per line:

  {"event": "loaded", "model": ..., "device": ...}
  {"event": "progress", "index": i, "step": s, "total": n}   (s is 1-based; n = pipe._num_timesteps)
  {"event": "image", "index": i, "path": "...", "seed": seed}
  {"event": "done", "count": k}

Each image gets its own generator: torch.Generator(device).manual_seed(seed) ("cuda" on a GPU). SIGTERM sets
pipe._interrupt at the next step and the helper exits with 143.
"""
import argparse
import json
import signal
import sys

STOP = {"requested": False}


def emit(**fields):
    print(json.dumps(fields), flush=True)


def real_steps(n, strength):
    init_timestep = min(n * strength, n)
    t_start = int(max(n - init_timestep, 0))
    return n - t_start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    with open(args.config, encoding="utf-8") as f:
        cfg = json.load(f)

    signal.signal(signal.SIGTERM, lambda *_: STOP.update(requested=True))

    import torch
    from diffusers import AutoPipelineForImage2Image
    from diffusers.utils import load_image

    device = cfg.get("device") or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    pipe = AutoPipelineForImage2Image.from_pretrained(cfg["model"], torch_dtype=dtype)
    if cfg.get("cpu_offload"):
        pipe.enable_model_cpu_offload()
    else:
        pipe = pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    emit(event="loaded", model=cfg["model"], device=device)

    steps = int(cfg["num_inference_steps"])
    strength = float(cfg["strength"])
    done = 0
    for index, item in enumerate(cfg["items"]):
        if STOP["requested"]:
            sys.exit(143)
        image = load_image(item["input"]).convert("RGB")
        generator = torch.Generator(device).manual_seed(int(item["seed"]))

        def on_step_end(p, step, timestep, callback_kwargs, index=index):
            total = getattr(p, "_num_timesteps", None) or real_steps(steps, strength)
            emit(event="progress", index=index, step=step + 1, total=int(total))
            if STOP["requested"]:
                p._interrupt = True
            return callback_kwargs

        result = pipe(
            prompt=cfg.get("prompt") or "",
            negative_prompt=cfg.get("negative_prompt") or None,
            image=image,
            strength=strength,
            guidance_scale=float(cfg["guidance_scale"]),
            num_inference_steps=steps,
            generator=generator,
            callback_on_step_end=on_step_end,
        )
        if STOP["requested"]:
            sys.exit(143)
        result.images[0].save(item["output"])
        done += 1
        emit(event="image", index=index, path=item["output"], seed=int(item["seed"]))
    emit(event="done", count=done)


if __name__ == "__main__":
    main()
