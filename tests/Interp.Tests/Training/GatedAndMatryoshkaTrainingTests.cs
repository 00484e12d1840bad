// Gated and Matryoshka BatchTopK trained on the embedded model's residual stream: gated's λ moves L0, and a Matryoshka
// dictionary's first prefix (F/8 latents) reconstructs held-out tokens better than the same prefix of a plain BatchTopK
// dictionary trained on the same stream.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Training;

public class GatedAndMatryoshkaTrainingTests
{
    private const int Width = 128, K = 16;

    private static DictionaryConfig Config(string architecture, int? k = null) =>
        new() { Architecture = architecture, DIn = 128, DSae = Width, K = k, HookName = EmbeddedActivations.Hook };

    [Test]
    public void GatedLambdaMovesL0AndAMatryoshkaPrefixReconstructsBetter()
    {
        using var data = new EmbeddedActivations(16384);
        using var heldOut = new EmbeddedActivations(4096, skipTokens: 16384);
        var gatedLow = GatedDictionary.Create(Config("gated"), 2, Device.Cpu);
        gatedLow.SparsityCoefficient = 1;
        var gatedHigh = GatedDictionary.Create(Config("gated"), 2, Device.Cpu);
        gatedHigh.SparsityCoefficient = 30;
        var trainables = new List<ITrainableDictionary>
        {
            new SparseDictionaryTrainable("gated-l1", gatedLow, EmbeddedActivations.Hook),
            new SparseDictionaryTrainable("gated-l30", gatedHigh, EmbeddedActivations.Hook),
            new SparseDictionaryTrainable("btk", BatchTopKDictionary.Create(Config("batchtopk", K), 4, Device.Cpu), EmbeddedActivations.Hook),
            new SparseDictionaryTrainable("mat", MatryoshkaBatchTopKDictionary.Create(Config("matryoshka-batchtopk", K), 4, Device.Cpu), EmbeddedActivations.Hook),
        };
        var options = new DictionaryTrainerOptions { Steps = 60, BatchTokens = 1024, LearningRate = 1e-3, SparsityWarmupSteps = 3 };
        try
        {
            var l0 = new DictionaryTrainer(trainables, options).Train(data.Passes(1024)).ToDictionary(s => s.Id, s => s.L0);
            using var scope = DisposeScope.Enter();
            using var batch = heldOut.Passes(4096)(0).First();
            var x = batch.Activations[EmbeddedActivations.Hook];
            double PrefixFvu(string id, int m)
            {
                var d = ((SparseDictionaryTrainable)trainables.First(t => t.Id == id)).Dictionary;
                d.Training = false;
                var f = d.Encode(x);
                var mask = Tensor.Arange(0, Width, 1, ScalarType.Int64).Lt(m).To(ScalarType.Float32);          // [F]
                var xHat = d.Decode(f * mask);
                return (x - xHat).Pow(2).Sum().ToDouble() / (x - x.Mean(0, keepDim: true)).Pow(2).Sum().ToDouble();
            }
            double btk = PrefixFvu("btk", Width / 8), mat = PrefixFvu("mat", Width / 8);
            TestContext.Out.WriteLine($"L0 gated λ 1: {l0["gated-l1"]:F1}, λ 30: {l0["gated-l30"]:F1}; prefix-16 FVU batchtopk {btk:F3}, matryoshka {mat:F3}; " +
                $"full FVU batchtopk {PrefixFvu("btk", Width):F3}, matryoshka {PrefixFvu("mat", Width):F3}");
            Assert.That(l0["gated-l30"], Is.LessThan(l0["gated-l1"] / 1.5), "λ × 30 must cut gated's L0 by more than 1.5×");
            Assert.That(mat, Is.LessThan(btk - 0.1), "the first Matryoshka prefix reconstructs better by at least 0.1 FVU");
        }
        finally
        {
            foreach (var t in trainables) t.Dispose();
        }
    }
}
