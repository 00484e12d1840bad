#!/usr/bin/env python3
"""Independent reference forward for the model tests: GPT-2, Llama-family and Gemma 2/3 logits written with plain PyTorch,
following the equations of Hugging Face's modeling_gpt2.py / modeling_llama.py / modeling_qwen3.py / modeling_gemma2.py /
modeling_gemma3.py. It reads the
model directory itself (its own safetensors parser), so it shares no code with the C# path.

usage: hf_reference.py MODEL_DIR IDS(comma-separated) OUT.bin   -> float32 little-endian logits [T, vocab]
"""
import json, math, os, struct, sys
import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=DTYPES[info["dtype"]]) if e > b else torch.empty(0, dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).to(torch.float64)
    return out


def load_weights(model_dir):
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        return read_safetensors(single)
    index = json.load(open(os.path.join(model_dir, "model.safetensors.index.json")))
    weights = {}
    for shard in sorted(set(index["weight_map"].values())):
        weights.update(read_safetensors(os.path.join(model_dir, shard)))
    return weights


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def causal_softmax(scores, window=None):
    t = scores.shape[-1]
    i = torch.arange(t)[:, None]
    j = torch.arange(t)[None, :]
    allowed = j <= i
    if window is not None:
        allowed = allowed & (i - j < window)
    return torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)


def gpt2(cfg, w, ids):
    p = "transformer." if "transformer.wte.weight" in w else ""
    d, h = cfg["n_embd"], cfg["n_head"]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    t = len(ids)
    x = w[p + "wte.weight"][ids] + w[p + "wpe.weight"][torch.arange(t)]
    for l in range(cfg["n_layer"]):
        q = f"{p}h.{l}."
        a = layer_norm(x, w[q + "ln_1.weight"], w[q + "ln_1.bias"], eps)
        qkv = a @ w[q + "attn.c_attn.weight"] + w[q + "attn.c_attn.bias"]          # Conv1D: [in, out]
        qs, ks, vs = qkv.split(d, dim=-1)
        heads = lambda m: m.view(t, h, d // h).transpose(0, 1)
        att = causal_softmax(heads(qs) @ heads(ks).transpose(-1, -2) / math.sqrt(d // h))
        z = (att @ heads(vs)).transpose(0, 1).reshape(t, d)
        x = x + z @ w[q + "attn.c_proj.weight"] + w[q + "attn.c_proj.bias"]
        m = layer_norm(x, w[q + "ln_2.weight"], w[q + "ln_2.bias"], eps)
        hid = m @ w[q + "mlp.c_fc.weight"] + w[q + "mlp.c_fc.bias"]
        hid = 0.5 * hid * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (hid + 0.044715 * hid ** 3)))   # gelu_new
        x = x + hid @ w[q + "mlp.c_proj.weight"] + w[q + "mlp.c_proj.bias"]
    x = layer_norm(x, w[p + "ln_f.weight"], w[p + "ln_f.bias"], eps)
    head = w["lm_head.weight"] if not cfg.get("tie_word_embeddings", True) and "lm_head.weight" in w else w[p + "wte.weight"]
    return x @ head.T


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def scale_rope(inv_freq, scaling):
    """transformers' _compute_linear_scaling / _compute_llama3_parameters."""
    if not scaling:
        return inv_freq
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "linear":
        return inv_freq / scaling["factor"]
    assert kind == "llama3", kind
    factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
    old = scaling["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, scaled)


def llama(cfg, w, ids):
    d, h = cfg["hidden_size"], cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads", h)
    hd = cfg.get("head_dim", d // h)
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    mtype = cfg["model_type"]
    bias = cfg.get("attention_bias", mtype == "qwen2")
    window = cfg.get("sliding_window") if cfg.get("use_sliding_window", mtype == "mistral") else None
    t = len(ids)
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    inv_freq = scale_rope(inv_freq, cfg.get("rope_scaling"))
    freqs = torch.arange(t, dtype=torch.float64)[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    x = w["model.embed_tokens.weight"][ids]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        a = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        proj = lambda name: a @ w[p + f"self_attn.{name}.weight"].T + (w[p + f"self_attn.{name}.bias"] if bias else 0)
        q = proj("q_proj").view(t, h, hd)
        k = proj("k_proj").view(t, kv, hd)
        v = proj("v_proj").view(t, kv, hd)
        if mtype == "qwen3":
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(h // kv, dim=0)
        v = v.repeat_interleave(h // kv, dim=0)
        att = causal_softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), window)
        z = (att @ v).transpose(0, 1).reshape(t, h * hd)
        x = x + z @ w[p + "self_attn.o_proj.weight"].T
        m = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = m @ w[p + "mlp.gate_proj.weight"].T
        up = m @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.T


def rope_tables(t, hd, theta, scaling):
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    inv_freq = scale_rope(inv_freq, scaling)
    freqs = torch.arange(t, dtype=torch.float64)[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def gemma(cfg, w, ids):
    """Gemma2DecoderLayer / Gemma3DecoderLayer: (1 + w) RMSNorm, pre and post norms, GeGLU, sqrt(d) embedding scale."""
    gemma2 = cfg["model_type"] == "gemma2"
    d, h = cfg["hidden_size"], cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads", h)
    hd = cfg.get("head_dim", 256)
    eps = cfg.get("rms_norm_eps", 1e-6)
    layers = cfg["num_hidden_layers"]
    pattern = cfg.get("sliding_window_pattern", 6)
    types = cfg.get("layer_types") or [
        "sliding_attention" if ((l % 2 == 0) if gemma2 else bool((l + 1) % pattern)) else "full_attention" for l in range(layers)]
    scaling = cfg.get("query_pre_attn_scalar", hd) ** -0.5
    attn_cap = cfg.get("attn_logit_softcapping", 50.0 if gemma2 else None)
    final_cap = cfg.get("final_logit_softcapping", 30.0 if gemma2 else None)
    window = cfg.get("sliding_window", 4096 if gemma2 else 512)
    t = len(ids)
    glob = rope_tables(t, hd, cfg.get("rope_theta", 10000.0 if gemma2 else 1e6), cfg.get("rope_scaling"))
    local = glob if gemma2 else rope_tables(t, hd, cfg.get("rope_local_base_freq", 10000.0), None)

    def norm(x, wt):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * (1.0 + wt)

    x = w["model.embed_tokens.weight"][ids] * torch.tensor(d ** 0.5, dtype=torch.float32).item()
    for l in range(layers):
        p = f"model.layers.{l}."
        sliding = types[l] == "sliding_attention"
        cos, sin = local if sliding else glob
        a = norm(x, w[p + "input_layernorm.weight"])
        q = (a @ w[p + "self_attn.q_proj.weight"].T).view(t, h, hd)
        k = (a @ w[p + "self_attn.k_proj.weight"].T).view(t, kv, hd)
        v = (a @ w[p + "self_attn.v_proj.weight"].T).view(t, kv, hd)
        if not gemma2:
            q = norm(q, w[p + "self_attn.q_norm.weight"])
            k = norm(k, w[p + "self_attn.k_norm.weight"])
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(h // kv, dim=0)
        v = v.repeat_interleave(h // kv, dim=0)
        scores = q @ k.transpose(-1, -2) * scaling
        if attn_cap is not None:
            scores = torch.tanh(scores / attn_cap) * attn_cap
        att = causal_softmax(scores, window if sliding else None)
        z = (att @ v).transpose(0, 1).reshape(t, h * hd) @ w[p + "self_attn.o_proj.weight"].T
        x = x + norm(z, w[p + "post_attention_layernorm.weight"])
        m = norm(x, w[p + "pre_feedforward_layernorm.weight"])
        hid = torch.nn.functional.gelu(m @ w[p + "mlp.gate_proj.weight"].T, approximate="tanh") * (m @ w[p + "mlp.up_proj.weight"].T)
        x = x + norm(hid @ w[p + "mlp.down_proj.weight"].T, w[p + "post_feedforward_layernorm.weight"])
    x = norm(x, w["model.norm.weight"])
    head = w["lm_head.weight"] if not cfg.get("tie_word_embeddings", True) and "lm_head.weight" in w else w["model.embed_tokens.weight"]
    logits = x @ head.T
    if final_cap is not None:
        logits = torch.tanh(logits / final_cap) * final_cap
    return logits


def main():
    model_dir, ids, out = sys.argv[1], [int(i) for i in sys.argv[2].split(",")], sys.argv[3]
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    w = load_weights(model_dir)
    mtype = cfg["model_type"]
    logits = gpt2(cfg, w, ids) if mtype == "gpt2" else gemma(cfg, w, ids) if mtype in ("gemma2", "gemma3_text") else llama(cfg, w, ids)
    with open(out, "wb") as f:
        f.write(logits.to(torch.float32).contiguous().numpy().tobytes())


if __name__ == "__main__":
    main()
