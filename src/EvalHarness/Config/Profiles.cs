// Profiles — the built-in presets every config field defaults from: smoke (CI: a TopK and a ReLU SAE on the middle
// residual stream, a TopK transcoder per layer, a TopK CLT; small budgets, the cheap suites, ≤ 60 s on 2 cores),
// default (the same subjects wider and longer trained, the model suites, ≤ 5 min) and full (default plus a sweep of
// 6 widths × 4 token budgets of TopK SAEs whose fitted scaling exponents are gated metrics; docs/scaling.md). Typed
// presets (DefaultPreset is HarnessConfig's own defaults), handed to the loader as JSON, so a user config overrides them
// field by field as any other layer. The one source of defaults.
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Harness.Tool;

namespace InterpEval.Harness.Config;

public static class Profiles
{
    public static IReadOnlyList<string> Names { get; } = ["smoke", "default", "full"];

    /// <summary>The preset as a JSON object (a fresh copy); ArgumentException for an unknown name.</summary>
    public static JsonObject Get(string name) => name switch
    {
        "smoke" => Smoke(),
        "default" => Default(),
        "full" => Full(),
        _ => throw new UsageException($"--profile: unknown profile '{name}' — expected one of {string.Join(", ", Names)}"),
    };

    /// <summary>The default profile, typed: HarnessConfig's own defaults (its records' defaults are this profile's
    /// values) plus the subjects and suites. Every other default reads from here.</summary>
    public static HarnessConfig DefaultPreset { get; } = new()
    {
        Suites = ["reconstruction", "sparsity", "fidelity", "neighbours", "attribution"],
        Dictionaries =
        [
            new("topk-resid", "sae", "topk", 512, K: 32),
            new("relu-resid", "sae", "relu", 512),
            new("plt", "transcoder", "topk", 512, K: 32, Layers: JsonValue.Create("all")),
            new("clt", "clt", "topk", 256, K: 16),
        ],
    };

    /// <summary>The smoke profile: the default's subjects narrower, trained and measured on less.</summary>
    public static HarnessConfig SmokePreset { get; } = DefaultPreset with
    {
        Profile = "smoke",
        Suites = ["reconstruction", "sparsity"],
        Eval = DefaultPreset.Eval with { Tokens = 4096 },
        Training = DefaultPreset.Training with { Steps = 60, BatchTokens = 512, LearningRate = 0.003, StreamTokens = 16384, BufferTokens = 4096 },
        Dictionaries =
        [
            new("topk-resid", "sae", "topk", 256, K: 16),
            new("relu-resid", "sae", "relu", 256),
            new("plt", "transcoder", "topk", 256, K: 16, Layers: JsonValue.Create("all")),
            new("clt", "clt", "topk", 128, K: 8),
        ],
    };

    private static JsonObject Smoke() => ToJson(SmokePreset);

    private static JsonObject Default() => ToJson(DefaultPreset);

    private static JsonObject Full()
    {
        JsonObject full = Default();
        full["profile"] = "full";
        full["sweep"] = (JsonObject)JsonNode.Parse("""
        { "widths": [32, 64, 128, 256, 512, 1024], "tokens": [8192, 32768, 131072, 262144], "architectures": ["topk"], "k": [16],
          "suites": ["reconstruction", "sparsity"], "bootstrap": 1000 }
        """)!;
        return full;
    }

    /// <summary>A preset as the JSON layer the config file merges over (every field, snake_case).</summary>
    private static JsonObject ToJson(HarnessConfig preset) => JsonSerializer.SerializeToNode(preset, ConfigLoader.Json)!.AsObject();
}
