// ToyTraining — the smallest training loop that shows a TopK dictionary learning: Adam on synthetic superposition
// data, the unit-norm decoder kept by removing the parallel gradient and renormalising, dead latents (no fire for
// DeadAfterTokens) fed to AuxK, b_dec at the geometric median. Test-only: the real trainer (schedules, clipping,
// checkpoints, the activation store) is separate work.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Dictionaries.GroundTruth;
using InterpEval.Torch.Optim;

namespace InterpEval.Interp.Tests.Dictionaries;

internal static class ToyTraining
{
    /// <param name="DecayFrom">Fraction of the steps after which the learning rate decays linearly to 0.</param>
    public sealed record Settings(int Width, int K, int Steps, int Batch, double LearningRate, ulong Seed = 1,
        long DeadAfterTokens = 4096, double DecayFrom = 0.8);

    public static TopKDictionary Train(SyntheticSuperposition data, Settings s)
    {
        var config = new DictionaryConfig { Architecture = "topk", DIn = data.Options.Dim, DSae = s.Width, K = s.K };
        var d = (TopKDictionary)DictionaryRegistry.Create(config, s.Seed);
        using var gen = new Generator(s.Seed + 1000);
        using (DisposeScope.Enter()) d.InitializeDecoderBias(data.Sample(1024, gen).Activations);
        foreach (var p in d.Parameters) p.RequiresGrad = true;
        using var adam = new Adam(d.Parameters, new AdamOptions(s.LearningRate));
        var sinceFired = new long[s.Width];
        for (int step = 0; step < s.Steps; step++)
        {
            using var scope = DisposeScope.Enter();
            adam.LearningRate = s.LearningRate * Math.Min(1, (1 - (double)step / s.Steps) / (1 - s.DecayFrom));
            var x = data.Sample(s.Batch, gen).Activations;                                   // [B, d]
            var dead = Tensor.From(sinceFired.Select(n => n >= s.DeadAfterTokens).ToArray());
            var o = d.Forward(x, deadMask: dead);
            o.Loss.Backward();
            d.RemoveParallelDecoderGradient();
            adam.Step();
            adam.ZeroGrad();
            d.NormalizeDecoderRows();
            long[] fired = o.Features.Ne(0).Sum(0).ToArray<long>();
            for (int i = 0; i < fired.Length; i++) sinceFired[i] = fired[i] > 0 ? 0 : sinceFired[i] + s.Batch;
        }
        foreach (var p in d.Parameters) p.RequiresGrad = false;
        return d;
    }
}
