#!/usr/bin/env python3
"""PyTorch reference for `interp-eval bench harvest`: harvests one hook (the residual stream after block L) from a
GPT-2-layout model directory with a plain PyTorch module — fused QKV matmul, explicit causal softmax attention,
F.layer_norm, tanh GELU — at the same batch shape and thread count, under no_grad, stopping after block L as the
tool does. Prints one JSON object with tokens_per_s.

usage: bench_harvest.py MODEL_DIR --layer L [--batch 32] [--seq 128] [--repeats 10] [--threads N]
"""
import argparse, json, math, os, struct, time
import torch
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def load(model_dir):
    raw = open(os.path.join(model_dir, "model.safetensors"), "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    w = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=DTYPES[v["dtype"]]).reshape(v["shape"]).float()
        w[k[len("transformer."):] if k.startswith("transformer.") else k] = t
    return w


class Gpt2Harvester(torch.nn.Module):
    def __init__(self, cfg, w, layer):
        super().__init__()
        self.cfg, self.w, self.layer = cfg, w, layer

    def forward(self, ids):
        cfg, w = self.cfg, self.w
        b, t = ids.shape
        d, h = cfg["n_embd"], cfg["n_head"]
        eps = cfg.get("layer_norm_epsilon", 1e-5)
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        x = F.embedding(ids, w["wte.weight"]) + w["wpe.weight"][:t]
        for l in range(self.layer + 1):
            p = f"h.{l}."
            a = F.layer_norm(x, (d,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
            qkv = torch.addmm(w[p + "attn.c_attn.bias"], a.reshape(-1, d), w[p + "attn.c_attn.weight"]).view(b, t, 3 * d)
            q, k, v = (m.view(b, t, h, d // h).transpose(1, 2) for m in qkv.split(d, dim=-1))
            att = (q @ k.transpose(-1, -2) * (1.0 / math.sqrt(d // h))).masked_fill(mask, torch.finfo(torch.float32).min).softmax(-1)
            z = (att @ v).transpose(1, 2).reshape(b * t, d)
            x = x + torch.addmm(w[p + "attn.c_proj.bias"], z, w[p + "attn.c_proj.weight"]).view(b, t, d)
            m = F.layer_norm(x, (d,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
            hid = F.gelu(torch.addmm(w[p + "mlp.c_fc.bias"], m.reshape(-1, d), w[p + "mlp.c_fc.weight"]), approximate="tanh")
            x = x + torch.addmm(w[p + "mlp.c_proj.bias"], hid, w[p + "mlp.c_proj.weight"]).view(b, t, d)
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--layer", type=int, required=True)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(args.model_dir, "config.json")))
    model = Gpt2Harvester(cfg, load(args.model_dir), args.layer)
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, cfg["vocab_size"], (args.batch, args.seq), generator=gen)
    best = math.inf
    with torch.no_grad():
        model(ids)
        for _ in range(args.repeats):
            start = time.perf_counter()
            model(ids)
            best = min(best, time.perf_counter() - start)
    print(json.dumps({"benchmark": "harvest", "implementation": "pytorch", "torch": torch.__version__, "threads": args.threads,
                      "batch": args.batch, "seq": args.seq, "layer": args.layer, "seconds_per_batch": best,
                      "tokens_per_s": args.batch * args.seq / best}))


if __name__ == "__main__":
    main()
