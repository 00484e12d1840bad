// ITrainingSync — the narrow hook through which DictionaryTrainer trains data-parallel: the sample the dictionaries
// prepare on, the gradients after backward, the latent bookkeeping after a step, and who writes files. The trainer
// calls it at those four points and nowhere else; with no sync (null) it trains alone. The c10d implementation is
// DataParallelSync; how ranks get their data is the caller's (each rank's passes give its shard).
using InterpEval.Interp.Activations;

namespace InterpEval.Interp.Training;

public interface ITrainingSync
{
    /// <summary>Ranks training together; each shows the trainer batches of BatchTokens / WorldSize rows.</summary>
    int WorldSize { get; }

    /// <summary>True on the one rank that writes checkpoints and the final dictionary (rank 0).</summary>
    bool IsWriter { get; }

    /// <summary>The batch every rank prepares on: all ranks' first batches, concatenated in rank order (a new batch the
    /// caller disposes), so the activation scale and the geometric-median b_dec are the same everywhere.</summary>
    ActivationBatch CombineSample(ActivationBatch local);

    /// <summary>After backward: every parameter's gradient becomes the mean over ranks (the gradient of the combined
    /// batch when the objective is a mean over tokens).</summary>
    void SynchronizeGradients(IReadOnlyList<Tensor> parameters);

    /// <summary>After a step: this rank's fired mask and active counts become the whole job's, and tokens the job's
    /// token count, so dead-latent masks and feature density agree on every rank.</summary>
    (Tensor Fired, Tensor? ActiveCounts, long Tokens) SynchronizeActivity(Tensor fired, Tensor? activeCounts, long tokens);
}
