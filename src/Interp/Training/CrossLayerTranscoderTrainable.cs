// CrossLayerTranscoderTrainable — a cross-layer transcoder as the trainer sees it: reads every layer's input hook and
// predicts every layer's output hook, normalises each hook to E‖x‖² = d_model, starts each b_dec at its target's mean,
// warms the tanh sparsity coefficient up, and checkpoints parameters and scales exactly. Latents are numbered layer by
// layer (latent l·F + i is layer l's latent i) for dead-latent tracking. No gradient surgery: a CLT has no unit-norm
// constraint (the concatenated-norm penalty ties f and W_dec).
using InterpEval.Interp.Activations;
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Interp.Training;

public sealed class CrossLayerTranscoderTrainable : ITrainableDictionary
{
    private readonly double _baseSparsity;

    /// <summary>Takes ownership of the CLT; its current SparsityCoefficient is the value the warm-up rises to.</summary>
    public CrossLayerTranscoderTrainable(string id, CrossLayerTranscoder clt)
    {
        Id = id;
        Clt = clt;
        Hooks = [.. clt.Config.InputHookNames.Concat(clt.Config.OutputHookNames).Distinct(StringComparer.Ordinal)];
        _baseSparsity = clt.SparsityCoefficient;
    }

    /// <summary>The kind clt entry of TrainableKinds: a fresh CLT over every layer of the model (encoder l reads
    /// blocks.{l}.hook_resid_mid, output l' is blocks.{l'}.hook_mlp_out), F = width latents per layer.</summary>
    public static CrossLayerTranscoderTrainable Create(TrainableSpec s)
    {
        if (!CltConfig.TryParseActivation(s.Architecture, out var activation))
            throw new SpecFieldException($"architecture '{s.Architecture}' is not supported for a clt — expected one of {string.Join(", ", CltConfig.Activations)}", "architecture");
        if (s.Hook is not null || s.HookOut is not null)
            throw new SpecFieldException($"hook/hook_out: a clt reads blocks.{{l}}.{CltConfig.DefaultInputHook} and predicts blocks.{{l}}.{CltConfig.DefaultOutputHook} at every layer; give neither", "hook", "hook_out");
        if (s.JumpRelu?.FirstSet() is { } option)
            throw new SpecFieldException($"{option} applies to jumprelu dictionaries (sae, transcoder, skip-transcoder), not a clt", option);
        if (s.Width < 1) throw new SpecFieldException($"width is {s.Width} — expected at least 1 (latents per layer)", "width");
        if (activation != CltActivation.TopK && s.K is not null) throw new SpecFieldException($"k applies to topk, not {s.Architecture}", "k");
        if (activation == CltActivation.TopK && s.SparsityCoefficient is not null) throw new SpecFieldException("sparsity_coefficient applies to relu and jumprelu; a topk clt controls sparsity with k", "sparsity_coefficient", "k");
        if (s.SparsityCoefficient is double c && (!(c >= 0) || !double.IsFinite(c))) throw new SpecFieldException($"sparsity_coefficient is {c} — expected a non-negative number", "sparsity_coefficient");
        var config = new CltConfig
        {
            Activation = activation, NLayers = s.Model.NLayers, DModel = s.Model.DModel, DSae = s.Width,
            K = activation == CltActivation.TopK ? s.K ?? Math.Min(32, s.Width) : null,
            ModelName = s.ModelName, ContextSize = s.ContextSize, DatasetPath = s.DatasetPath,
        };
        if (config.Problems() is [var problem, ..]) throw new ArgumentException(problem);
        var clt = CrossLayerTranscoder.Create(config, s.Seed, s.Device);
        clt.SparsityCoefficient = s.SparsityCoefficient ?? DefaultSparsityCoefficient;
        return new CrossLayerTranscoderTrainable($"clt-{config.ActivationName}-{s.Width}", clt);
    }

    /// <summary>λ when sparsity_coefficient is not given (tuned on the embedded model; see docs/dictionaries.md).</summary>
    public const double DefaultSparsityCoefficient = 1;

    public string Id { get; }

    public CrossLayerTranscoder Clt { get; }

    public IReadOnlyList<string> Hooks { get; }

    public int LatentCount => Clt.Config.LatentCount;

    public IReadOnlyList<Tensor> Parameters => Clt.Parameters;

    public void Prepare(ActivationBatch sample)
    {
        var (inputs, targets) = Split(sample);
        Clt.SetScale(CltScale.Estimate(inputs, targets));
        Clt.InitializeDecoderBias(targets);
    }

    public TrainingStepOutput Step(ActivationBatch batch, Tensor? deadMask, double sparsityScale)
    {
        if (!(sparsityScale is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(sparsityScale), $"sparsity scale must be in [0, 1], got {sparsityScale}");
        Clt.SparsityCoefficient = _baseSparsity * sparsityScale;
        var (inputs, targets) = Split(batch);
        var o = Clt.Forward(inputs, targets);
        using var noGrad = Autograd.NoGrad();
        var counts = Tensor.Cat(o.Features.Select(f => f.Ne(0).Sum(0)).ToArray());          // [L·F] int64
        var parts = o.Parts.ToDictionary().ToDictionary(kv => kv.Key, kv => kv.Value.ToDouble(), StringComparer.Ordinal);
        double l0 = counts.Sum().ToDouble() / inputs[0].Size(0);
        return new TrainingStepOutput(o.Loss, counts.Gt(0), parts, l0, o.Fvu.ToDouble()) { ActiveCounts = counts };
    }

    public void BeforeOptimizerStep() { }

    public void AfterOptimizerStep() { }

    /// <summary>Parameters by name (log_threshold_{l} for jumprelu) and the scales as float64 [2, L] (input row, output
    /// row) — new tensors, outside every scope.</summary>
    public IReadOnlyDictionary<string, Tensor> CheckpointState()
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var state = Clt.NamedParameters().ToDictionary(kv => kv.Key, kv => kv.Value.Detach().Clone().DetachFromScopes(), StringComparer.Ordinal);
        state["scale"] = Tensor.From([.. Clt.Scale.Input, .. Clt.Scale.Output], 2, Clt.NLayers).DetachFromScopes();
        return state;
    }

    public void RestoreCheckpointState(IReadOnlyDictionary<string, Tensor> state)
    {
        using var scope = DisposeScope.Enter();
        using (Autograd.NoGrad())
            foreach (var (name, p) in Clt.NamedParameters())
            {
                var saved = Require(state, name);
                if (!saved.Shape.SequenceEqual(p.Shape)) throw new InvalidDataException($"checkpoint: {Id} {name} is {saved.ShapeString}, expected {p.ShapeString}");
                p.Copy_(saved);
            }
        var scale = Require(state, "scale");
        if (!scale.Shape.SequenceEqual([2L, Clt.NLayers])) throw new InvalidDataException($"checkpoint: {Id} scale is {scale.ShapeString}, expected [2, {Clt.NLayers}]");
        var s = scale.To(ScalarType.Float64).ToArray<double>();
        Clt.SetScale(new CltScale(s[..Clt.NLayers], s[Clt.NLayers..]));
    }

    /// <summary>Saves with the scales folded (the in-memory CLT keeps training units).</summary>
    public void Save(string directory) => Clt.Save(directory);

    public void Dispose() => Clt.Dispose();

    private (Tensor[] Inputs, Tensor[] Targets) Split(ActivationBatch batch) =>
        (Clt.Config.InputHookNames.Select(h => Hook(batch, h)).ToArray(), Clt.Config.OutputHookNames.Select(h => Hook(batch, h)).ToArray());

    private Tensor Hook(ActivationBatch batch, string hook) =>
        batch.Activations.TryGetValue(hook, out var t) ? t : throw new ArgumentException($"{Id}: the batch has no activations of '{hook}'");

    private Tensor Require(IReadOnlyDictionary<string, Tensor> state, string name) =>
        state.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"checkpoint: {Id} has no '{name}' — the checkpoint is of another dictionary");
}
