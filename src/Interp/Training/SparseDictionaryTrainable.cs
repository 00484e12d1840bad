// SparseDictionaryTrainable — an sae, transcoder or skip-transcoder (any architecture) as the trainer sees it: reads
// its input hook (and, for transcoders, the output hook it predicts), normalises both to E‖x‖² = d, warms the sparsity
// coefficient up, calls the dictionary's training hooks (SparseDictionary: b_dec init, before/after step, extra
// parameters and trainer state — what an architecture adds is in its own file) and checkpoints parameters, scale and
// that state exactly. It tests no dictionary type.
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
        _baseSparsity = dictionary.SparsityCoefficient;
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
        Dictionary.InitializeForTraining(y ?? x);
    }

    public void BeginStep(int step, int totalSteps) => Dictionary.BeforeTrainingStep(step, totalSteps);

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

    public void BeforeOptimizerStep() => Dictionary.AfterBackward();

    public void AfterOptimizerStep() => Dictionary.AfterOptimizerStep();

    /// <summary>Parameters by their SAELens names (log_threshold for jumprelu), the scale [input, output] as float64 and
    /// the dictionary's trainer state (batchtopk's threshold) — new tensors, outside every scope.</summary>
    public IReadOnlyDictionary<string, Tensor> CheckpointState()
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var state = Dictionary.NamedParameters().ToDictionary(kv => kv.Key, kv => kv.Value.Detach().Clone().DetachFromScopes(), StringComparer.Ordinal);
        state["scale"] = Tensor.From([Dictionary.Scale.Input, Dictionary.Scale.Output], 2).DetachFromScopes();
        foreach (var (name, t) in Dictionary.SaveTrainerState()) state[name] = t.DetachFromScopes();
        return state;
    }

    public void RestoreCheckpointState(IReadOnlyDictionary<string, Tensor> state)
    {
        using var scope = DisposeScope.Enter();
        using (Autograd.NoGrad())
            foreach (var (name, p) in Dictionary.NamedParameters())
            {
                var saved = Require(state, name);
                if (!saved.Shape.SequenceEqual(p.Shape)) throw new InvalidDataException($"checkpoint: {Id} {name} is {saved.ShapeString}, expected {p.ShapeString}");
                p.Copy_(saved);
            }
        var scale = Require(state, "scale").ToArray<double>();
        Dictionary.SetScale(new ActivationScale(scale[0], scale[1]));
        Dictionary.LoadTrainerState(name => Require(state, name));
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

    private void SetSparsityScale(double scale)
    {
        if (!(scale is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(scale), $"sparsity scale must be in [0, 1], got {scale}");
        if (Dictionary.HasSparsityCoefficient) Dictionary.SparsityCoefficient = _baseSparsity * scale;
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
