// The activation store's on-disk cache: the writing pass, the reading pass and an uncached pass give identical batches;
// the reading pass really reads the shards; a manifest made for other inputs is refused naming the field; a truncated
// or missing shard is a one-line error naming the file; a pass stopped early leaves no manifest.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tests.Models;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Interp.Tests.Activations;

public class ActivationCacheTests() : TinyModelFixture("gpt2")
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => _dir = Path.Combine(Path.GetTempPath(), "ie-actcache-" + Guid.NewGuid().ToString("N")[..8]);

    [TearDown]
    public void RemoveDir()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static long[] Stream(int seed = 11)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, 80).Select(i => i % 5 == 0 ? 0 : rng.NextInt64(1, 40)).ToArray();
    }

    private ActivationStoreOptions Options(string? cache) => new(
        [HookNames.ResidPre(1), HookNames.MlpOut(1)], ContextLength: 8, SequencesPerForward: 3, BufferTokens: 24, BatchTokens: 10,
        ExcludeToken: 0, Shuffle: true, Seed: 4, CacheDirectory: cache);

    private List<double[][]> Batches(ActivationStoreOptions options, long[]? tokens = null)
    {
        var result = new List<double[][]>();
        using var scope = DisposeScope.Enter();
        foreach (var batch in new ActivationStore(Model, tokens ?? Stream(), options).Batches())
            using (batch) result.Add(options.Hooks.Select(h => batch.Activations[h].Values()).ToArray());
        return result;
    }

    [Test]
    public void CachedAndUncachedPassesGiveIdenticalBatches()
    {
        var plain = Batches(Options(null));
        var writing = Batches(Options(_dir));
        Assert.That(File.Exists(Path.Combine(_dir, ActivationCache.ManifestFile)), "the first pass completes the cache");
        Assert.That(Directory.GetFiles(_dir, "shard-*.safetensors"), Has.Length.EqualTo(4), "10 windows, 3 per forward: 4 shards");
        long before = Tensor.SettledLiveCount;
        var reading = Batches(Options(_dir));
        Assert.That(Tensor.LiveCount, Is.EqualTo(before), "the reading pass releases what it loads");
        Assert.That(writing, Has.Count.EqualTo(plain.Count));
        Assert.That(reading, Has.Count.EqualTo(plain.Count));
        for (int b = 0; b < plain.Count; b++)
            for (int h = 0; h < 2; h++)
            {
                Assert.That(writing[b][h], Is.EqualTo(plain[b][h]), $"writing pass, batch {b}, hook {h}");
                Assert.That(reading[b][h], Is.EqualTo(plain[b][h]), $"reading pass, batch {b}, hook {h}");
            }
    }

    [Test]
    public void TheReadingPassReadsTheShards()
    {
        Batches(Options(_dir));
        // Overwrite every shard with zeros of the same shapes: a pass that read the shards now sees only zeros.
        foreach (var path in Directory.GetFiles(_dir, "shard-*.safetensors"))
        {
            using var scope = DisposeScope.Enter();
            var zeros = SafeTensorsFile.LoadAll(path).Select(kv => KeyValuePair.Create(kv.Key, Tensor.Zeros(kv.Value.Shape, kv.Value.Dtype))).ToList();
            SafeTensorsWriter.Write(path, zeros);
        }
        Assert.That(Batches(Options(_dir)).SelectMany(b => b).SelectMany(v => v), Is.All.EqualTo(0));
    }

    [Test]
    public void AStaleManifestIsRefusedNamingTheField()
    {
        Batches(Options(_dir));
        var e = Assert.Throws<InvalidDataException>(() => Batches(Options(_dir) with { ContextLength = 4 }));
        Assert.That(e!.Message, Does.Contain("stale").And.Contain("context_length").And.Contain(ActivationCache.ManifestFile));
        e = Assert.Throws<InvalidDataException>(() => Batches(Options(_dir), Stream(seed: 12)));
        Assert.That(e!.Message, Does.Contain("stale").And.Contain("token_hash"));
        e = Assert.Throws<InvalidDataException>(() => Batches(Options(_dir) with { Hooks = [HookNames.ResidPre(1)] }));
        Assert.That(e!.Message, Does.Contain("hooks"));
        using (Autograd.NoGrad()) Model.Parameters.First().Add_(1e-3);
        try
        {
            e = Assert.Throws<InvalidDataException>(() => Batches(Options(_dir)));
            Assert.That(e!.Message, Does.Contain("model"), "an edited model is another model");
        }
        finally
        {
            using (Autograd.NoGrad()) Model.Parameters.First().Add_(-1e-3);
        }
    }

    [Test]
    public void ATruncatedOrMissingShardIsAOneLineErrorNamingIt()
    {
        Batches(Options(_dir));
        string shard = Path.Combine(_dir, "shard-00001.safetensors");
        using (var f = new FileStream(shard, FileMode.Open)) f.SetLength(f.Length / 2);
        var e = Assert.Catch<IOException>(() => Batches(Options(_dir)));
        Assert.That(e!.Message, Does.Contain("shard-00001.safetensors").And.Not.Contain("\n"));
        File.Delete(shard);
        var missing = Assert.Throws<FileNotFoundException>(() => Batches(Options(_dir)));
        Assert.That(missing!.Message, Does.Contain("shard-00001.safetensors").And.Contain("missing"));
    }

    [Test]
    public void APassStoppedEarlyLeavesNoManifestAndTheNextPassRebuilds()
    {
        using (var first = new ActivationStore(Model, Stream(), Options(_dir)).Batches().GetEnumerator())
        {
            Assert.That(first.MoveNext());
            first.Current.Dispose();
        }
        Assert.That(File.Exists(Path.Combine(_dir, ActivationCache.ManifestFile)), Is.False);
        Assert.That(Batches(Options(_dir)), Is.EqualTo(Batches(Options(null))));
        Assert.That(File.Exists(Path.Combine(_dir, ActivationCache.ManifestFile)));
    }
}
