// SparseDictionaryTrainable — an sae, transcoder or skip-transcoder (any architecture) as the trainer sees it: reads
// its input hook (and, for transcoders, the output hook it predicts), normalises both to E‖x‖² = d, starts b_dec at the
// geometric median for topk/batchtopk, warms the sparsity coefficient up, removes the decoder's parallel gradient and
// renormalises rows for topk/batchtopk, and checkpoints parameters, scale and batchtopk's threshold exactly.
// The cross-layer transcoder is a different shape and implements ITrainableDictionary itself.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Interp.Training;

public sealed class SparseDictionaryTrainable : ITrainableDictionary
{
    private readonly double _baseSparsity;

    /// <summary>Takes ownership of the dictionary. inputHook is what it reads; outputHook what a transcoder predicts.</summary>
    public SparseDictionaryTrainable(string id, SparseDictionary dictionary, string inputHook, string? outputHook = null)
    {
        if (dictionary.Kind.IsTranscoder() != outputHook is not null)
            throw new ArgumentException(dictionary.Kind.IsTranscoder()
                ? $"a {dictionary.Kind.Name()} predicts another hook: give its output hook"
                : "an sae reconstructs the hook it reads: give no output hook");
        Id = id;
        Dictionary = dictionary;
        InputHook = inputHook;
        OutputHook = outputHook;
        Hooks = outputHook is null ? [inputHook] : [inputHook, outputHook];
        _baseSparsity = dictionary switch
        {
            ReluDictionary r => r.L1Coefficient,
            JumpReluDictionary j => j.SparsityCoefficient,
            GatedDictionary g => g.L1Coefficient,
            _ => 0,
        };
    }

    public string Id { get; }

    public SparseDictionary Dictionary { get; }

    public string InputHook { get; }

    public string? OutputHook { get; }

    public IReadOnlyList<string> Hooks { get; }

    public int LatentCount => Dictionary.DSae;

    public IReadOnlyList<Tensor> Parameters => Dictionary.Parameters;

    public void Prepare(ActivationBatch sample)
    {
        var x = Input(sample);                                                               // [N, D_in]
        var y = Target(sample);                                                              // [N, D_out] or null
        double sIn = ActivationScale.Estimate(x);
        Dictionary.SetScale(new ActivationScale(sIn, y is null ? sIn : ActivationScale.Estimate(y)));
        if (Dictionary is TopKDictionary) Dictionary.InitializeDecoderBias(y ?? x);          // Gao et al. 2024, App. A.1
    }

    /// <summary>The first step whose forward updates batchtopk's threshold: the second half of the run. Earlier minima
    /// belong to a dictionary still far from its final one (at step 0 it is the untrained one).</summary>
    public static int ThresholdStartStep(int totalSteps) => totalSteps / 2;

    public void BeginStep(int step, int totalSteps)
    {
        if (Dictionary is BatchTopKDictionary b) b.UpdateThreshold = step >= ThresholdStartStep(totalSteps);
    }

    public TrainingStepOutput Step(ActivationBatch batch, Tensor? deadMask, double sparsityScale)
    {
        SetSparsityScale(sparsityScale);
        Dictionary.Training = true;
        var x = Input(batch);
        var y = Target(batch);
        var o = Dictionary.Forward(x, y, deadMask);
        using var noGrad = Autograd.NoGrad();
        var counts = o.ActiveCounts();                                                       // [F] int64, from the sparse form when there is one
        var parts = o.Parts.ToDictionary().ToDictionary(kv => kv.Key, kv => kv.Value.ToDouble(), StringComparer.Ordinal);
        double l0 = (double)o.ActiveTotal() / x.Size(0);
        return new TrainingStepOutput(o.Loss, counts.Gt(0), parts, l0, Fvu(y ?? x, o.Reconstruction)) { ActiveCounts = counts };
    }

    public void BeforeOptimizerStep()
    {
        if (Dictionary is TopKDictionary topk) topk.RemoveParallelDecoderGradient();
    }

    public void AfterOptimizerStep()
    {
        if (Dictionary is TopKDictionary topk) topk.NormalizeDecoderRows();
    }

    /// <summary>Parameters by their SAELens names (log_threshold for jumprelu), the scale [input, output] as float64 and
    /// batchtopk's threshold as float64 — new tensors, outside every scope.</summary>
    public IReadOnlyDictionary<string, Tensor> CheckpointState()
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var state = NamedParameters().ToDictionary(kv => kv.Key, kv => kv.Value.Detach().Clone().DetachFromScopes(), StringComparer.Ordinal);
        state["scale"] = Tensor.From([Dictionary.Scale.Input, Dictionary.Scale.Output], 2).DetachFromScopes();
        if (Dictionary is BatchTopKDictionary b) state["batchtopk_threshold"] = Tensor.From(new double[] { b.Threshold, b.ThresholdUpdates }, 2).DetachFromScopes();
        return state;
    }

    public void RestoreCheckpointState(IReadOnlyDictionary<string, Tensor> state)
    {
        using var scope = DisposeScope.Enter();
        using (Autograd.NoGrad())
            foreach (var (name, p) in NamedParameters())
            {
                var saved = Require(state, name);
                if (!saved.Shape.SequenceEqual(p.Shape)) throw new InvalidDataException($"checkpoint: {Id} {name} is {saved.ShapeString}, expected {p.ShapeString}");
                p.Copy_(saved);
            }
        var scale = Require(state, "scale").ToArray<double>();
        Dictionary.SetScale(new ActivationScale(scale[0], scale[1]));
        if (Dictionary is BatchTopKDictionary b)
        {
            var t = Require(state, "batchtopk_threshold").ToArray<double>();   // [θ, updates]
            (b.Threshold, b.ThresholdUpdates) = (t[0], t.Length > 1 ? (long)t[1] : long.MaxValue / 2);
        }
    }

    public void SetLogFeatureDensity(Tensor logDensity)
    {
        using var scope = DisposeScope.Enter();
        Dictionary.LogFeatureDensity?.Dispose();
        Dictionary.LogFeatureDensity = logDensity.Detach().To(ScalarType.Float32).Clone().DetachFromScopes();
    }

    /// <summary>Saves with the scale folded (the in-memory dictionary keeps training units).</summary>
    public void Save(string directory)
    {
        Dictionary.Training = false;
        Dictionary.Save(directory);
    }

    public void Dispose() => Dictionary.Dispose();

    private IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        var d = Dictionary;
        yield return new("W_enc", d.WEnc);
        yield return new("b_enc", d.BEnc);
        yield return new("W_dec", d.WDec);
        yield return new("b_dec", d.BDec);
        if (d.WSkip is not null) yield return new("W_skip", d.WSkip);
        if (d is JumpReluDictionary j) yield return new("log_threshold", j.LogThreshold);
        if (d is GatedDictionary g)
        {
            yield return new(GatedDictionary.RMagKey, g.RMag);
            yield return new(GatedDictionary.BMagKey, g.BMag);
        }
    }

    private void SetSparsityScale(double scale)
    {
        if (!(scale is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(scale), $"sparsity scale must be in [0, 1], got {scale}");
        if (Dictionary is ReluDictionary r) r.L1Coefficient = _baseSparsity * scale;
        else if (Dictionary is JumpReluDictionary j) j.SparsityCoefficient = _baseSparsity * scale;
        else if (Dictionary is GatedDictionary g) g.L1Coefficient = _baseSparsity * scale;
    }

    private Tensor Input(ActivationBatch batch) => Hook(batch, InputHook);

    private Tensor? Target(ActivationBatch batch) => OutputHook is null ? null : Hook(batch, OutputHook);

    private Tensor Hook(ActivationBatch batch, string hook) =>
        batch.Activations.TryGetValue(hook, out var t) ? t : throw new ArgumentException($"{Id}: the batch has no activations of '{hook}'");

    private Tensor Require(IReadOnlyDictionary<string, Tensor> state, string name) =>
        state.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"checkpoint: {Id} has no '{name}' — the checkpoint is of another dictionary");

    /// <summary>Σ‖y − ŷ‖² / Σ‖y − ȳ‖² over the batch, in float64 (DESIGN §8).</summary>
    private static double Fvu(Tensor y, Tensor yHat)
    {
        var y64 = y.Detach().To(ScalarType.Float64);                                         // [N, D]
        double residual = (y64 - yHat.Detach().To(ScalarType.Float64)).Pow(2).Sum().ToDouble();
        double total = (y64 - y64.Mean(0, keepDim: true)).Pow(2).Sum().ToDouble();
        return total > 0 ? residual / total : double.NaN;
    }
}
