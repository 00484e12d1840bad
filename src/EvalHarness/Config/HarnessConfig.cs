// HarnessConfig — what `interp-eval run` does, as the JSON config names it (schema in docs/harness.md): the subject
// model and corpus (embedded by default), the dictionaries to train or load, the suites and their options, where
// outputs, caches, history and baselines go. Every field has a default: the records' defaults are the default profile's
// values (Profiles.DefaultPreset adds its subjects and suites); ConfigLoader merges the profile, the file, --set and the
// command-line options, then Validate names the field at fault.
using System.Text.Json.Serialization;
using InterpEval.Suites;

namespace InterpEval.Harness.Config;

public sealed record HarnessConfig
{
    /// <summary>smoke, default or full: the preset the other fields default from.</summary>
    public string Profile { get; init; } = "default";

    /// <summary>A Hugging Face model directory; null = the embedded model.</summary>
    public string? Model { get; init; }

    /// <summary>A labelled corpus (corpus.jsonl.gz); null = the embedded corpus.</summary>
    public string? Corpus { get; init; }

    /// <summary>Seed of every random choice (initialisation, data order, suite sampling).</summary>
    public ulong Seed { get; init; }

    /// <summary>Output directory for results.json, results.csv, summary.md, junit.xml, report.html, ….</summary>
    public string Out { get; init; } = "artifacts/interp-eval";

    /// <summary>The baseline file; null = baselines/&lt;profile&gt;.json.</summary>
    public string? Baselines { get; init; }

    /// <summary>Where trained dictionaries are cached by content hash.</summary>
    public string CacheDir { get; init; } = ".interp-eval/cache";

    /// <summary>The SQLite run history; "" = do not record.</summary>
    public string History { get; init; } = ".interp-eval/history.db";

    /// <summary>Suites to run, in order (names from the suite registry).</summary>
    public IReadOnlyList<string> Suites { get; init; } = [];

    /// <summary>Evaluation options every suite shares.</summary>
    public EvalSettings Eval { get; init; } = new();

    /// <summary>Training hyperparameters every trained dictionary starts from (a dictionary's "training" overrides).</summary>
    public TrainingSettings Training { get; init; } = new();

    /// <summary>The subjects: dictionaries to train (cached) or load.</summary>
    public IReadOnlyList<DictionarySpec> Dictionaries { get; init; } = [];

    /// <summary>Exporters to write (console prints to stdout; the rest write files under Out).</summary>
    public IReadOnlyList<string> Exporters { get; init; } = ["console", "json", "csv", "markdown", "junit", "msbuild", "github", "html"];

    /// <summary>Whether a metric in the baseline that the run did not produce fails the gate.</summary>
    public bool FailOnMissing { get; init; } = true;

    /// <summary>A width × token-budget sweep run after the suites, its fitted exponents gated like any metric; null = none.</summary>
    public SweepSettings? Sweep { get; init; }

    /// <summary>The baseline path in force.</summary>
    [JsonIgnore]
    public string BaselinePath => Baselines ?? Path.Combine("baselines", Profile + ".json");
}

/// <param name="Tokens">Evaluation tokens per suite.</param>
/// <param name="ContextLength">Tokens per evaluation window.</param>
/// <param name="SequencesPerBatch">Windows per forward pass.</param>
public sealed record EvalSettings(int Tokens = 8192, int ContextLength = 128, int SequencesPerBatch = 16)
{
    /// <summary>The suites' options for these settings and a seed.</summary>
    public SuiteOptions ToSuiteOptions(ulong seed) => new(Tokens, ContextLength, SequencesPerBatch, seed);
}

/// <param name="Steps">Optimiser steps.</param>
/// <param name="BatchTokens">Tokens per step.</param>
/// <param name="LearningRate">Peak Adam learning rate.</param>
/// <param name="WarmupSteps">Linear learning-rate warm-up.</param>
/// <param name="SparsityWarmupSteps">Steps over which the sparsity coefficient rises from 0; null = 5 % of the steps (as `train`).</param>
/// <param name="StreamTokens">Distinct training tokens harvested from the corpus train split (reused over passes).</param>
/// <param name="ContextLength">Tokens per training window.</param>
/// <param name="DeadTokens">A latent silent this many tokens is dead (AuxK); null = min(10 M, a tenth of steps × batch).</param>
/// <param name="BufferTokens">The activation store's shuffling buffer.</param>
public sealed record TrainingSettings(
    int Steps = 200,
    int BatchTokens = 1024,
    double LearningRate = 0.002,
    int WarmupSteps = 0,
    int? SparsityWarmupSteps = null,
    int StreamTokens = 131072,
    int ContextLength = 128,
    int BufferTokens = 8192,
    long? DeadTokens = null);

/// <param name="Id">The subject id in every record (stable across runs: baselines key on it).</param>
/// <param name="Kind">sae, transcoder, skip-transcoder, clt (one cross-layer transcoder over every layer).</param>
/// <param name="Architecture">relu, topk, batchtopk, jumprelu, gated, matryoshka-batchtopk.</param>
/// <param name="Width">Latents (d_sae).</param>
/// <param name="K">Active latents per token (topk, batchtopk).</param>
/// <param name="SparsityCoefficient">λ of relu's L1 / jumprelu's penalty; null = the architecture's default.</param>
/// <param name="Hook">Hook read; null = the kind's default at the middle layer.</param>
/// <param name="HookOut">Hook predicted by a transcoder; null = the same layer's hook_mlp_out.</param>
/// <param name="Path">A dictionary directory to load instead of training (cfg.json + sae_weights.safetensors).</param>
/// <param name="Training">Overrides of the shared training settings for this dictionary (same field names).</param>
/// <param name="Layers">"all" or a list of layer numbers: one dictionary per layer (id "{Id}-l{layer}", the kind's default
/// hook at that layer), each trained and cached on its own (DictionaryExpansion); null = one dictionary.</param>
/// <param name="ThresholdInit">jumprelu: θ₀ (null = the dictionary's default).</param>
/// <param name="Bandwidth">jumprelu: ε of the straight-through estimator.</param>
/// <param name="SparsityLoss">jumprelu: "l0" or "tanh".</param>
/// <param name="TanhC">jumprelu with the tanh loss: c.</param>
/// <param name="PreActCoefficient">jumprelu: the pre-activation penalty's coefficient.</param>
public sealed record DictionarySpec(
    string Id,
    string Kind = "sae",
    string Architecture = "topk",
    int Width = 512,
    int? K = null,
    double? SparsityCoefficient = null,
    string? Hook = null,
    string? HookOut = null,
    string? Path = null,
    System.Text.Json.Nodes.JsonObject? Training = null,
    System.Text.Json.Nodes.JsonNode? Layers = null,
    double? ThresholdInit = null,
    double? Bandwidth = null,
    string? SparsityLoss = null,
    double? TanhC = null,
    double? PreActCoefficient = null);
