// TinyModels — writes small random-weight Hugging Face model directories (config.json + model.safetensors) for the
// model tests: GPT-2 and each Llama-family variant, in any weight dtype, with or without GPT-2's "transformer." prefix.
using System.Text.Json.Nodes;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Interp.Tests.Models;

internal static class TinyModels
{
    public const int Vocab = 48;

    public static JsonObject Gpt2Config() => new()
    {
        ["model_type"] = "gpt2", ["vocab_size"] = Vocab, ["n_embd"] = 16, ["n_layer"] = 2, ["n_head"] = 4,
        ["n_positions"] = 32, ["layer_norm_epsilon"] = 1e-5, ["activation_function"] = "gelu_new",
    };

    public static JsonObject LlamaConfig(string modelType = "llama", int kvHeads = 2, bool tied = false) => new()
    {
        ["model_type"] = modelType, ["vocab_size"] = Vocab, ["hidden_size"] = 16, ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4, ["num_key_value_heads"] = kvHeads, ["intermediate_size"] = 24,
        ["max_position_embeddings"] = 64, ["rms_norm_eps"] = 1e-6, ["rope_theta"] = 500.0, ["tie_word_embeddings"] = tied,
        ["hidden_act"] = "silu",
    };

    /// <summary>A tiny Gemma 2 (modelType "gemma2") or Gemma 3 ("gemma3_text") config: 3 layers so local and global layers alternate.</summary>
    public static JsonObject GemmaConfig(string modelType) => new()
    {
        ["model_type"] = modelType, ["vocab_size"] = Vocab, ["hidden_size"] = 16, ["num_hidden_layers"] = 3,
        ["num_attention_heads"] = 4, ["num_key_value_heads"] = 2, ["head_dim"] = 8, ["intermediate_size"] = 24,
        ["max_position_embeddings"] = 64, ["rms_norm_eps"] = 1e-6, ["rope_theta"] = modelType == "gemma2" ? 10000.0 : 1000000.0,
        ["hidden_activation"] = "gelu_pytorch_tanh", ["query_pre_attn_scalar"] = 12, ["sliding_window"] = 3, ["tie_word_embeddings"] = true,
    };

    /// <summary>Random weights for a config, keyed as Hugging Face names them.</summary>
    public static Dictionary<string, long[]> Shapes(JsonObject cfg)
    {
        var shapes = new Dictionary<string, long[]>();
        if ((string)cfg["model_type"]! == "gpt2")
        {
            long d = (int)cfg["n_embd"]!, v = (int)cfg["vocab_size"]!, p = (int)cfg["n_positions"]!;
            shapes["wte.weight"] = [v, d];
            shapes["wpe.weight"] = [p, d];
            for (int l = 0; l < (int)cfg["n_layer"]!; l++)
            {
                string h = $"h.{l}.";
                foreach (var ln in new[] { "ln_1", "ln_2" }) { shapes[h + ln + ".weight"] = [d]; shapes[h + ln + ".bias"] = [d]; }
                shapes[h + "attn.c_attn.weight"] = [d, 3 * d]; shapes[h + "attn.c_attn.bias"] = [3 * d];
                shapes[h + "attn.c_proj.weight"] = [d, d]; shapes[h + "attn.c_proj.bias"] = [d];
                shapes[h + "mlp.c_fc.weight"] = [d, 4 * d]; shapes[h + "mlp.c_fc.bias"] = [4 * d];
                shapes[h + "mlp.c_proj.weight"] = [4 * d, d]; shapes[h + "mlp.c_proj.bias"] = [d];
            }
            shapes["ln_f.weight"] = [d];
            shapes["ln_f.bias"] = [d];
            return shapes;
        }
        long hd = (int)cfg["hidden_size"]!, vv = (int)cfg["vocab_size"]!, heads = (int)cfg["num_attention_heads"]!;
        long kv = (int)cfg["num_key_value_heads"]!, hdim = cfg["head_dim"] is { } x ? (int)x : hd / heads, mlp = (int)cfg["intermediate_size"]!;
        string type = (string)cfg["model_type"]!;
        shapes["model.embed_tokens.weight"] = [vv, hd];
        for (int l = 0; l < (int)cfg["num_hidden_layers"]!; l++)
        {
            string p = $"model.layers.{l}.", a = p + "self_attn.";
            shapes[p + "input_layernorm.weight"] = [hd];
            shapes[p + "post_attention_layernorm.weight"] = [hd];
            shapes[a + "q_proj.weight"] = [heads * hdim, hd];
            shapes[a + "k_proj.weight"] = [kv * hdim, hd];
            shapes[a + "v_proj.weight"] = [kv * hdim, hd];
            shapes[a + "o_proj.weight"] = [hd, heads * hdim];
            if (type == "qwen2") { shapes[a + "q_proj.bias"] = [heads * hdim]; shapes[a + "k_proj.bias"] = [kv * hdim]; shapes[a + "v_proj.bias"] = [kv * hdim]; }
            if (type is "qwen3" or "gemma3_text") { shapes[a + "q_norm.weight"] = [hdim]; shapes[a + "k_norm.weight"] = [hdim]; }
            if (type.StartsWith("gemma", StringComparison.Ordinal))
            {
                shapes[p + "pre_feedforward_layernorm.weight"] = [hd];
                shapes[p + "post_feedforward_layernorm.weight"] = [hd];
            }
            shapes[p + "mlp.gate_proj.weight"] = [mlp, hd];
            shapes[p + "mlp.up_proj.weight"] = [mlp, hd];
            shapes[p + "mlp.down_proj.weight"] = [hd, mlp];
        }
        shapes["model.norm.weight"] = [hd];
        bool tiedByDefault = type.StartsWith("gemma", StringComparison.Ordinal);
        if (!(cfg["tie_word_embeddings"] is { } t ? (bool)t : tiedByDefault)) shapes["lm_head.weight"] = [vv, hd];
        return shapes;
    }

    /// <summary>Writes a model directory with random weights (norm weights near 1) and returns its path.</summary>
    public static string Write(string dir, JsonObject cfg, ScalarType dtype = ScalarType.Float32, string prefix = "", ulong seed = 1,
        Action<Dictionary<string, Tensor>>? edit = null)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), cfg.ToJsonString());
        using var scope = DisposeScope.Enter();
        using var gen = new Generator(seed);
        var tensors = Shapes(cfg).ToDictionary(kv => prefix + kv.Key, kv => Init(kv.Key, kv.Value, gen).To(dtype));
        edit?.Invoke(tensors);
        SafeTensorsWriter.Write(Path.Combine(dir, "model.safetensors"), tensors);
        return dir;
    }

    private static Tensor Init(string key, long[] shape, Generator gen)
    {
        var r = Tensor.Randn(shape, gen);
        bool norm = key.Contains("ln_") || key.Contains("norm") || key.Contains("layernorm");
        return norm && key.EndsWith(".weight") ? r * 0.1 + 1 : r * 0.3;
    }

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "ie-model-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }
}
