// BatchTopK's inference threshold after training on the embedded model: saved as a JumpReLU, it must keep about k
// latents per token on tokens it never saw (the estimate follows the trained dictionary, not the untrained one).
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Training;

public class BatchTopKThresholdTests
{
    [Test]
    public void ConvertedDictionaryKeepsAboutKLatentsPerTokenOnHeldOutTokens()
    {
        const int k = 16;
        using var data = new EmbeddedActivations(16384);
        using var heldOut = new EmbeddedActivations(4096, skipTokens: 16384);
        var config = new DictionaryConfig { Architecture = "batchtopk", DIn = 128, DSae = 128, K = k, HookName = EmbeddedActivations.Hook };
        using var trainable = new SparseDictionaryTrainable("btk", BatchTopKDictionary.Create(config, 4, Device.Cpu), EmbeddedActivations.Hook);
        var options = new DictionaryTrainerOptions { Steps = 60, BatchTokens = 1024, LearningRate = 1e-3 };
        string dir = TrainingFixtures.TempDir();
        try
        {
            new DictionaryTrainer([trainable], options, dir).Train(data.Passes(1024));
            var b = (BatchTopKDictionary)trainable.Dictionary;
            Assert.That(b.ThresholdUpdates, Is.EqualTo(60 - BatchTopKDictionary.ThresholdStartStep(60)), "updated over the second half only");
            using var loaded = SparseDictionary.Load(dir, device: Device.Cpu);
            Assert.That(loaded, Is.InstanceOf<JumpReluDictionary>());
            using var scope = DisposeScope.Enter();
            using var batch = heldOut.Passes(4096)(0).First();
            double l0 = loaded.Encode(batch.Activations[EmbeddedActivations.Hook]).Ne(0).Sum(1).To(ScalarType.Float64).Mean().ToDouble();
            TestContext.Out.WriteLine($"held-out L0 {l0:F2} for k = {k}; θ = {b.Threshold:G4}");
            Assert.That(l0, Is.InRange(0.75 * k, 1.25 * k), "inference L0 within ±25 % of k");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
