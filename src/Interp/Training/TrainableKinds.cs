// TrainableKinds — the table from a kind name to what builds a trainable dictionary of that kind for a subject
// model: sae, transcoder and skip-transcoder (SparseDictionaryTrainable over any architecture of the registry), with
// their default hooks, and clt (CrossLayerTranscoderTrainable.Create). A kind is one entry. Training is the trainer's.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Training;

/// <summary>What to train, as `train` and the run config give it. Null fields take the kind's defaults. Faults are
/// SpecFieldExceptions naming the run config's fields.</summary>
/// <param name="Kind">sae, transcoder, skip-transcoder, clt.</param>
/// <param name="Architecture">relu, topk, batchtopk, jumprelu, gated, matryoshka-batchtopk.</param>
/// <param name="Width">Latents (d_sae; per layer for a clt).</param>
/// <param name="K">Active latents per token for topk/batchtopk (default min(32, width)).</param>
/// <param name="SparsityCoefficient">λ of relu's L1 or jumprelu's sparsity penalty (default: the architecture's).</param>
/// <param name="Hook">The hook read (default: the kind's, at the middle layer).</param>
/// <param name="HookOut">The hook predicted by a transcoder (default: the same layer's hook_mlp_out).</param>
/// <param name="Model">The subject model's config (layers and widths).</param>
/// <param name="Device">Where the dictionary lives (the run's --device).</param>
/// <param name="ModelName">Recorded in cfg.json.</param>
/// <param name="ContextSize">Tokens per training sequence, recorded in cfg.json.</param>
/// <param name="DatasetPath">Where the tokens came from, recorded in cfg.json.</param>
/// <param name="JumpRelu">JumpReLU's knobs (threshold init, bandwidth, sparsity loss, tanh c, pre-activation penalty); jumprelu only.</param>
public sealed record TrainableSpec(string Kind, string Architecture, int Width, int? K, double? SparsityCoefficient, string? Hook,
    string? HookOut, ModelConfig Model, Device Device, string ModelName = "", int ContextSize = 128, string DatasetPath = "", ulong Seed = 0,
    JumpReluOptions? JumpRelu = null);

/// <param name="Name">The kind name.</param>
/// <param name="Create">A fresh trainable dictionary for a spec (SpecFieldException naming the field on a bad spec).</param>
public sealed record TrainableKind(string Name, Func<TrainableSpec, ITrainableDictionary> Create);

public static class TrainableKinds
{
    private static readonly Dictionary<string, TrainableKind> Kinds = new[]
    {
        new TrainableKind("sae", s => CreateSparse(s, DictionaryKind.Sae)),
        new TrainableKind("transcoder", s => CreateSparse(s, DictionaryKind.Transcoder)),
        new TrainableKind("skip-transcoder", s => CreateSparse(s, DictionaryKind.SkipTranscoder)),
        new TrainableKind("clt", CrossLayerTranscoderTrainable.Create),
    }.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>Kinds DESIGN §7 names that this build cannot train yet, with why.</summary>
    private static readonly Dictionary<string, string> Unavailable = new(StringComparer.Ordinal);

    /// <summary>The kinds that can be trained.</summary>
    public static IReadOnlyCollection<string> Names => Kinds.Keys;

    public static ITrainableDictionary Create(TrainableSpec spec)
    {
        if (Kinds.TryGetValue(spec.Kind, out var kind)) return kind.Create(spec);
        throw new SpecFieldException(Unavailable.TryGetValue(spec.Kind, out var why) ? why
            : $"kind '{spec.Kind}' is not supported — expected one of {string.Join(", ", Names)}", "kind");
    }

    /// <summary>The middle block (⌊layers / 2⌋), where the default hooks sit.</summary>
    public static int MiddleLayer(ModelConfig model) => model.NLayers / 2;

    /// <summary>sae: the middle layer's resid_post; transcoders: its ln2.hook_normalized (the MLP input).</summary>
    public static string DefaultHook(string kind, ModelConfig model) => kind == "sae"
        ? HookNames.ResidPost(MiddleLayer(model))
        : HookNames.Ln2Normalized(MiddleLayer(model));

    private static ITrainableDictionary CreateSparse(TrainableSpec s, DictionaryKind kind)
    {
        if (!DictionaryRegistry.IsKnown(s.Architecture))
            throw new SpecFieldException($"architecture '{s.Architecture}' is not supported — expected one of {string.Join(", ", DictionaryRegistry.Names)}", "architecture");
        if (s.Width < 1) throw new SpecFieldException($"width is {s.Width} — expected at least 1", "width");
        string hook = s.Hook ?? DefaultHook(kind.Name(), s.Model);
        int layer = HookNames.LayerOf(hook, s.Model.NLayers);
        string? hookOut = kind.IsTranscoder() ? s.HookOut ?? HookNames.MlpOut(Math.Max(0, layer)) : null;
        if (!kind.IsTranscoder() && s.HookOut is not null) throw new SpecFieldException("hook_out: an sae reconstructs the hook it reads; give hook_out only for transcoders", "hook_out");
        var config = new DictionaryConfig
        {
            Architecture = s.Architecture, Kind = kind, DIn = HookWidth(s.Model, hook), DSae = s.Width,
            DOut = hookOut is null ? HookWidth(s.Model, hook) : HookWidth(s.Model, hookOut),
            ModelName = s.ModelName, HookName = hook, HookLayer = Math.Max(0, layer), HookNameOut = hookOut,
            HookLayerOut = hookOut is null ? null : Math.Max(0, HookNames.LayerOf(hookOut, s.Model.NLayers)),
            ContextSize = s.ContextSize, DatasetPath = s.DatasetPath,
        };
        if (config.UsesK) config = config with { K = s.K ?? Math.Min(32, s.Width) };
        else if (s.K is not null) throw new SpecFieldException($"k applies to topk, batchtopk and matryoshka-batchtopk, not {s.Architecture}", "k");
        if (config.Problems() is [var problem, ..]) throw new ArgumentException(problem);
        var dictionary = DictionaryRegistry.Create(config, s.Seed, s.Device);
        try
        {
            SetSparsityCoefficient(dictionary, s.SparsityCoefficient);
            s.JumpRelu?.ApplyTo(dictionary);
        }
        catch
        {
            dictionary.Dispose();
            throw;
        }
        string id = $"{kind.Name()}-{s.Architecture}-{hook}";
        return new SparseDictionaryTrainable(id, dictionary, hook, hookOut);
    }

    private static void SetSparsityCoefficient(SparseDictionary d, double? coefficient)
    {
        if (coefficient is not double c) return;
        if (!(c >= 0) || !double.IsFinite(c)) throw new SpecFieldException($"sparsity_coefficient is {c} — expected a non-negative number", "sparsity_coefficient");
        if (!d.HasSparsityCoefficient)
            throw new SpecFieldException($"sparsity_coefficient applies to relu, jumprelu and gated; {d.Config.Architecture} controls sparsity with k", "sparsity_coefficient", "k");
        d.SparsityCoefficient = c;
    }

    /// <summary>Width of a hook's activations per token; attention patterns and norm scales are not dictionary inputs.</summary>
    public static int HookWidth(ModelConfig model, string hook)
    {
        if (hook.EndsWith("hook_pattern", StringComparison.Ordinal) || hook.EndsWith("hook_scale", StringComparison.Ordinal))
            throw new ArgumentException($"hook '{hook}' is not a per-token activation vector — train on a resid, ln*.hook_normalized, mlp or attn_out hook");
        return hook.EndsWith("mlp.hook_post", StringComparison.Ordinal) ? model.DMlp : model.DModel;
    }
}
