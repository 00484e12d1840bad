// LatentShardedTrainable — a latent-sharded sae or transcoder (LatentShardedDictionary: topk, batchtopk, relu, jumprelu or gated) as the trainer
// sees it on one rank: every rank trains on the same whole batch, holds its slice of the latents with their own Adam
// moments, and the dictionary's collectives make the job one dictionary (global top-k, summed reconstructions, b_dec's
// gradient summed, the job's gradient norm for clipping, decoder rows normalised locally). Save is collective (rank 0
// writes one ordinary directory). Checkpoints hold this rank's slice (the caller gives each rank its own checkpoint
// directory); restoring checks that every rank comes from the same step, and LatentShardResume cuts a checkpoint for
// this slice from the old slices' when the world size changed. It
// leaves out data parallelism on top of the sharding, and matryoshka, skip-transcoders and clts.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Interp.Training;

public sealed class LatentShardedTrainable : ITrainableDictionary
{
    private readonly double _baseSparsity;

    /// <summary>Takes ownership of the shard. inputHook is what it reads; outputHook what a transcoder predicts.</summary>
    public LatentShardedTrainable(string id, LatentShardedDictionary dictionary, string inputHook, string? outputHook = null)
    {
        if (!LatentShardedDictionary.CanTrain(dictionary.Config.Architecture))
            throw new ArgumentException($"latent-sharded training supports {LatentShardedDictionary.TrainableArchitectures} dictionaries, not {dictionary.Config.Architecture}");
        if (dictionary.Config.Kind.IsTranscoder() != outputHook is not null)
            throw new ArgumentException(dictionary.Config.Kind.IsTranscoder() ? "a transcoder predicts another hook: give its output hook" : "an sae reconstructs the hook it reads: give no output hook");
        Id = id;
        Dictionary = dictionary;
        InputHook = inputHook;
        OutputHook = outputHook;
        Hooks = outputHook is null ? [inputHook] : [inputHook, outputHook];
        _baseSparsity = dictionary.SparsityCoefficient;
    }

    /// <summary>This rank's slice of a freshly built sae or transcoder (every rank builds the same seeded one; the caller
    /// keeps and disposes it).</summary>
    public static LatentShardedTrainable FromFull(ITrainableDictionary full, InterpEval.Torch.Distributed.ProcessGroup group)
    {
        if (full is not SparseDictionaryTrainable s || s.Dictionary.Kind == DictionaryKind.SkipTranscoder)
            throw new ArgumentException("--shard latents: latent sharding trains saes and transcoders, not skip-transcoders or clts");
        if (!LatentShardedDictionary.CanTrain(s.Dictionary.Config.Architecture))
            throw new ArgumentException($"--shard latents: latent-sharded training supports --arch {LatentShardedDictionary.TrainableArchitectures}, not {s.Dictionary.Config.Architecture}");
        return new LatentShardedTrainable(s.Id, LatentShardedDictionary.FromFull(s.Dictionary, group), s.InputHook, s.OutputHook);
    }

    public string Id { get; }

    public LatentShardedDictionary Dictionary { get; }

    public string InputHook { get; }

    public string? OutputHook { get; }

    public IReadOnlyList<string> Hooks { get; }

    /// <summary>This rank's latents (dead-latent tracking and density are per slice).</summary>
    public int LatentCount => Dictionary.ShardLatents;

    public IReadOnlyList<Tensor> Parameters => Dictionary.Parameters;

    private bool IsTopK => Dictionary.IsTopKFamily;

    public void Prepare(ActivationBatch sample)
    {
        var x = Hook(sample, InputHook);                                                     // [N, D_in]
        var y = OutputHook is null ? null : Hook(sample, OutputHook);                         // [N, D_out]
        double sIn = ActivationScale.Estimate(x);
        Dictionary.SetScale(new ActivationScale(sIn, y is null ? sIn : ActivationScale.Estimate(y)));
        if (IsTopK) Dictionary.InitializeDecoderBias(y ?? x);                                 // Gao et al. 2024, App. A.1
    }

    private long _stepsDone;

    /// <summary>batchtopk estimates θ from the second half of the run (BatchTopKDictionary.ThresholdStartStep).</summary>
    public void BeginStep(int step, int totalSteps)
    {
        Dictionary.UpdateThreshold = step >= BatchTopKDictionary.ThresholdStartStep(totalSteps);
        _stepsDone = step + 1;
    }

    public TrainingStepOutput Step(ActivationBatch batch, Tensor? deadMask, double sparsityScale)
    {
        if (!(sparsityScale is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(sparsityScale), $"sparsity scale must be in [0, 1], got {sparsityScale}");
        Dictionary.SparsityCoefficient = _baseSparsity * sparsityScale;
        var xs = Hook(batch, InputHook) * Dictionary.Scale.Input;                            // [N, D_in]
        var ys = OutputHook is null ? xs : Hook(batch, OutputHook) * Dictionary.Scale.Output;  // [N, D_out]
        var o = Dictionary.TrainingForward(xs, ys, deadMask);
        using var noGrad = Autograd.NoGrad();
        return new TrainingStepOutput(o.Loss, o.ActiveCounts.Gt(0), o.Parts, o.L0, Fvu(ys, o.YHat)) { ActiveCounts = o.ActiveCounts };
    }

    public void BeforeOptimizerStep()
    {
        Dictionary.SynchronizeReplicatedGradients();
        if (IsTopK) Dictionary.RemoveParallelDecoderGradient();
    }

    public double ClipGradients(double maxNorm) => Dictionary.ClipGradNorm(maxNorm);

    public void AfterOptimizerStep()
    {
        if (IsTopK) Dictionary.NormalizeDecoderRows();
    }


    /// <summary>The checkpoint names of Parameters, in order (the unsharded dictionary's: SparseDictionary.NamedParameters).</summary>
    public IReadOnlyList<string> ParameterNamesInOrder => [.. Dictionary.NamedParameters.Select(p => p.Key)];

    /// <summary>LatentShardedDictionary.LatentAxis.</summary>
    public static int? LatentAxis(string parameterName) => LatentShardedDictionary.LatentAxis(parameterName);

    /// <summary>The checkpoint-state key naming which slice a checkpoint holds ([rank, world], int64).</summary>
    public const string ShardKey = "shard";

    /// <summary>This rank's slice, the scale, which slice it is ([rank, world]), the steps done and batchtopk's θ — new tensors.</summary>
    public IReadOnlyDictionary<string, Tensor> CheckpointState()
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var state = Dictionary.NamedParameters.ToDictionary(p => p.Key, p => p.Value.Detach().Clone().DetachFromScopes(), StringComparer.Ordinal);
        state["scale"] = Tensor.From([Dictionary.Scale.Input, Dictionary.Scale.Output], 2).DetachFromScopes();
        state[ShardKey] = Tensor.From(new long[] { Dictionary.Rank, Dictionary.WorldSize }, 2).DetachFromScopes();
        state["step"] = Tensor.From(new long[] { _stepsDone }, 1).DetachFromScopes();
        state["batchtopk_threshold"] = Tensor.From(new double[] { Dictionary.Threshold, Dictionary.ThresholdUpdates }, 2).DetachFromScopes();
        return state;
    }

    /// <summary>Collective: every rank restores at once, and all must come from the same step (else every rank refuses).</summary>
    public void RestoreCheckpointState(IReadOnlyDictionary<string, Tensor> state)
    {
        var shard = Require(state, ShardKey).ToArray<long>();
        if (shard[0] != Dictionary.Rank || shard[1] != Dictionary.WorldSize)
            throw new InvalidDataException($"checkpoint: {Id} holds the slice of rank {shard[0]} of {shard[1]}, this is rank {Dictionary.Rank} of {Dictionary.WorldSize} — at another world size resume through LatentShardResume, which assembles this rank's slice from every old one");
        _stepsDone = Require(state, "step").ToArray<long>()[0];
        var (min, max) = Dictionary.MinMaxOverRanks(_stepsDone);
        if (min != max)
            throw new InvalidDataException($"checkpoint: the ranks of a latent-sharded run hold different latest checkpoints (steps {min} to {max}) — remove the newer ones so every rank resumes from the same step");
        using var scope = DisposeScope.Enter();
        using (Autograd.NoGrad())
            foreach (var (name, p) in Dictionary.NamedParameters)
            {
                var saved = Require(state, name);
                if (!saved.Shape.SequenceEqual(p.Shape)) throw new InvalidDataException($"checkpoint: {Id} {name} is {saved.ShapeString}, expected {p.ShapeString}");
                p.Copy_(saved);
            }
        var scale = Require(state, "scale").ToArray<double>();
        Dictionary.SetScale(new ActivationScale(scale[0], scale[1]));
        var threshold = Require(state, "batchtopk_threshold").ToArray<double>();
        (Dictionary.Threshold, Dictionary.ThresholdUpdates) = (threshold[0], (long)threshold[1]);
    }

    private Tensor Require(IReadOnlyDictionary<string, Tensor> state, string name) =>
        state.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"checkpoint: {Id} has no '{name}' — not a latent-sharded checkpoint");

    public void SetLogFeatureDensity(Tensor logDensity) => Dictionary.SetLogFeatureDensity(logDensity);

    /// <summary>Collective: every rank calls it; rank 0 writes one ordinary dictionary directory (scale folded).</summary>
    public void Save(string directory) => Dictionary.Save(directory);

    public void Dispose() => Dictionary.Dispose();

    private Tensor Hook(ActivationBatch batch, string hook) =>
        batch.Activations.TryGetValue(hook, out var t) ? t : throw new ArgumentException($"{Id}: the batch has no activations of '{hook}'");

    /// <summary>Σ‖y − ŷ‖² / Σ‖y − ȳ‖² over the batch, in float64 (DESIGN §8; scale-free, so scaled units serve).</summary>
    private static double Fvu(Tensor y, Tensor yHat)
    {
        var y64 = y.Detach().To(ScalarType.Float64);                                         // [N, D]
        double residual = (y64 - yHat.Detach().To(ScalarType.Float64)).Pow(2).Sum().ToDouble();
        double total = (y64 - y64.Mean(0, keepDim: true)).Pow(2).Sum().ToDouble();
        return total > 0 ? residual / total : double.NaN;
    }
}
