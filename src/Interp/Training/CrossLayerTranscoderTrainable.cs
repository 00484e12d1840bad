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
        return new TrainingStepOutput(o.Loss, counts.Gt(0), parts, l0, o.Fvu.ToDouble());
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
