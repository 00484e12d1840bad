// Profiles — the built-in presets every config field defaults from: smoke (CI: a TopK and a ReLU SAE on the middle
// residual stream, a TopK transcoder per layer, a TopK CLT; small budgets, the cheap suites, ≤ 60 s on 2 cores),
// default (the same subjects wider and longer trained, the model suites, ≤ 5 min) and full (default plus a sweep of
// 6 widths × 4 token budgets of TopK SAEs whose fitted scaling exponents are gated metrics; docs/scaling.md). JSON, so a user config overrides them field by field as any other layer.
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

    private static JsonObject Smoke() => Parse("""
    {
      "profile": "smoke",
      "suites": ["reconstruction", "sparsity"],
      "eval": { "tokens": 4096, "context_length": 128, "sequences_per_batch": 16 },
      "training": { "steps": 60, "batch_tokens": 512, "learning_rate": 0.003, "stream_tokens": 16384, "buffer_tokens": 4096 },
      "dictionaries": [
        { "id": "topk-resid", "kind": "sae", "architecture": "topk", "width": 256, "k": 16 },
        { "id": "relu-resid", "kind": "sae", "architecture": "relu", "width": 256 },
        { "id": "plt", "kind": "transcoder", "architecture": "topk", "width": 256, "k": 16, "layers": "all" },
        { "id": "clt", "kind": "clt", "architecture": "topk", "width": 128, "k": 8 }
      ]
    }
    """);

    private static JsonObject Default() => Parse("""
    {
      "profile": "default",
      "suites": ["reconstruction", "sparsity", "fidelity", "neighbours", "attribution"],
      "eval": { "tokens": 8192, "context_length": 128, "sequences_per_batch": 16 },
      "training": { "steps": 200, "batch_tokens": 1024, "learning_rate": 0.002, "stream_tokens": 131072, "buffer_tokens": 8192 },
      "dictionaries": [
        { "id": "topk-resid", "kind": "sae", "architecture": "topk", "width": 512, "k": 32 },
        { "id": "relu-resid", "kind": "sae", "architecture": "relu", "width": 512 },
        { "id": "plt", "kind": "transcoder", "architecture": "topk", "width": 512, "k": 32, "layers": "all" },
        { "id": "clt", "kind": "clt", "architecture": "topk", "width": 256, "k": 16 }
      ]
    }
    """);

    private static JsonObject Full()
    {
        JsonObject full = Default();
        full["profile"] = "full";
        full["sweep"] = Parse("""
        { "widths": [32, 64, 128, 256, 512, 1024], "tokens": [8192, 32768, 131072, 262144], "architectures": ["topk"], "k": [16],
          "suites": ["reconstruction", "sparsity"], "bootstrap": 1000 }
        """);
        return full;
    }

    private static JsonObject Parse(string json) => (JsonObject)JsonNode.Parse(json)!;
}
