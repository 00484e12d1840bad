// GroundTruthTraining — the small TopK training loop the ground-truth suite runs on synthetic superposition data: Adam
// with a linear decay, b_dec at the geometric median, unit-norm decoder rows (parallel gradient removed, rows
// renormalised), AuxK on latents that have not fired for DeadAfterTokens. It is not the dictionary trainer (no
// activation store, schedules, clipping or checkpoints): it exists so the suite is self-contained and seeded.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Dictionaries.GroundTruth;
using InterpEval.Torch.Optim;

namespace InterpEval.Suites;

/// <param name="Width">Latents of the TopK dictionary trained.</param>
/// <param name="K">Active latents per sample.</param>
/// <param name="DecayFrom">Fraction of the steps after which the learning rate decays linearly to 0.</param>
public sealed record GroundTruthTrainingOptions(int Width = 128, int K = 4, int Steps = 400, int Batch = 256, double LearningRate = 3e-3,
    ulong Seed = 1, long DeadAfterTokens = 4096, double DecayFrom = 0.8);

public static class GroundTruthTraining
{
    public static TopKDictionary Train(SyntheticSuperposition data, GroundTruthTrainingOptions o, CancellationToken cancellation = default)
    {
        var config = new DictionaryConfig { Architecture = "topk", DIn = data.Options.Dim, DSae = o.Width, K = o.K, DatasetPath = "synthetic superposition" };
        var d = (TopKDictionary)DictionaryRegistry.Create(config, o.Seed, data.Features.Device);  // where the data lives
        try
        {
            using var gen = new Generator(o.Seed + 1000);
            using (DisposeScope.Enter()) d.InitializeDecoderBias(data.Sample(1024, gen).Activations);
            foreach (var p in d.Parameters) p.RequiresGrad = true;
            using var adam = new Adam(d.Parameters, new AdamOptions(o.LearningRate));
            var sinceFired = new long[o.Width];
            for (int step = 0; step < o.Steps; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                adam.LearningRate = o.LearningRate * Math.Min(1, (1 - (double)step / o.Steps) / (1 - o.DecayFrom));
                using var scope = DisposeScope.Enter();
                Step(d, adam, data.Sample(o.Batch, gen).Activations, sinceFired, o);
            }
            foreach (var p in d.Parameters) p.RequiresGrad = false;
            return d;
        }
        catch
        {
            d.Dispose();
            throw;
        }
    }

    private static void Step(TopKDictionary d, Adam adam, Tensor x, long[] sinceFired, GroundTruthTrainingOptions o)
    {
        var dead = Tensor.From(sinceFired.Select(n => n >= o.DeadAfterTokens).ToArray()).To(d.Device);  // [F] bool
        var output = d.Forward(x, deadMask: dead);                                           // x [B, d]
        output.Loss.Backward();
        d.RemoveParallelDecoderGradient();
        adam.Step();
        adam.ZeroGrad();
        d.NormalizeDecoderRows();
        long[] fired = output.ActiveCounts().ToArray<long>();                                 // [F]
        for (int i = 0; i < fired.Length; i++) sinceFired[i] = fired[i] > 0 ? 0 : sinceFired[i] + o.Batch;
    }
}
