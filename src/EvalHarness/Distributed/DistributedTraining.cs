// DistributedTraining — how `train`, `run` and `sweep` join a data-parallel job when a launcher started them
// (RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT or Slurm's variables; see DistributedEnvironment): rendezvous, a check that
// every rank was given the same options, the one data-parallel view of the training recipe (this rank's contiguous
// share of the token stream, batch and buffer divided by the world size), the trainer's sync, rank 0's decisions
// handed to every rank (what to train), and the end of the job once training is done. Bad variables, a port in use and
// mismatched options are usage errors (exit 2) naming the variable; a rank lost later is a DistributedException
// (exit 70). It evaluates nothing and writes no file: what rank 0 alone does is its callers'.
using System.Globalization;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Training;
using InterpEval.Torch;
using InterpEval.Torch.Distributed;

namespace InterpEval.Harness.Distributed;

public sealed class DistributedTraining : IDisposable
{
    private readonly Store _store;

    private DistributedTraining(DistributedEnvironment env, Store store, ProcessGroup group)
    {
        Environment = env;
        _store = store;
        Group = group;
        Sync = new DataParallelSync(group);
        Rank = group.Rank;
        WorldSize = group.WorldSize;
    }

    public DistributedEnvironment Environment { get; }

    public ProcessGroup Group { get; }

    public DataParallelSync Sync { get; }

    public int Rank { get; }

    public int WorldSize { get; }

    /// <summary>True on rank 0, the one rank that writes files and speaks for the job.</summary>
    public bool IsWriter => Rank == 0;

    /// <summary>True once Finish (or Dispose) ended the job: no collective may follow.</summary>
    public bool Finished { get; private set; }

    private int _decisions;

    private const string Abandoned = "!";

    /// <summary>Joins the job described by the environment, or returns null when this process runs alone. options is
    /// the command line every rank must share (compared with rank 0's).</summary>
    public static DistributedTraining? Start(Func<string, string?> env, string options, DistributedBackend backend = DistributedBackend.Gloo)
    {
        DistributedEnvironment? e;
        try
        {
            e = DistributedEnvironment.From(env);
        }
        catch (DistributedConfigException x)
        {
            throw new UsageException(x.Message, x);
        }
        if (e is null) return null;
        Store store;
        ProcessGroup group;
        try
        {
            (store, group) = e.Join(backend);
        }
        catch (DistributedConfigException x)
        {
            throw new UsageException(x.Message, x);
        }
        var job = new DistributedTraining(e, store, group);
        try
        {
            job.CheckSameOptions(options);
            return job;
        }
        catch
        {
            job.Dispose();
            throw;
        }
    }

    /// <summary>The options every rank must share for a command that reads a config: the command line and a digest of
    /// the config it resolved to, so a config file that differs between machines (same --config path, other contents)
    /// is caught like a differing option instead of making the ranks train different lists.</summary>
    public static string WithConfig(string commandLine, string configText) =>
        $"{commandLine} (config sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(configText)))[..12]})";

    /// <summary>The backend --dist-backend names (null: nccl on CUDA when this libtorch has it, else gloo). A backend this
    /// build cannot run, or NCCL on CPU tensors, is a usage error saying what to do — checked even for one process, so
    /// a job script fails on one machine before it is sent to many.</summary>
    public static DistributedBackend Backend(string? name, Device device)
    {
        bool cuda = device.Type == DeviceType.Cuda;
        switch (name ?? (cuda && ProcessGroup.HasNccl ? "nccl" : "gloo"))
        {
            case "gloo":
                return DistributedBackend.Gloo;
            case "nccl":
                if (!ProcessGroup.HasNccl)
                    throw new UsageException("--dist-backend nccl: this libtorch was built without NCCL (a CPU build) — use --dist-backend gloo, or build against a CUDA libtorch with NCCL (Torch_DIR; see docs/distributed.md)");
                if (!cuda) throw new UsageException("--dist-backend nccl: NCCL reduces CUDA tensors — add --device cuda, or use --dist-backend gloo on the CPU");
                return DistributedBackend.Nccl;
            default:
                throw new UsageException($"--dist-backend '{name}' — expected gloo or nccl");
        }
    }

    /// <summary>Rank 0's answer, handed to every rank through the rendezvous store (what only rank 0 may judge, such as
    /// which dictionaries its cache lacks, or whether its baseline and output folder are usable), so every rank trains
    /// the same list and none waits on a collective the others never reach. Every rank must call it at the same point.
    /// When rank 0's decide throws, the others stop with its message (exit 2 for bad input, else 70), and rank 0, which
    /// serves the store, waits (up to the timeout) until they have read it.</summary>
    public string Agree(string topic, Func<string> decide)
    {
        string key = $"ie/decision/{(_decisions++).ToString(CultureInfo.InvariantCulture)}";
        if (IsWriter)
        {
            string value;
            try
            {
                value = decide();
            }
            catch (Exception e)
            {
                Publish(key, e);
                WaitForReaders(key);
                throw;
            }
            _store.Set(key, "=" + value);
            return value;
        }
        string got = _store.GetString(key);
        if (!got.StartsWith(Abandoned, StringComparison.Ordinal)) return got[1..];
        _store.Add(key + "/read", 1);
        string message = $"rank 0 stopped before {topic}: {got[2..]}";
        throw got[1] == 'u' ? new UsageException(message) : new InvalidOperationException(message);
    }

    /// <summary>On rank 0, when it fails outside a decision: tells ranks that wait for its next decision to stop with its
    /// message (best effort: it does not wait for them to read it, as they may be inside a collective instead, which then
    /// fails when rank 0 exits). Never throws.</summary>
    public void Abandon(Exception reason)
    {
        if (!IsWriter || Finished) return;
        Publish($"ie/decision/{_decisions.ToString(CultureInfo.InvariantCulture)}", reason);
    }

    private void WaitForReaders(string key)
    {
        var deadline = DateTime.UtcNow + Environment.Timeout;
        try
        {
            while (_store.Add(key + "/read", 0) < WorldSize - 1 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        }
        catch (Exception e) when (e is TorchException or DistributedException)
        {
            // the store failed: nobody can read it any more
        }
    }

    private void Publish(string key, Exception reason)
    {
        try
        {
            string kind = ErrorReport.Classify(reason) == ExitCode.BadInput ? "u" : "i";
            _store.Set(key, Abandoned + kind + ErrorReport.OneLine(reason.Message));
        }
        catch (Exception e) when (e is TorchException or DistributedException)
        {
            // the store is gone: the others learn it from their own failed wait
        }
    }

    /// <summary>The one data-parallel view of the training recipe (TrainingRecipe.Passes), used by `train`, `run` and
    /// `sweep`: alone (job null) the recipe itself; in a job this rank's contiguous share of tokens, harvested in batches
    /// of batchTokens / W rows through a buffer of BufferTokens / W. A batch that does not split evenly is a usage error
    /// naming batchOption.</summary>
    public static ActivationPasses Passes(DistributedTraining? job, TransformerModel model, long[] tokens, IReadOnlyList<string> hooks,
        TrainingStream stream, int batchTokens, DocumentSeparator separator, ulong seed, string batchOption)
    {
        int world = RankBatch(job, batchTokens, batchOption, out int rankBatch);
        long[] own = job?.Shard(tokens) ?? tokens;
        return TrainingRecipe.Passes(model, own, hooks, stream with { BufferTokens = stream.BufferTokens / world }, rankBatch, separator, seed);
    }

    /// <summary>The world size (1 alone) and each rank's rows per step; a usage error naming batchOption when the batch
    /// does not split evenly.</summary>
    public static int RankBatch(DistributedTraining? job, int batchTokens, string batchOption, out int rankBatch)
    {
        int world = job?.WorldSize ?? 1;
        if (batchTokens % world != 0)
            throw new UsageException($"{batchOption} {batchTokens.ToString(CultureInfo.InvariantCulture)} does not split evenly over WORLD_SIZE {world.ToString(CultureInfo.InvariantCulture)} ranks — use a multiple of {world.ToString(CultureInfo.InvariantCulture)}");
        rankBatch = batchTokens / world;
        return world;
    }

    /// <summary>Ends the job once every rank has finished training (a barrier, so no rank leaves inside the last
    /// collective), releasing the group and the store: rank 0's evaluation that follows waits on no other rank, and no
    /// rank waits on it. Later calls do nothing.</summary>
    public void Finish()
    {
        if (Finished) return;
        Group.Barrier();
        Dispose();
    }

    /// <summary>Every rank publishes its options and compares every rank's with rank 0's, so all ranks stop on a mismatch.</summary>
    private void CheckSameOptions(string options)
    {
        _store.Set($"ie/options/{Rank}", options);
        string first = _store.GetString("ie/options/0");
        string? mismatch = null;
        for (int q = 1; q < WorldSize && mismatch is null; q++)
        {
            string other = _store.GetString($"ie/options/{q}");
            if (other != first) mismatch = $"rank {q}'s options differ from rank 0's ('{other}' vs '{first}') — start every rank with the same command";
        }
        // rank 0 serves the store: it waits until every rank has read the options before it may exit on a mismatch
        _store.Add("ie/options/read", 1);
        if (Rank == 0)
        {
            var deadline = DateTime.UtcNow + Environment.Timeout;
            while (_store.Add("ie/options/read", 0) < WorldSize && DateTime.UtcNow < deadline) Thread.Sleep(20);
        }
        if (mismatch is not null) throw new UsageException(mismatch);
    }

    /// <summary>This rank's contiguous share of the token stream (rank r: tokens r·n/W … (r+1)·n/W).</summary>
    public long[] Shard(long[] tokens)
    {
        long n = tokens.LongLength, from = n * Rank / WorldSize, to = n * (Rank + 1) / WorldSize;
        return tokens[(int)from..(int)to];
    }

    /// <summary>A fresh sync on this job's group, for one training of several in one process (its counters its own).</summary>
    public DataParallelSync NewSync() => new(Group);

    /// <summary>"data parallel: 2 ranks (gloo), 40 gradient all-reduces; communication 1.2 s of 9.8 s (12 %) on rank 0",
    /// for Sync or the given one.</summary>
    public string CommunicationLine(TimeSpan elapsed, DataParallelSync? sync = null)
    {
        sync ??= Sync;
        double comm = sync.CommunicationTime.TotalSeconds, total = Math.Max(1e-9, elapsed.TotalSeconds);
        var c = CultureInfo.InvariantCulture;
        return $"data parallel: {WorldSize} ranks ({Group.Backend.ToString().ToLowerInvariant()}), {sync.GradientCollectives.ToString(c)} gradient all-reduces; communication " +
            $"{comm.ToString("F2", c)} s of {total.ToString("F1", c)} s ({(100 * comm / total).ToString("F1", c)} %) on rank 0";
    }

    public void Dispose()
    {
        if (Finished) return;
        Finished = true;
        Group.Dispose();
        _store.Dispose();
    }
}
