// LanguageModelTrainer — next-token training of a subject model from a token stream: random windows drawn with a
// seeded generator, AdamW (decay on matrices only) with linear warm-up and cosine decay, gradient clipping, NaN/Inf
// detection naming the step. Deterministic for a seed and thread count. It does not tokenise or save.
using InterpEval.Torch.Optim;

namespace InterpEval.Interp.Models.Training;

public sealed record LanguageModelTrainingOptions(
    int Steps = 2000,
    int BatchSize = 32,
    int ContextLength = 128,
    double LearningRate = 3e-3,
    double MinLearningRateFraction = 0.1,
    int WarmupSteps = 100,
    double WeightDecay = 0.1,
    double GradClip = 1.0,
    ulong Seed = 0);

/// <summary>Progress after one optimiser step.</summary>
public sealed record TrainingStep(int Step, int Steps, double Loss, double LearningRate, double GradNorm);

public static class LanguageModelTrainer
{
    /// <summary>Trains model in place on windows of tokens; returns the per-step losses.</summary>
    public static IReadOnlyList<double> Train(TransformerModel model, long[] tokens, LanguageModelTrainingOptions o, IProgress<TrainingStep>? progress = null)
    {
        int window = o.ContextLength + 1;
        if (tokens.Length < window) throw new ArgumentException($"the training stream has {tokens.Length} tokens; a window needs {window}");
        var parameters = model.Parameters.ToList();
        foreach (var p in parameters) p.RequiresGrad = true;
        using var decayed = new Adam(parameters.Where(p => p.Dim >= 2).ToList(), new AdamOptions(o.LearningRate, 0.9, 0.95, 1e-8, o.WeightDecay, Decoupled: true));
        using var plain = new Adam(parameters.Where(p => p.Dim < 2).ToList(), new AdamOptions(o.LearningRate, 0.9, 0.95, 1e-8));
        using var generator = new Generator(o.Seed);
        using var stream = Tensor.From<long>(tokens, [tokens.Length]);
        var losses = new List<double>(o.Steps);
        for (int step = 0; step < o.Steps; step++)
        {
            using var scope = DisposeScope.Enter();
            double lr = LearningRateAt(step, o);
            decayed.LearningRate = plain.LearningRate = lr;
            var batch = SampleWindows(stream, o.BatchSize, window, model.Device, generator);          // [B, T+1]
            var loss = NextTokenLoss(model, batch);
            double value = loss.ToDouble();
            if (!double.IsFinite(value)) throw new InvalidOperationException($"training diverged at step {step + 1}: loss is {value}");
            loss.Backward();
            double gradNorm = GradClip.ClipGradNorm(parameters, o.GradClip);
            decayed.Step();
            plain.Step();
            decayed.ZeroGrad();
            plain.ZeroGrad();
            losses.Add(value);
            progress?.Report(new TrainingStep(step + 1, o.Steps, value, lr, gradNorm));
        }
        foreach (var p in parameters) p.RequiresGrad = false;
        return losses;
    }

    /// <summary>Mean cross-entropy of predicting batch[:, 1:] from batch[:, :-1].</summary>
    public static Tensor NextTokenLoss(TransformerModel model, Tensor batch)
    {
        long t = batch.Size(1) - 1;
        var logits = model.Forward(batch.Narrow(1, 0, t))!;                                          // [B, T, V]
        return Tensor.CrossEntropy(logits.Reshape(-1, model.Config.VocabSize), batch.Narrow(1, 1, t).Reshape(-1));
    }

    /// <summary>Linear warm-up to the peak, then cosine decay to MinLearningRateFraction of it.</summary>
    public static double LearningRateAt(int step, LanguageModelTrainingOptions o)
    {
        if (step < o.WarmupSteps) return o.LearningRate * (step + 1) / o.WarmupSteps;
        double progress = (double)(step - o.WarmupSteps) / Math.Max(1, o.Steps - o.WarmupSteps);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)));
        return o.LearningRate * (o.MinLearningRateFraction + (1 - o.MinLearningRateFraction) * cosine);
    }

    private static Tensor SampleWindows(Tensor stream, int batchSize, int window, Device device, Generator generator)
    {
        var starts = Tensor.RandInt(0, stream.Size(0) - window + 1, [batchSize, 1], generator);          // [B, 1]
        var index = starts + Tensor.Arange(0, window).Unsqueeze(0);                                      // [B, T+1]
        return stream.IndexSelect(0, index.Reshape(-1)).View(batchSize, window).To(device);
    }
}
