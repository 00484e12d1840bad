// TrainingSchedules — the pure functions of the step that drive training: the learning-rate factor (linear warm-up,
// then constant until DecayStart, then linear or cosine decay to 0 at the end) and the sparsity-coefficient warm-up
// factor. Steps count from 0; step s is the (s+1)-th update. They hold no state, so a resumed run recomputes them.
namespace InterpEval.Interp.Training;

public static class TrainingSchedules
{
    /// <summary>The learning rate for step s (0-based) of totalSteps: peak × warm-up × decay.</summary>
    public static double LearningRate(DictionaryTrainerOptions o, int step) =>
        o.LearningRate * WarmupFactor(step, o.WarmupSteps) * DecayFactor(o.Decay, o.DecayStart, step, o.TotalSteps);

    /// <summary>(s + 1) / warm-up while s &lt; warm-up, then 1 (the first step already moves: factor 1/warm-up).</summary>
    public static double WarmupFactor(int step, int warmupSteps) =>
        warmupSteps <= 0 || step >= warmupSteps ? 1 : (step + 1.0) / warmupSteps;

    /// <summary>1 before decayStart × total; then, with p the fraction of the decay span done at step s,
    /// linear 1 − p or cosine ½(1 + cos πp), where p = (s − start) / (total − start) reaches 1 one step after the last.</summary>
    public static double DecayFactor(LearningRateDecay decay, double decayStart, int step, int totalSteps)
    {
        if (decay == LearningRateDecay.Constant) return 1;
        double start = Math.Floor(decayStart * totalSteps);
        if (step < start || totalSteps <= start) return 1;
        double p = (step - start) / (totalSteps - start);
        return decay == LearningRateDecay.Linear ? 1 - p : 0.5 * (1 + Math.Cos(Math.PI * p));
    }

    /// <summary>The factor on the sparsity coefficient at step s: (s + 1) / warm-up, capped at 1.</summary>
    public static double SparsityScale(DictionaryTrainerOptions o, int step) => WarmupFactor(step, o.SparsityWarmupSteps);
}
