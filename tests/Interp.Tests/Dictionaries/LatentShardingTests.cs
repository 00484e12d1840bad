// Latent-sharded dictionaries on two and three child processes (Gloo, 127.0.0.1): the global top-k of sharded
// pre-activations equals the unsharded top-k (indices exactly, values to 1e-5), the sharded reconstruction equals the
// unsharded one for topk, relu, jumprelu and gated (to 1e-5, float32 sums in another order), and the gathered save is an
// ordinary directory that predicts like the original.
using InterpEval.Interp.Dictionaries;
using InterpEval.Tests.Shared;
using InterpEval.Torch.Distributed;

namespace InterpEval.Interp.Tests.Dictionaries;

[NonParallelizable]
public class LatentShardingTests
{
    [TestCase("topk", 2)]
    [TestCase("topk", 3)]
    [TestCase("relu", 2)]
    [TestCase("jumprelu", 2)]
    [TestCase("gated", 3)]
    public void Sharded_dictionary_equals_the_unsharded_one(string arch, int world)
    {
        if (!ProcessGroup.HasGloo) Assert.Ignore("this build of the shim has no Gloo");
        string dir = Directory.CreateTempSubdirectory("ie-shard-").FullName;
        try
        {
            var results = ChildRanks.Run(typeof(Training.DataParallelWorker), LatentShardWorker.Verb, world,
                r => [arch, r.ToString(), world.ToString(), Path.Combine(dir, "store"), dir], TimeSpan.FromSeconds(30));
            foreach (var res in results) Assert.That(res.ExitCode, Is.EqualTo(0), res.ToString());

            using var full = LatentShardWorker.Make(arch);
            using var saved = SparseDictionary.Load(Path.Combine(dir, "dict"), device: Device.Cpu);
            using var scope = DisposeScope.Enter();
            var x = LatentShardWorker.Input();
            double diff = (saved.Predict(x) - full.Predict(x)).Abs().Max().ToDouble();
            Assert.That(diff, Is.LessThan(1e-4), "the gathered directory predicts like the original");
            Assert.That(saved.DSae, Is.EqualTo(full.DSae));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>`dp-worker`'s sibling verb `shard-worker ARCH RANK WORLD STORE OUT`: one rank of the sharding checks; exit 0
/// when they hold, 1 with the differences on stdout otherwise.</summary>
public static class LatentShardWorker
{
    public const string Verb = "shard-worker";
    private const int K = 5;

    public static SparseDictionary Make(string arch)
    {
        var config = new DictionaryConfig
        {
            Architecture = arch, Kind = DictionaryKind.Sae, DIn = 16, DSae = 48, K = arch == "topk" ? K : null, HookName = "blocks.0.hook_resid_post",
        };
        var d = DictionaryRegistry.Create(config, 11, device: Device.Cpu);
        d.SetScale(new ActivationScale(1.7, 1.7));
        if (d is JumpReluDictionary j)
            using (Autograd.NoGrad())
            using (DisposeScope.Enter())
                j.LogThreshold.Copy_(Tensor.Full([48], Math.Log(0.05)));
        if (d is GatedDictionary g)                                                           // both paths off their zero start
            using (Autograd.NoGrad())
            using (DisposeScope.Enter())
            {
                using var gen = new Generator(13);
                g.RMag.Copy_(Tensor.Randn([48], gen) * 0.3);
                g.BMag.Copy_(Tensor.Randn([48], gen) * 0.1);
                g.BEnc.Copy_(Tensor.Randn([48], gen) * 0.05);
            }
        return d;
    }

    public static Tensor Input()
    {
        using var gen = new Generator(5);
        return Tensor.Randn([32, 16], gen);
    }

    public static int Run(string[] args)
    {
        string arch = args[1];
        int rank = int.Parse(args[2]), world = int.Parse(args[3]);
        var timeout = TimeSpan.FromSeconds(10);
        using var store = Store.File(args[4], world, timeout);
        using var group = ProcessGroup.Create(store, rank, world, DistributedBackend.Gloo, timeout, hostname: "127.0.0.1");
        using var full = Make(arch);
        using var sharded = LatentShardedDictionary.FromFull(full, group);
        var failures = new List<string>();
        using (var scope = DisposeScope.Enter())
        using (Autograd.NoGrad())
        {
            var x = Input();
            double diff = (sharded.Predict(x) - full.Predict(x)).Abs().Max().ToDouble();
            if (!(diff < 1e-5)) failures.Add($"prediction differs by {diff}");
            var encoded = full.Encode(x);                                                     // [N, F]
            double encDiff = (sharded.Encode(x) - encoded.Narrow(1, sharded.Offset, sharded.ShardLatents)).Abs().Max().ToDouble();
            if (!(encDiff < 1e-5)) failures.Add($"this rank's latents differ by {encDiff}");
            if (arch == "topk")
            {
                var global = sharded.GlobalTopK(sharded.PreActivations(x), K);
                var reference = full.PreActivations(x * full.Scale.Input).TopK(K, dim: 1);
                if (!global.Indices.ToArray<long>().SequenceEqual(reference.Indices.ToArray<long>())) failures.Add("global top-k indices differ");
                double valueDiff = (global.Values - reference.Values).Abs().Max().ToDouble();
                if (!(valueDiff < 1e-5)) failures.Add($"global top-k values differ by {valueDiff}");
            }
        }
        sharded.Save(Path.Combine(args[5], "dict"));
        foreach (var f in failures) Console.WriteLine("FAIL " + f);
        return failures.Count == 0 ? 0 : 1;
    }
}
