// ModelConfig — the architecture facts of a Hugging Face config.json, normalised across GPT-2 and the Llama family
// (Llama, Qwen2/3, Mistral). It validates what the forward needs and says which field is at fault; it does not
// know about weights.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace InterpEval.Interp.Models;

/// <summary>Architecture family, chosen by config.json's model_type.</summary>
public enum ModelFamily
{
    Gpt2,
    Llama,
    /// <summary>Gemma 2 and Gemma 3 text models.</summary>
    Gemma,
}

public sealed record ModelConfig
{
    /// <summary>config.json's model_type as written (gpt2, llama, qwen2, qwen3, mistral).</summary>
    public required string ModelType { get; init; }
    public required ModelFamily Family { get; init; }
    public required int VocabSize { get; init; }
    /// <summary>Residual width (n_embd / hidden_size).</summary>
    public required int DModel { get; init; }
    public required int NLayers { get; init; }
    public required int NHeads { get; init; }
    /// <summary>Key/value heads (grouped-query attention); equals NHeads without GQA.</summary>
    public required int NKvHeads { get; init; }
    public required int HeadDim { get; init; }
    /// <summary>MLP hidden width (n_inner or 4·n_embd / intermediate_size).</summary>
    public required int DMlp { get; init; }
    /// <summary>Longest context the position scheme supports (n_positions / max_position_embeddings).</summary>
    public required int NCtx { get; init; }
    /// <summary>Normalisation epsilon (layer_norm_epsilon / rms_norm_eps).</summary>
    public required double NormEps { get; init; }
    public double RopeTheta { get; init; } = 10000;
    public bool TieWordEmbeddings { get; init; }
    /// <summary>q/k/v projections carry biases (Qwen2's attention_bias).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>RMSNorm on each query and key head before rotary (Qwen3).</summary>
    public bool QkNorm { get; init; }
    /// <summary>Keys further back than this are masked (Mistral's sliding window); null = full causal attention.</summary>
    public int? SlidingWindow { get; init; }
    /// <summary>Rotary frequency scaling (rope_scaling: "linear" or "llama3"); null = plain rotary.</summary>
    public RopeScaling? RopeScaling { get; init; }
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }
    /// <summary>Which layers use <see cref="SlidingWindow"/> (Gemma's alternating local/global layers); null = all of them.</summary>
    public bool[]? SlidingLayers { get; init; }
    /// <summary>Attention scores are scaled by query_pre_attn_scalar^−½ instead of head_dim^−½ (Gemma).</summary>
    public double? QueryPreAttnScalar { get; init; }
    /// <summary>Attention logits become cap·tanh(s / cap) (Gemma 2's attn_logit_softcapping).</summary>
    public double? AttnLogitSoftcap { get; init; }
    /// <summary>Output logits become cap·tanh(z / cap) (Gemma 2's final_logit_softcapping).</summary>
    public double? FinalLogitSoftcap { get; init; }
    /// <summary>Rotary base of the sliding-window layers (Gemma 3's rope_local_base_freq); null = RopeTheta.</summary>
    public double? RopeLocalTheta { get; init; }

    /// <summary>Whether layer <paramref name="layer"/> masks keys beyond the sliding window.</summary>
    public bool IsSlidingLayer(int layer) => SlidingWindow is not null && (SlidingLayers is null || SlidingLayers[layer]);

    /// <summary>config.json as Hugging Face writes it for this architecture (what Save puts beside the weights).</summary>
    public JsonObject ToJson()
    {
        var json = Family == ModelFamily.Gpt2
            ? new JsonObject
            {
                ["architectures"] = new JsonArray("GPT2LMHeadModel"), ["model_type"] = ModelType, ["vocab_size"] = VocabSize,
                ["n_embd"] = DModel, ["n_layer"] = NLayers, ["n_head"] = NHeads, ["n_inner"] = DMlp, ["n_positions"] = NCtx,
                ["n_ctx"] = NCtx, ["activation_function"] = "gelu_new", ["layer_norm_epsilon"] = NormEps,
                ["tie_word_embeddings"] = TieWordEmbeddings,
            }
            : new JsonObject
            {
                ["architectures"] = new JsonArray(ModelType switch { "qwen2" => "Qwen2ForCausalLM", "qwen3" => "Qwen3ForCausalLM", "mistral" => "MistralForCausalLM", _ => "LlamaForCausalLM" }),
                ["model_type"] = ModelType, ["vocab_size"] = VocabSize, ["hidden_size"] = DModel, ["num_hidden_layers"] = NLayers,
                ["num_attention_heads"] = NHeads, ["num_key_value_heads"] = NKvHeads, ["head_dim"] = HeadDim,
                ["intermediate_size"] = DMlp, ["max_position_embeddings"] = NCtx, ["rms_norm_eps"] = NormEps,
                ["rope_theta"] = RopeTheta, ["tie_word_embeddings"] = TieWordEmbeddings, ["attention_bias"] = AttentionBias,
                ["hidden_act"] = "silu",
            };
        if (Family == ModelFamily.Gemma) return GemmaJson();
        if (Family == ModelFamily.Llama && SlidingWindow is int w) { json["sliding_window"] = w; json["use_sliding_window"] = true; }
        if (RopeScaling is { } scaling) json["rope_scaling"] = scaling.ToJson();
        if (BosTokenId is int bos) json["bos_token_id"] = bos;
        if (EosTokenId is int eos) json["eos_token_id"] = eos;
        return json;
    }

    // config.json as the hub writes it for gemma2 / gemma3_text.
    private JsonObject GemmaJson()
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(ModelType == "gemma2" ? "Gemma2ForCausalLM" : "Gemma3ForCausalLM"), ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize, ["hidden_size"] = DModel, ["num_hidden_layers"] = NLayers, ["num_attention_heads"] = NHeads,
            ["num_key_value_heads"] = NKvHeads, ["head_dim"] = HeadDim, ["intermediate_size"] = DMlp, ["max_position_embeddings"] = NCtx,
            ["rms_norm_eps"] = NormEps, ["rope_theta"] = RopeTheta, ["tie_word_embeddings"] = TieWordEmbeddings,
            ["hidden_activation"] = "gelu_pytorch_tanh", ["query_pre_attn_scalar"] = QueryPreAttnScalar, ["sliding_window"] = SlidingWindow,
            ["attn_logit_softcapping"] = AttnLogitSoftcap, ["final_logit_softcapping"] = FinalLogitSoftcap,
            ["layer_types"] = new JsonArray(Enumerable.Range(0, NLayers).Select(l => (JsonNode)(IsSlidingLayer(l) ? "sliding_attention" : "full_attention")).ToArray()),
        };
        if (RopeLocalTheta is double local) json["rope_local_base_freq"] = local;
        if (RopeScaling is { } scaling) json["rope_scaling"] = scaling.ToJson();
        if (BosTokenId is int bos) json["bos_token_id"] = bos;
        if (EosTokenId is int eos) json["eos_token_id"] = eos;
        return json;
    }

    private static readonly Dictionary<string, ModelFamily> Families = new()
    {
        ["gemma2"] = ModelFamily.Gemma,
        ["gemma3_text"] = ModelFamily.Gemma,
        ["gpt2"] = ModelFamily.Gpt2,
        ["llama"] = ModelFamily.Llama,
        ["qwen2"] = ModelFamily.Llama,
        ["qwen3"] = ModelFamily.Llama,
        ["mistral"] = ModelFamily.Llama,
    };

    /// <summary>Reads and validates config.json; errors name the file and the field.</summary>
    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no config.json — expected a Hugging Face model directory", path);
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: malformed JSON ({e.Message})"); }
        return Parse(json, path);
    }

    public static ModelConfig Parse(JsonObject json, string path)
    {
        var f = new ConfigFields(json, path);
        string modelType = f.String("model_type");
        if (!Families.TryGetValue(modelType, out var family))
            throw new InvalidDataException($"{path}: model_type '{modelType}' is not supported — expected one of {string.Join(", ", Families.Keys)}");
        return family switch
        {
            ModelFamily.Gpt2 => ParseGpt2(f, modelType),
            ModelFamily.Gemma => ParseGemma(f, modelType),
            _ => ParseLlama(f, modelType),
        };
    }

    private static ModelConfig ParseGpt2(ConfigFields f, string modelType)
    {
        int d = f.Positive("n_embd");
        int heads = f.Positive("n_head");
        f.Require(d % heads == 0, "n_embd", $"n_embd {d} is not divisible by n_head {heads}");
        string act = f.OptionalString("activation_function") ?? "gelu_new";
        f.Require(act is "gelu_new" or "gelu_pytorch_tanh", "activation_function", $"activation_function '{act}' is not supported — expected gelu_new");
        return new ModelConfig
        {
            ModelType = modelType, Family = ModelFamily.Gpt2, VocabSize = f.Positive("vocab_size"), DModel = d,
            NLayers = f.Positive("n_layer"), NHeads = heads, NKvHeads = heads, HeadDim = d / heads,
            DMlp = f.OptionalPositive("n_inner") ?? 4 * d, NCtx = f.Positive("n_positions"),
            NormEps = f.OptionalPositiveDouble("layer_norm_epsilon") ?? 1e-5, TieWordEmbeddings = f.OptionalBool("tie_word_embeddings") ?? true,
            BosTokenId = f.OptionalInt("bos_token_id"), EosTokenId = f.OptionalInt("eos_token_id"),
        };
    }

    private static ModelConfig ParseLlama(ConfigFields f, string modelType)
    {
        int d = f.Positive("hidden_size");
        int heads = f.Positive("num_attention_heads");
        int kvHeads = f.OptionalPositive("num_key_value_heads") ?? heads;
        f.Require(heads % kvHeads == 0, "num_key_value_heads", $"num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");
        int headDim = f.OptionalPositive("head_dim") ?? d / heads;
        f.Require(headDim % 2 == 0, "head_dim", $"head_dim {headDim} must be even for rotary embeddings");
        string act = f.OptionalString("hidden_act") ?? "silu";
        f.Require(act == "silu", "hidden_act", $"hidden_act '{act}' is not supported — expected silu");
        bool slidingOn = f.OptionalBool("use_sliding_window") ?? modelType == "mistral";
        return new ModelConfig
        {
            ModelType = modelType, Family = ModelFamily.Llama, VocabSize = f.Positive("vocab_size"), DModel = d,
            NLayers = f.Positive("num_hidden_layers"), NHeads = heads, NKvHeads = kvHeads, HeadDim = headDim,
            DMlp = f.Positive("intermediate_size"), NCtx = f.OptionalPositive("max_position_embeddings") ?? 2048,
            NormEps = f.OptionalPositiveDouble("rms_norm_eps") ?? 1e-6, RopeTheta = f.OptionalPositiveDouble("rope_theta") ?? 10000,
            TieWordEmbeddings = f.OptionalBool("tie_word_embeddings") ?? false,
            AttentionBias = f.OptionalBool("attention_bias") ?? modelType == "qwen2",
            QkNorm = modelType == "qwen3",
            SlidingWindow = slidingOn ? f.OptionalPositive("sliding_window") : null,
            RopeScaling = RopeScaling.Parse(f.Node("rope_scaling"), f.Path),
            BosTokenId = f.OptionalInt("bos_token_id"), EosTokenId = f.OptionalInt("eos_token_id"),
        };
    }

    // Gemma 2 (modeling_gemma2.py): even layers slide, odd are global, soft-capping on. Gemma 3 (modeling_gemma3.py): every
    // sliding_window_pattern-th layer is global, q/k norms, a separate rotary base for local layers. layer_types wins when given.
    private static ModelConfig ParseGemma(ConfigFields f, string modelType)
    {
        int d = f.Positive("hidden_size");
        int heads = f.Positive("num_attention_heads");
        int kvHeads = f.OptionalPositive("num_key_value_heads") ?? heads;
        f.Require(heads % kvHeads == 0, "num_key_value_heads", $"num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");
        int headDim = f.OptionalPositive("head_dim") ?? 256;
        f.Require(headDim % 2 == 0, "head_dim", $"head_dim {headDim} must be even for rotary embeddings");
        string act = f.OptionalString("hidden_activation") ?? f.OptionalString("hidden_act") ?? "gelu_pytorch_tanh";
        f.Require(act is "gelu_pytorch_tanh" or "gelu_new", "hidden_activation", $"hidden_activation '{act}' is not supported — expected gelu_pytorch_tanh");
        int layers = f.Positive("num_hidden_layers");
        bool gemma2 = modelType == "gemma2";
        int pattern = f.OptionalPositive("sliding_window_pattern") ?? 6;
        var sliding = Enumerable.Range(0, layers).Select(l => gemma2 ? l % 2 == 0 : (l + 1) % pattern != 0).ToArray();
        if (f.Node("layer_types") is JsonArray types)
        {
            f.Require(types.Count == layers, "layer_types", $"layer_types has {types.Count} entries for {layers} layers");
            for (int l = 0; l < layers; l++)
            {
                string? t = types[l]?.GetValue<string>();
                f.Require(t is "sliding_attention" or "full_attention", "layer_types", $"layer_types[{l}] is '{t}' — expected sliding_attention or full_attention");
                sliding[l] = t == "sliding_attention";
            }
        }
        return new ModelConfig
        {
            ModelType = modelType, Family = ModelFamily.Gemma, VocabSize = f.Positive("vocab_size"), DModel = d, NLayers = layers,
            NHeads = heads, NKvHeads = kvHeads, HeadDim = headDim, DMlp = f.Positive("intermediate_size"),
            NCtx = f.OptionalPositive("max_position_embeddings") ?? 8192, NormEps = f.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = f.OptionalDouble("rope_theta") ?? (gemma2 ? 10000 : 1_000_000),
            TieWordEmbeddings = f.OptionalBool("tie_word_embeddings") ?? true,
            AttentionBias = f.OptionalBool("attention_bias") ?? false,
            QkNorm = !gemma2,
            SlidingWindow = f.OptionalPositive("sliding_window") ?? (gemma2 ? 4096 : 512),
            SlidingLayers = sliding,
            QueryPreAttnScalar = f.OptionalDouble("query_pre_attn_scalar") ?? headDim,
            // Gemma 2's config class defaults to 50 and 30; an explicit null turns capping off.
            AttnLogitSoftcap = gemma2 && !f.Has("attn_logit_softcapping") ? 50.0 : f.OptionalDouble("attn_logit_softcapping"),
            FinalLogitSoftcap = gemma2 && !f.Has("final_logit_softcapping") ? 30.0 : f.OptionalDouble("final_logit_softcapping"),
            RopeLocalTheta = gemma2 ? null : f.OptionalDouble("rope_local_base_freq") ?? 10000,
            RopeScaling = RopeScaling.Parse(f.Node("rope_scaling"), f.Path),
            BosTokenId = f.OptionalInt("bos_token_id"), EosTokenId = f.OptionalInt("eos_token_id"),
        };
    }

    /// <summary>Typed, validated access to config.json fields with messages naming the file and field.</summary>
    private sealed class ConfigFields(JsonObject json, string path)
    {
        public string Path => path;

        public JsonNode? Node(string key) => json[key];

        public bool Has(string key) => json.ContainsKey(key);

        public void Require(bool ok, string key, string message)
        {
            if (!ok) throw new InvalidDataException($"{path}: {message}");
        }

        public string String(string key) =>
            OptionalString(key) ?? throw new InvalidDataException($"{path}: missing field '{key}'");

        public string? OptionalString(string key) => json[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? s) => s,
            _ => throw new InvalidDataException($"{path}: field '{key}' should be a string"),
        };

        public int Positive(string key) =>
            OptionalPositive(key) ?? throw new InvalidDataException($"{path}: missing field '{key}'");

        public int? OptionalPositive(string key)
        {
            int? v = OptionalInt(key);
            if (v is <= 0) throw new InvalidDataException($"{path}: field '{key}' is {v} — expected a positive integer");
            return v;
        }

        public int? OptionalInt(string key) => json[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out int i) => i,
            JsonValue v when v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue => (int)d,
            JsonArray => null,
            _ => throw new InvalidDataException($"{path}: field '{key}' should be an integer"),
        };

        public double? OptionalDouble(string key) => json[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out double d) && double.IsFinite(d) => d,
            JsonValue v when v.TryGetValue(out int i) => i,
            _ => throw new InvalidDataException($"{path}: field '{key}' should be a finite number"),
        };

        /// <summary>A finite number > 0 (an epsilon or a rotary base: zero or negative gives NaN logits, never an error).</summary>
        public double? OptionalPositiveDouble(string key)
        {
            double? v = OptionalDouble(key);
            if (v is <= 0) throw new InvalidDataException($"{path}: field '{key}' is {v.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} — expected a positive number");
            return v;
        }

        public bool? OptionalBool(string key) => json[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out bool b) => b,
            _ => throw new InvalidDataException($"{path}: field '{key}' should be true or false"),
        };
    }
}
