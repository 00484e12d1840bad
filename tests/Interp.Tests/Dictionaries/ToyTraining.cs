// ToyTraining — trains a TopK dictionary on synthetic superposition data with the real DictionaryTrainer (Adam, the
// unit-norm decoder with parallel-gradient removal, AuxK on dead latents, geometric-median b_dec, linear decay over the
// last 20 %). Only the data source is the test's: fresh samples from the generator instead of the activation store.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Dictionaries.GroundTruth;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Dictionaries;

internal static class ToyTraining
{
    private const string Hook = "synthetic";

    /// <param name="DecayFrom">Fraction of the steps after which the learning rate decays linearly to 0.</param>
    public sealed record Settings(int Width, int K, int Steps, int Batch, double LearningRate, ulong Seed = 1,
        long DeadAfterTokens = 4096, double DecayFrom = 0.8);

    public static TopKDictionary Train(SyntheticSuperposition data, Settings s)
    {
        var config = new DictionaryConfig { Architecture = "topk", DIn = data.Options.Dim, DSae = s.Width, K = s.K };
        var trainable = new SparseDictionaryTrainable("toy", DictionaryRegistry.Create(config, s.Seed, device: Device.Cpu), Hook);
        var options = new DictionaryTrainerOptions
        {
            Steps = s.Steps, BatchTokens = s.Batch, LearningRate = s.LearningRate, DecayStart = s.DecayFrom, DeadAfterTokens = s.DeadAfterTokens,
            MaxGradNorm = null,
        };
        new DictionaryTrainer([trainable], options).Train(pass => Samples(data, s, pass));
        return (TopKDictionary)trainable.Dictionary;
    }

    // One pass = Steps fresh batches, seeded by the pass.
    private static IEnumerable<ActivationBatch> Samples(SyntheticSuperposition data, Settings s, int pass)
    {
        using var gen = new Generator(s.Seed + 1000 + (ulong)pass);
        for (int i = 0; i < s.Steps; i++)
        {
            Tensor x;
            using (DisposeScope.Enter()) x = data.Sample(s.Batch, gen).Activations.DetachFromScopes();
            yield return new ActivationBatch(new Dictionary<string, Tensor> { [Hook] = x });
        }
    }
}
