// ITrainableDictionary — what the trainer needs from anything it trains: the hooks it reads and predicts, its latents
// and trainable tensors, one forward step with its objective, the gradient surgery and constraints around an optimiser
// step, the exact state a checkpoint must hold, and the final save. Schedules, Adam, clipping, dead-latent tracking and
// checkpoint files belong to the trainer; harvesting belongs to the activation store.
using InterpEval.Interp.Activations;

namespace InterpEval.Interp.Training;

public interface ITrainableDictionary : IDisposable
{
    /// <summary>Name in progress lines and messages.</summary>
    string Id { get; }

    /// <summary>Every hook it reads or predicts (the store harvests them).</summary>
    IReadOnlyList<string> Hooks { get; }

    /// <summary>Total latents, for dead-latent tracking.</summary>
    int LatentCount { get; }

    /// <summary>Trainable tensors (handed to Adam; the trainer sets RequiresGrad).</summary>
    IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>Estimates and sets the activation scale and runs data-dependent initialisation (geometric-median b_dec)
    /// from a sample batch.</summary>
    void Prepare(ActivationBatch sample);

    /// <summary>Called before each Step with the 0-based step and the run's total (batchtopk starts estimating its
    /// threshold from it); most dictionaries ignore it.</summary>
    void BeginStep(int step, int totalSteps) { }

    /// <summary>Forward + objective. deadMask is bool [LatentCount] (latents the trainer counts as dead) or null;
    /// sparsityScale in [0, 1] is the warm-up factor on the sparsity coefficient.</summary>
    TrainingStepOutput Step(ActivationBatch batch, Tensor? deadMask, double sparsityScale);

    /// <summary>Gradient surgery after Backward, before the optimiser step (topk: parallel-gradient removal).</summary>
    void BeforeOptimizerStep();

    /// <summary>Scales the gradients so their joint 2-norm is at most maxNorm; returns the norm before clipping. A
    /// dictionary split across ranks measures the whole job's norm.</summary>
    double ClipGradients(double maxNorm) => InterpEval.Torch.Optim.GradClip.ClipGradNorm(Parameters, maxNorm);

    /// <summary>Constraints after the optimiser step (topk: unit-norm decoder rows).</summary>
    void AfterOptimizerStep();

    /// <summary>Every tensor needed to resume bit-for-bit (parameters and non-parameter state such as batchtopk's
    /// threshold or the activation scale), by stable name; new tensors owned by the caller.</summary>
    IReadOnlyDictionary<string, Tensor> CheckpointState();

    /// <summary>Puts back what CheckpointState returned (the caller keeps ownership of the tensors).</summary>
    void RestoreCheckpointState(IReadOnlyDictionary<string, Tensor> state);

    /// <summary>Writes the final artefact, scale folded.</summary>
    void Save(string directory);

    /// <summary>Hands over log10 feature density [LatentCount] (float32, caller keeps ownership) for Save to write
    /// (SAELens's sparsity.safetensors); a dictionary without such a file ignores it.</summary>
    void SetLogFeatureDensity(Tensor logDensity) { }
}

/// <summary>One training step's result.</summary>
/// <param name="Loss">The objective, 0-dim, with its autograd graph.</param>
/// <param name="Fired">bool [LatentCount]: the latent fired at least once in the batch.</param>
/// <param name="Parts">Detached 0-dim scalars by stable name (mse, fvu, sparsity, auxk, pre_act).</param>
/// <param name="L0">Mean active latents per token.</param>
/// <param name="Fvu">Σ‖y − ŷ‖² / Σ‖y − ȳ‖² over the batch.</param>
public sealed record TrainingStepOutput(Tensor Loss, Tensor Fired, IReadOnlyDictionary<string, double> Parts, double L0, double Fvu)
{
    /// <summary>int64 [LatentCount]: tokens of the batch on which each latent was active (for feature density); null
    /// when the dictionary does not count them (the trainer then counts a fired latent once per batch).</summary>
    public Tensor? ActiveCounts { get; init; }
}
