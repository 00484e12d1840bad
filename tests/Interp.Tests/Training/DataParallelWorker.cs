// DataParallelWorker — the program side of this test assembly: `dotnet InterpEval.Interp.Tests.dll dp-worker ARCH KIND
// RANK WORLD STORE OUT` trains one rank of a data-parallel run on the synthetic stream (rank r takes rows r·B/W …
// (r+1)·B/W of every global batch of B rows), writes its final parameters to OUT/params-RANK.bin (float32, in order)
// and, on rank 0 only, the dictionary to OUT/dict. Exit 0, or 3 on a DistributedException (message on stderr).
// The single-process reference is the same setup without the sync (Reference).
using InterpEval.Interp.Activations;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;
using InterpEval.Torch.Distributed;

namespace InterpEval.Interp.Tests.Training;

public static class DataParallelWorker
{
    public const string Verb = "dp-worker";
    public const int Dim = 8;
    public const int GlobalRows = 64;
    public const int Steps = 8;

    public static int Main(string[] args)
    {
        if (args.Length == 6 && args[0] == Dictionaries.LatentShardWorker.Verb) return Dictionaries.LatentShardWorker.Run(args);
        if (args.Length != 7 || args[0] != Verb) return 64;
        string arch = args[1];
        if (!DictionaryKinds.TryParse(args[2], out var kind)) return 64;
        int rank = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        int world = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
        string storePath = args[5], outDir = args[6];
        try
        {
            var timeout = TimeSpan.FromSeconds(10);
            using var store = Store.File(storePath, world, timeout);
            using var group = ProcessGroup.Create(store, rank, world, DistributedBackend.Gloo, timeout, hostname: "127.0.0.1");
            using var d = Make(arch, kind);
            var trainer = new DictionaryTrainer([d], Options(), Path.Combine(outDir, "dict")) { Sync = new DataParallelSync(group) };
            trainer.Train(Shard(rank, world));
            WriteParameters(d, Path.Combine(outDir, $"params-{rank}.bin"));
            return 0;
        }
        catch (DistributedException e)
        {
            Console.Error.WriteLine(e.Message);
            return 3;
        }
    }

    public static DictionaryTrainerOptions Options() => new()
    {
        Steps = Steps, BatchTokens = GlobalRows, LearningRate = 3e-3, WarmupSteps = 2, SparsityWarmupSteps = 3, DeadAfterTokens = 2 * GlobalRows,
    };

    public static SparseDictionaryTrainable Make(string architecture, DictionaryKind kind)
    {
        var config = new DictionaryConfig
        {
            Architecture = architecture, Kind = kind, DIn = Dim, DSae = 24, K = architecture is "topk" or "batchtopk" ? 3 : null,
            HookName = TrainingFixtures.Hook, HookNameOut = kind.IsTranscoder() ? TrainingFixtures.HookOut : null,
        };
        return new SparseDictionaryTrainable($"{kind.Name()}-{architecture}", DictionaryRegistry.Create(config, 3, device: Device.Cpu), TrainingFixtures.Hook,
            kind.IsTranscoder() ? TrainingFixtures.HookOut : null);
    }

    /// <summary>The whole stream: global batches of GlobalRows rows.</summary>
    public static ActivationPasses Reference() => TrainingFixtures.Synthetic(Dim, GlobalRows, Steps + 2);

    /// <summary>Rank r's shard: rows r·B/W … (r+1)·B/W of every global batch.</summary>
    public static ActivationPasses Shard(int rank, int world) => pass => ShardOf(Reference()(pass), rank, world);

    private static IEnumerable<ActivationBatch> ShardOf(IEnumerable<ActivationBatch> batches, int rank, int world)
    {
        foreach (var batch in batches)
            using (batch)
            {
                long rows = batch.Rows / world;
                var part = new Dictionary<string, Tensor>();
                foreach (var (hook, t) in batch.Activations) part[hook] = t.Narrow(0, rank * rows, rows).Contiguous().DetachFromScopes();
                yield return new ActivationBatch(part);
            }
    }

    public static void WriteParameters(ITrainableDictionary d, string path)
    {
        using var w = new BinaryWriter(File.Create(path));
        foreach (var values in TrainingFixtures.Snapshot(d))
            foreach (float v in values) w.Write(v);
    }

    public static float[] ReadParameters(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
