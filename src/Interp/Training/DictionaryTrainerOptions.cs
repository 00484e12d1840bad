// DictionaryTrainerOptions — the trainer's hyperparameters: the budget (steps or tokens), batch size, Adam, the
// learning-rate and sparsity warm-ups and decay, gradient clipping, when a latent counts as dead, checkpoint cadence
// and the seed. Validate names the field at fault. Architecture coefficients (k, λ) belong to the dictionaries.
namespace InterpEval.Interp.Training;

/// <summary>How the learning rate falls after DecayStart.</summary>
public enum LearningRateDecay
{
    /// <summary>Linearly to 0 at the last step (Anthropic's April 2024 update: over the last 20 %).</summary>
    Linear,

    /// <summary>Half a cosine to 0 at the last step.</summary>
    Cosine,

    /// <summary>No decay.</summary>
    Constant,
}

public sealed record DictionaryTrainerOptions
{
    /// <summary>Optimiser steps; null = derived from Tokens (⌈Tokens / BatchTokens⌉). One of Steps and Tokens is required.</summary>
    public int? Steps { get; init; }

    /// <summary>Token budget; used when Steps is null.</summary>
    public long? Tokens { get; init; }

    /// <summary>Tokens per optimiser step (the activation store's batch size); a pass's last, shorter batch is dropped.</summary>
    public int BatchTokens { get; init; } = 4096;

    /// <summary>Peak learning rate of Adam.</summary>
    public double LearningRate { get; init; } = 4e-4;

    /// <summary>Adam's β₁.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam's β₂.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam's ε.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Steps of linear learning-rate warm-up from LearningRate / WarmupSteps to LearningRate (0 = none).</summary>
    public int WarmupSteps { get; init; }

    /// <summary>The decay after DecayStart.</summary>
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Linear;

    /// <summary>Fraction of the steps after which the learning rate decays (0.8 = the last 20 %).</summary>
    public double DecayStart { get; init; } = 0.8;

    /// <summary>Steps over which the sparsity coefficient rises linearly from 0 to its value (0 = none; Anthropic: 5 %).</summary>
    public int SparsityWarmupSteps { get; init; }

    /// <summary>Maximum joint gradient 2-norm per dictionary; null = no clipping.</summary>
    public double? MaxGradNorm { get; init; } = 1.0;

    /// <summary>A latent that has not fired for this many tokens counts as dead (AuxK, dead %); null = DefaultDeadAfter of
    /// the budget (see <see cref="DeadAfter"/>).</summary>
    public long? DeadAfterTokens { get; init; }

    /// <summary>sparsify's 10 M tokens, the ceiling of the default.</summary>
    public const long MaxDefaultDeadAfterTokens = 10_000_000;

    /// <summary>The dead-after window in force: DeadAfterTokens, else min(10 M, a tenth of the run's tokens) — so a run of
    /// this tool's usual length (a few million tokens) still marks latents dead and AuxK revives them.</summary>
    public long DeadAfter => DeadAfterTokens ?? Math.Max(1, Math.Min(MaxDefaultDeadAfterTokens, (long)TotalSteps * BatchTokens / 10));

    /// <summary>Write a checkpoint every this many steps (and after the last); null = only the final artefact.</summary>
    public int? CheckpointEvery { get; init; }

    /// <summary>Seed of the activation order for passes after the first (the store's own seed orders the first).</summary>
    public ulong Seed { get; init; }

    /// <summary>The number of optimiser steps this budget gives.</summary>
    public int TotalSteps => Steps ?? (int)Math.Min(int.MaxValue, (Tokens!.Value + BatchTokens - 1) / BatchTokens);

    /// <summary>Throws ArgumentException naming the first field at fault; returns this.</summary>
    public DictionaryTrainerOptions Validate()
    {
        string? fault = Fault();
        return fault is null ? this : throw new ArgumentException($"trainer options: {fault}");
    }

    private string? Fault()
    {
        if (Steps is null && Tokens is null) return "give steps or tokens (the training budget)";
        if (Steps is < 1) return $"steps is {Steps} — expected at least 1";
        if (Tokens is < 1) return $"tokens is {Tokens} — expected at least 1";
        if (BatchTokens < 2) return $"batch is {BatchTokens} tokens — expected at least 2";
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) return $"learning rate is {LearningRate} — expected a positive number";
        if (!(Beta1 is >= 0 and < 1)) return $"beta1 is {Beta1} — expected 0 ≤ β₁ < 1";
        if (!(Beta2 is >= 0 and < 1)) return $"beta2 is {Beta2} — expected 0 ≤ β₂ < 1";
        if (!(Eps > 0)) return $"eps is {Eps} — expected a positive number";
        if (WarmupSteps < 0) return $"warm-up is {WarmupSteps} steps — expected 0 or more";
        if (!(DecayStart is >= 0 and <= 1)) return $"decay start is {DecayStart} — expected a fraction from 0 to 1";
        if (SparsityWarmupSteps < 0) return $"sparsity warm-up is {SparsityWarmupSteps} steps — expected 0 or more";
        if (MaxGradNorm is double g && !(g > 0)) return $"max grad norm is {g} — expected a positive number (or none)";
        if (DeadAfterTokens is < 1) return $"dead-after is {DeadAfterTokens} tokens — expected at least 1";
        if (CheckpointEvery is < 1) return $"checkpoint-every is {CheckpointEvery} steps — expected at least 1";
        return null;
    }
}
