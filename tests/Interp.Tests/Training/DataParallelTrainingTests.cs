// Data-parallel training on two child processes (Gloo on 127.0.0.1, file-store rendezvous): rank r trains on half of
// every global batch and the result must equal one process trained on the whole batch (relu sae, jumprelu transcoder
// — objectives that are means over tokens), both ranks must end bit-identical, and only rank 0 writes the dictionary.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;
using InterpEval.Tests.Shared;
using InterpEval.Torch.Distributed;

namespace InterpEval.Interp.Tests.Training;

[NonParallelizable]
public class DataParallelTrainingTests
{
    // Bound: the two runs differ only in the order of float32 sums (two half-batch gradients averaged vs one
    // whole-batch gradient), ~1e-7 relative per step, which 8 Adam steps at lr 3e-3 carry into the weights. Measured:
    // max |Δw| 1.1e-8 for both cases (weights move 0.021); 1e-6 is ~100× that and ~2,000× below one step's update.
    private const double Bound = 1e-6;

    [TestCase("relu", "sae")]
    [TestCase("jumprelu", "transcoder")]
    public void Two_ranks_on_half_batches_equal_one_process_on_the_whole_batch(string arch, string kind)
    {
        if (!ProcessGroup.HasGloo) Assert.Ignore("this build of the shim has no Gloo");
        string dir = TrainingFixtures.TempDir();
        try
        {
            var results = ChildRanks.Run(typeof(DataParallelWorker), DataParallelWorker.Verb, 2,
                r => [arch, kind, r.ToString(), "2", Path.Combine(dir, "store"), dir], TimeSpan.FromSeconds(40));
            foreach (var res in results) Assert.That(res.ExitCode, Is.EqualTo(0), res.ToString());

            DictionaryKinds.TryParse(kind, out var k);
            using var alone = DataParallelWorker.Make(arch, k);
            new DictionaryTrainer([alone], DataParallelWorker.Options()).Train(DataParallelWorker.Reference());
            var expected = TrainingFixtures.Snapshot(alone).SelectMany(v => v).ToArray();

            var rank0 = DataParallelWorker.ReadParameters(Path.Combine(dir, "params-0.bin"));
            var rank1 = DataParallelWorker.ReadParameters(Path.Combine(dir, "params-1.bin"));
            Assert.That(rank1, Is.EqualTo(rank0), "the ranks must hold the same weights");
            Assert.That(rank0, Has.Length.EqualTo(expected.Length));
            double worst = expected.Zip(rank0).Max(p => Math.Abs(p.First - p.Second));
            double moved = expected.Zip(Initial(arch, k)).Max(p => Math.Abs(p.First - p.Second));
            TestContext.Out.WriteLine($"{arch} {kind}: max |Δw| {worst:G3}, max movement {moved:G3}");
            Assert.That(worst, Is.LessThan(Bound), $"max |Δw| between data-parallel and single-process training");
            Assert.That(moved, Is.GreaterThan(100 * Bound), "training must have moved the weights for the comparison to mean something");

            Assert.That(File.Exists(Path.Combine(dir, "dict", "cfg.json")), "rank 0 saves the dictionary");
            Assert.That(Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Where(n => n != "store").Order().ToArray(),
                Is.EqualTo(new[] { "dict", "params-0.bin", "params-1.bin" }), "rank 1 writes nothing but its test output");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static float[] Initial(string arch, DictionaryKind kind)
    {
        using var d = DataParallelWorker.Make(arch, kind);
        return TrainingFixtures.Snapshot(d).SelectMany(v => v).ToArray();
    }

    [Test]
    public void A_batch_that_does_not_split_over_the_ranks_is_refused()
    {
        using var d = DataParallelWorker.Make("relu", DictionaryKind.Sae);
        var trainer = new DictionaryTrainer([d], DataParallelWorker.Options() with { BatchTokens = 63 }) { Sync = new FakeSync(2) };
        var e = Assert.Throws<ArgumentException>(() => trainer.Train(DataParallelWorker.Reference()))!;
        Assert.That(e.Message, Does.Contain("63").And.Contain("2 ranks"));
    }

    private sealed class FakeSync(int world) : ITrainingSync
    {
        public int WorldSize => world;
        public bool IsWriter => true;
        public InterpEval.Interp.Activations.ActivationBatch CombineSample(InterpEval.Interp.Activations.ActivationBatch local) => throw new NotSupportedException();
        public void SynchronizeGradients(IReadOnlyList<Tensor> parameters) => throw new NotSupportedException();
        public (Tensor Fired, Tensor? ActiveCounts, long Tokens) SynchronizeActivity(Tensor fired, Tensor? activeCounts, long tokens) => throw new NotSupportedException();
    }
}
