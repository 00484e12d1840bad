// TrainingProgress and TrainingSummary — what the trainer reports: one progress record per dictionary per step, and
// one summary per dictionary at the end. Plain data; the CLI formats them.
namespace InterpEval.Interp.Training;

/// <param name="Id">The dictionary.</param>
/// <param name="Step">Steps completed (1-based).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Tokens">Tokens trained on so far (the whole run, resumed steps included).</param>
/// <param name="Loss">The objective of this step.</param>
/// <param name="L0">Mean active latents per token.</param>
/// <param name="Fvu">Fraction of variance unexplained on this batch.</param>
/// <param name="DeadFraction">Fraction of latents not fired for DeadAfterTokens tokens.</param>
/// <param name="LearningRate">The learning rate this step used.</param>
/// <param name="GradNorm">Joint gradient norm before clipping.</param>
/// <param name="TokensPerSecond">Tokens per second of this run so far (harvesting included).</param>
/// <param name="Parts">The objective's terms (mse, fvu, sparsity, auxk, pre_act).</param>
public sealed record TrainingProgress(string Id, int Step, int TotalSteps, long Tokens, double Loss, double L0, double Fvu,
    double DeadFraction, double LearningRate, double GradNorm, double TokensPerSecond, IReadOnlyDictionary<string, double> Parts);

/// <param name="Id">The dictionary.</param>
/// <param name="Steps">Steps completed.</param>
/// <param name="Tokens">Tokens trained on.</param>
/// <param name="Loss">Objective of the last step (NaN when no step ran in this call).</param>
/// <param name="L0">L0 of the last step.</param>
/// <param name="Fvu">FVU of the last step.</param>
/// <param name="DeadFraction">Dead latents at the end.</param>
/// <param name="Elapsed">Wall time of this call.</param>
/// <param name="SavedTo">Directory of the saved dictionary, or null.</param>
public sealed record TrainingSummary(string Id, int Steps, long Tokens, double Loss, double L0, double Fvu, double DeadFraction,
    TimeSpan Elapsed, string? SavedTo);

/// <summary>A step produced a NaN or infinite loss or gradient; the message names the step, the dictionary and what to try.</summary>
public sealed class TrainingDivergedException(string message) : ArithmeticException(message);
