// Latent-sharded training on two and three child processes (Gloo, 127.0.0.1): every rank trains its slice of the
// latents on the whole batch through DictionaryTrainer, and the gathered dictionary equals the same dictionary trained
// unsharded in one process (topk with AuxK reviving dead latents and gradient clipping, batchtopk with its global cut
// and threshold, relu with its decoder-norm penalty and warm-up, jumprelu with its L0 or tanh and pre-activation
// penalties, gated with its gate penalty and auxiliary term); the saved directory is one ordinary dictionary. A sharded
// run resumes from its slices' checkpoints at the same world size and at another (the old slices assembled).
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;
using InterpEval.Tests.Shared;
using InterpEval.Torch.Distributed;

namespace InterpEval.Interp.Tests.Training;

[NonParallelizable]
public partial class LatentShardedTrainingTests
{
    // Bound: the sharded and unsharded runs differ in the order of float32 sums (partial reconstructions summed over
    // ranks, the dense shard decode against the fused kernels, the clipping norm in float64), ~1e-7 relative per step,
    // carried through 8 Adam steps at lr 3e-3. Measured max |Δw|: topk 1.2e-7 (2 and 3 ranks), relu 2.2e-8; 1e-5 is ~80× that and far
    // below one step's update (the weights move > 100× the bound, checked).
    private const double Bound = 1e-5;

    [TestCase("topk", 2)]
    [TestCase("topk", 3)]
    [TestCase("batchtopk", 2)]
    [TestCase("relu", 2)]
    [TestCase("jumprelu", 2)]
    [TestCase("jumprelu-theta", 3)]
    [TestCase("jumprelu-tanh", 2)]
    [TestCase("gated", 2)]
    [TestCase("gated", 3)]
    public void Sharded_training_equals_unsharded_training_in_one_process(string arch, int world)
    {
        if (!ProcessGroup.HasGloo) Assert.Ignore("this build of the shim has no Gloo");
        string dir = TrainingFixtures.TempDir();
        try
        {
            var results = ChildRanks.Run(typeof(DataParallelWorker), LatentShardTrainWorker.Verb, world,
                r => [arch, r.ToString(), world.ToString(), Path.Combine(dir, "store"), dir], TimeSpan.FromSeconds(40));
            foreach (var res in results) Assert.That(res.ExitCode, Is.EqualTo(0), res.ToString());
            double largestNorm = double.Parse(results[0].Stdout.Split('\n').First(l => l.StartsWith("largest gradient norm ", StringComparison.Ordinal))["largest gradient norm ".Length..].Trim(),
                System.Globalization.CultureInfo.InvariantCulture);
            TestContext.Out.WriteLine($"{arch}: largest gradient norm {largestNorm:G4} (clipped at {DataParallelWorker.Options().MaxGradNorm})");
            if (arch.StartsWith("jumprelu", StringComparison.Ordinal) || arch == "gated")
                Assert.That(largestNorm, Is.GreaterThan(DataParallelWorker.Options().MaxGradNorm!.Value), "clipping worked on the job's norm (log θ's or r_mag's and b_mag's slices included)");
            if (arch is "topk" or "batchtopk") Assert.That(results[0].Stdout, Does.Contain("dead latents revived by auxk"), "AuxK must have had dead latents to work on");

            using (var alone = LatentShardTrainWorker.Make(arch))
                new DictionaryTrainer([alone], DataParallelWorker.Options(), Path.Combine(dir, "alone")).Train(DataParallelWorker.Reference());
            using (var early = LatentShardTrainWorker.Make(arch))                   // one step: the yardstick of movement
                new DictionaryTrainer([early], DataParallelWorker.Options() with { Steps = 1 }, Path.Combine(dir, "early")).Train(DataParallelWorker.Reference());
            using var sharded = SparseDictionary.Load(Path.Combine(dir, "dict"), InterpEval.Torch.Device.Cpu);
            using var unsharded = SparseDictionary.Load(Path.Combine(dir, "alone"), InterpEval.Torch.Device.Cpu);
            using var initial = SparseDictionary.Load(Path.Combine(dir, "early"), InterpEval.Torch.Device.Cpu);
            Assert.That(sharded.DSae, Is.EqualTo(unsharded.DSae));
            Assert.That(File.Exists(Path.Combine(dir, "dict", "sparsity.safetensors")), "the gathered feature density is saved");
            double worst = 0, moved = 0;
            foreach (var (a, b, start) in Weights(sharded).Zip(Weights(unsharded), Weights(initial)))
            {
                float[] x = a.ToArray<float>(), y = b.ToArray<float>(), s0 = start.ToArray<float>();
                worst = Math.Max(worst, x.Zip(y).Max(p => Math.Abs(p.First - p.Second)));
                if (a.Shape.SequenceEqual(start.Shape)) moved = Math.Max(moved, y.Zip(s0).Max(p => Math.Abs(p.First - p.Second)));
            }
            if (arch.StartsWith("jumprelu", StringComparison.Ordinal) || arch == "gated")   // the penalties must matter for the test to check them
            {
                using (var free = LatentShardTrainWorker.Make(arch, penaltyOff: true))
                    new DictionaryTrainer([free], DataParallelWorker.Options(), Path.Combine(dir, "nopenalty")).Train(DataParallelWorker.Reference());
                using var unpenalised = SparseDictionary.Load(Path.Combine(dir, "nopenalty"), InterpEval.Torch.Device.Cpu);
                double penaltyEffect = Weights(unsharded).Zip(Weights(unpenalised))
                    .Max(p => p.First.ToArray<float>().Zip(p.Second.ToArray<float>()).Max(q => Math.Abs(q.First - q.Second)));
                TestContext.Out.WriteLine($"{arch}: the penalties move the weights by {penaltyEffect:G3} (λ 0 vs λ set, unsharded)");
                Assert.That(penaltyEffect, Is.GreaterThan(100 * Bound), "a shard that dropped its penalty would be caught: λ must change the weights by far more than the bound");
            }
            else if (sharded is JumpReluDictionary js && unsharded is JumpReluDictionary ju)                   // batchtopk, saved with its θ
            {
                double θs = js.Threshold().Max().ToDouble(), θu = ju.Threshold().Max().ToDouble();
                TestContext.Out.WriteLine($"batchtopk threshold: sharded {θs:G9}, unsharded {θu:G9}");
                Assert.That(θu, Is.GreaterThan(0), "the threshold was estimated");
                Assert.That(Math.Abs(θs - θu), Is.LessThan(Bound * Math.Max(1, θu)), "the sharded threshold is the job's");
            }
            TestContext.Out.WriteLine($"{arch} on {world} ranks: max |Δw| {worst:G3} vs unsharded; the weights moved {moved:G3}");
            Assert.That(worst, Is.LessThan(Bound), "max |Δw| between sharded and unsharded training");
            Assert.That(moved, Is.GreaterThan(100 * Bound), "training must have moved the weights for the comparison to mean something");
            Assert.That(Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Where(n => n is not ("store" or "nopenalty")).Order().ToArray(),
                Is.EqualTo(new[] { "alone", "dict", "early" }), "only rank 0 writes, one directory");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>W_enc, b_enc, W_dec, b_dec and, for a jumprelu file (jumprelu, or batchtopk saved with its θ), θ [F];
    /// for a gated one r_mag and b_mag [F].</summary>
    private static Tensor[] Weights(SparseDictionary d) => d switch
    {
        JumpReluDictionary j => [d.WEnc, d.BEnc, d.WDec, d.BDec, j.Threshold()],
        GatedDictionary g => [d.WEnc, d.BEnc, d.WDec, d.BDec, g.RMag, g.BMag],
        _ => [d.WEnc, d.BEnc, d.WDec, d.BDec],
    };
}

public partial class LatentShardedTrainingTests
{
    [Test]
    public void A_sharded_run_resumes_from_its_slices_checkpoints_and_refuses_mixed_steps_and_unreadable_slices()
    {
        if (!ProcessGroup.HasGloo) Assert.Ignore("this build of the shim has no Gloo");
        string dir = TrainingFixtures.TempDir();
        string Step8(int rank) => TrainingCheckpoint.PathFor(Path.Combine(dir, "shards", $"rank-{rank}"), DataParallelWorker.Steps);
        RankResult[] Run(string mode, string store) => ChildRanks.Run(typeof(DataParallelWorker), LatentShardTrainWorker.Verb, 2,
            r => ["topk", r.ToString(), "2", Path.Combine(dir, store), dir, mode], TimeSpan.FromSeconds(40));
        try
        {
            foreach (var res in Run("checkpoint", "store-1")) Assert.That(res.ExitCode, Is.EqualTo(0), res.ToString());
            Directory.Move(Path.Combine(dir, "dict"), Path.Combine(dir, "uninterrupted"));
            Directory.Delete(Step8(0), recursive: true);
            Directory.Delete(Step8(1), recursive: true);                                      // as if stopped after step 4

            var resumed = Run("resume", "store-2");
            foreach (var res in resumed) Assert.That(res.ExitCode, Is.EqualTo(0), res.ToString());
            Assert.That(resumed[0].Stdout, Does.Contain($"trained {DataParallelWorker.Steps - DataParallelWorker.CheckpointEvery} steps"), "the run continues from step 4");
            using (var a = SparseDictionary.Load(Path.Combine(dir, "dict"), InterpEval.Torch.Device.Cpu))
            using (var b = SparseDictionary.Load(Path.Combine(dir, "uninterrupted"), InterpEval.Torch.Device.Cpu))
            {
                double worst = new[] { (a.WEnc, b.WEnc), (a.BEnc, b.BEnc), (a.WDec, b.WDec), (a.BDec, b.BDec) }
                    .Max(p => p.Item1.ToArray<float>().Zip(p.Item2.ToArray<float>()).Max(q => Math.Abs(q.First - q.Second)));
                TestContext.Out.WriteLine($"resumed vs uninterrupted sharded run: max |Δw| {worst:G3}");
                Assert.That(worst, Is.LessThan(1e-6), "a resumed sharded run ends at the uninterrupted run's weights");
            }

            Directory.Delete(Step8(0), recursive: true);                                      // rank 0's latest is step 4, rank 1's step 8
            foreach (var res in Run("resume", "store-3"))
            {
                Assert.That(res.ExitCode, Is.EqualTo(2), res.ToString());
                Assert.That(res.Stderr, Does.Contain("hold different latest checkpoints (steps 4 to 8)"), res.ToString());
            }

            File.WriteAllText(Path.Combine(Step8(1), "trainer.json"), "{ not json");                  // only rank 1 cannot read its own
            var refused = Run("resume", "store-4");
            foreach (var res in refused) Assert.That(res.ExitCode, Is.EqualTo(2), res.ToString());
            Assert.That(refused[1].Stderr, Does.Contain("trainer.json: not valid JSON"), refused[1].ToString());
            Assert.That(refused[0].Stderr, Does.Contain("checkpoint: rank 1 of 2 could not read its own slice's latest checkpoint"), "rank 0 stops with it, not in a collective");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

public partial class LatentShardedTrainingTests
{
    // Resharding copies parameters, Adam moments and latent activity exactly, and every rank of a latent-sharded run
    // sees the whole batch, so a resumed run at another world size differs from the uninterrupted one only in the order
    // of float32 sums over ranks (the partial reconstructions): the bound of the equality tests above, 1e-5.
    [TestCase("topk")]
    [TestCase("jumprelu")]
    [TestCase("gated")]
    public void A_sharded_run_resumes_at_another_world_size_from_every_old_slice(string arch)
    {
        if (!ProcessGroup.HasGloo) Assert.Ignore("this build of the shim has no Gloo");
        string dir = TrainingFixtures.TempDir();
        string Shards(int rank) => LatentShardResume.RankDirectory(dir, rank);
        RankResult[] Run(int world, string mode, string store) => ChildRanks.Run(typeof(DataParallelWorker), LatentShardTrainWorker.Verb, world,
            r => [arch, r.ToString(), world.ToString(), Path.Combine(dir, store), dir, mode], TimeSpan.FromSeconds(40));
        void ForgetAfterStep4()                                                               // as if the 2-rank run stopped after step 4
        {
            for (int rank = 0; rank < 3; rank++)
                if (Directory.Exists(TrainingCheckpoint.PathFor(Shards(rank), DataParallelWorker.Steps)))
                    Directory.Delete(TrainingCheckpoint.PathFor(Shards(rank), DataParallelWorker.Steps), recursive: true);
        }
        double Difference(string a, string b)
        {
            using var x = SparseDictionary.Load(Path.Combine(dir, a), InterpEval.Torch.Device.Cpu);
            using var y = SparseDictionary.Load(Path.Combine(dir, b), InterpEval.Torch.Device.Cpu);
            return Weights(x).Zip(Weights(y)).Max(p => p.First.ToArray<float>().Zip(p.Second.ToArray<float>()).Max(q => Math.Abs(q.First - q.Second)));
        }
        try
        {
            foreach (var res in Run(2, "checkpoint", "store-1")) Assert.That(res.ExitCode, Is.EqualTo(0), res.ToString());
            Directory.Move(Path.Combine(dir, "dict"), Path.Combine(dir, "uninterrupted"));

            var atEnd = Run(3, "resume", "store-0");                                          // from step 8 of 8: nothing left to train,
            foreach (var res in atEnd) Assert.That(res.ExitCode, Is.EqualTo(0), res.ToString());   // the assembled slices saved at once
            Assert.That(atEnd[0].Stdout, Does.Contain("trained 0 steps"));
            Assert.That(Difference("dict", "uninterrupted"), Is.EqualTo(0), "the assembled slices are the old ones, bit for bit");
            using (var x = SparseDictionary.Load(Path.Combine(dir, "dict"), InterpEval.Torch.Device.Cpu))
            using (var y = SparseDictionary.Load(Path.Combine(dir, "uninterrupted"), InterpEval.Torch.Device.Cpu))
            {
                float[] a = x.LogFeatureDensity!.ToArray<float>(), b = y.LogFeatureDensity!.ToArray<float>();
                Assert.That(a, Is.EqualTo(b), "the latent activity (feature density) is assembled exactly");
                Assert.That(b.Count(float.IsFinite), Is.GreaterThan(b.Length / 4), "most latents were active in the density window");
            }
            Directory.Delete(Path.Combine(dir, "dict"), recursive: true);

            foreach (var (world, store) in new[] { (3, "store-2"), (1, "store-3") })
            {
                ForgetAfterStep4();
                var resumed = Run(world, "resume", store);
                foreach (var res in resumed) Assert.That(res.ExitCode, Is.EqualTo(0), res.ToString());
                Assert.That(resumed[0].Stdout, Does.Contain($"trained {DataParallelWorker.Steps - DataParallelWorker.CheckpointEvery} steps"), "the run continues from step 4");
                Assert.That(TrainingCheckpoint.Latest(Shards(world - 1)), Does.EndWith("step-000008"), "the new ranks checkpoint their new slices");
                double worst = Difference("dict", "uninterrupted");
                TestContext.Out.WriteLine($"{arch}: resumed 2 → {world} ranks vs the uninterrupted 2-rank run: max |Δw| {worst:G3}");
                Assert.That(worst, Is.LessThan(Bound), $"a run resumed on {world} ranks ends at the uninterrupted run's weights");
                Directory.Delete(Path.Combine(dir, "dict"), recursive: true);
            }
            using (var fresh = LatentShardTrainWorker.Make(arch))                         // yardstick: what the last 4 steps move
                new DictionaryTrainer([fresh], DataParallelWorker.Options() with { Steps = DataParallelWorker.CheckpointEvery }, Path.Combine(dir, "step4"))
                    .Train(DataParallelWorker.Reference());
            double moved = Difference("step4", "uninterrupted");
            TestContext.Out.WriteLine($"{arch}: steps 5 to 8 move the weights {moved:G3}");
            Assert.That(moved, Is.GreaterThan(100 * Bound), "the resumed steps must move the weights for the comparison to mean something");

            ForgetAfterStep4();
            Directory.Move(Shards(1), Path.Combine(dir, "elsewhere"));                       // rank 1's slice on another machine
            foreach (var res in Run(3, "resume", "store-4"))
            {
                Assert.That(res.ExitCode, Is.EqualTo(2), res.ToString());
                Assert.That(res.Stderr, Does.Contain(Path.Combine(Shards(1), "checkpoints") + ": no checkpoint of rank 1's slice of 2")
                    .And.Contain("needs every old slice in one --out"), res.ToString());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>`shard-train-worker ARCH RANK WORLD STORE OUT [checkpoint|resume]`: one rank of latent-sharded training on
/// DataParallelWorker's stream (every rank the whole batch); the trainer saves the gathered dictionary to OUT/dict on
/// rank 0. `checkpoint` writes this rank's checkpoints every 4 steps under OUT/shards/rank-R; `resume` resumes from them
/// (LatentShardResume: its own slice at the same world size, the old slices assembled at another).
/// Prints "trained N steps"; a refused checkpoint is exit 2 with the message on stderr.</summary>
public static class LatentShardTrainWorker
{
    public const string Verb = "shard-train-worker";

    /// <summary>A sae over DataParallelWorker's stream, wide enough (96 latents, k 2) that some latents go dead and AuxK
    /// works. The jumprelu variants set every knob a shard copies to a value the default would not give:
    /// `jumprelu` (sae, L0 penalty λ 1 with its input gradient), `jumprelu-theta` (sae, L0 penalty λ 1 reaching θ only,
    /// ε 0.05), `jumprelu-tanh` (transcoder, tanh penalty λ 0.5 with c 2, pre-activation penalty λ_P 0.2, ε 0.2).
    /// `gated` is a sae with its default λ. penaltyOff zeroes λ and λ_P (the yardstick that the penalties matter).</summary>
    public static SparseDictionaryTrainable Make(string variant, bool penaltyOff = false)
    {
        string architecture = variant.Split('-')[0];
        var kind = variant == "jumprelu-tanh" ? DictionaryKind.Transcoder : DictionaryKind.Sae;
        var config = new DictionaryConfig
        {
            Architecture = architecture, Kind = kind, DIn = DataParallelWorker.Dim, DSae = 96, K = architecture is "topk" or "batchtopk" ? 2 : null,
            HookName = TrainingFixtures.Hook, HookNameOut = kind.IsTranscoder() ? TrainingFixtures.HookOut : null,
        };
        var d = DictionaryRegistry.Create(config, 5, InterpEval.Torch.Device.Cpu);
        if (d is GatedDictionary g && penaltyOff) g.SparsityCoefficient = 0;
        if (d is JumpReluDictionary j)
        {
            new JumpReluOptions(
                Bandwidth: variant switch { "jumprelu-theta" => 0.05, "jumprelu-tanh" => 0.2, _ => null },
                SparsityLoss: variant == "jumprelu-tanh" ? "tanh" : null, TanhC: variant == "jumprelu-tanh" ? 2 : null,
                PreActCoefficient: variant == "jumprelu-tanh" ? 0.2 : null).Apply(j);
            j.InputGradient = variant != "jumprelu-theta";
            j.SparsityCoefficient = penaltyOff ? 0 : variant == "jumprelu-tanh" ? 0.5 : 1;
            if (penaltyOff) j.PreActCoefficient = 0;
        }
        return new SparseDictionaryTrainable($"{kind.Name()}-{variant}", d, TrainingFixtures.Hook, kind.IsTranscoder() ? TrainingFixtures.HookOut : null);
    }

    public static int Run(string[] args)
    {
        string arch = args[1];
        int rank = int.Parse(args[2]), world = int.Parse(args[3]);
        var timeout = TimeSpan.FromSeconds(10);
        using var store = Store.File(args[4], world, timeout);
        using var group = ProcessGroup.Create(store, rank, world, DistributedBackend.Gloo, timeout, hostname: "127.0.0.1");
        LatentShardedTrainable trainable;
        using (var full = LatentShardTrainWorker.Make(arch)) trainable = LatentShardedTrainable.FromFull(full, group);
        using var owned = trainable;
        var revived = new AuxKWatch();
        string mode = args.Length == 7 ? args[6] : "";
        var options = mode == "" ? DataParallelWorker.Options() : DataParallelWorker.Options() with { CheckpointEvery = DataParallelWorker.CheckpointEvery };
        var trainer = new DictionaryTrainer([trainable], options, Path.Combine(args[5], "dict"))
        {
            CheckpointDirectory = LatentShardResume.RankDirectory(args[5], rank), ResumeFrom = () => LatentShardResume.Read(args[5], trainable),
        };
        try
        {
            trainer.Train(DataParallelWorker.Reference(), revived, resume: mode == "resume");
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        if (revived.Seen) Console.WriteLine("dead latents revived by auxk");
        Console.WriteLine($"largest gradient norm {revived.MaxGradNorm.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
        Console.WriteLine($"trained {revived.Steps} steps");
        return 0;
    }

    /// <summary>Notes whether any step had a non-zero AuxK loss (dead latents present).</summary>
    private sealed class AuxKWatch : IProgress<TrainingProgress>
    {
        public bool Seen { get; private set; }

        public int Steps { get; private set; }

        public double MaxGradNorm { get; private set; }

        public void Report(TrainingProgress p)
        {
            Steps++;
            MaxGradNorm = Math.Max(MaxGradNorm, p.GradNorm);
            Seen |= p.Parts.TryGetValue("auxk", out double a) && a > 0;
        }
    }
}
