// DistributedTraining — how `train` joins a data-parallel job when a launcher started it (RANK/WORLD_SIZE/MASTER_ADDR/
// MASTER_PORT or Slurm's variables; see DistributedEnvironment): rendezvous, a check that every rank was given the same
// options, this rank's shard of the token stream, and the trainer's sync. Bad variables, a port in use and mismatched
// options are usage errors (exit 2) naming the variable; a rank lost later is a DistributedException (exit 70).
using InterpEval.Harness.Tool;
using InterpEval.Interp.Training;
using InterpEval.Torch.Distributed;

namespace InterpEval.Harness.Training;

public sealed class DistributedTraining : IDisposable
{
    private readonly Store _store;

    private DistributedTraining(DistributedEnvironment env, Store store, ProcessGroup group)
    {
        Environment = env;
        _store = store;
        Group = group;
        Sync = new DataParallelSync(group);
    }

    public DistributedEnvironment Environment { get; }

    public ProcessGroup Group { get; }

    public DataParallelSync Sync { get; }

    public int Rank => Group.Rank;

    public int WorldSize => Group.WorldSize;

    /// <summary>Joins the job described by the environment, or returns null when this process runs alone. options is
    /// the command line every rank must share (compared with rank 0's).</summary>
    public static DistributedTraining? Start(Func<string, string?> env, string options)
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
            (store, group) = e.Join(DistributedBackend.Gloo);
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

    /// <summary>"data parallel: 2 ranks (gloo), 40 gradient all-reduces; communication 1.2 s of 9.8 s (12 %) on rank 0".</summary>
    public string CommunicationLine(TimeSpan elapsed)
    {
        double comm = Sync.CommunicationTime.TotalSeconds, total = Math.Max(1e-9, elapsed.TotalSeconds);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return $"data parallel: {WorldSize} ranks (gloo), {Sync.GradientCollectives.ToString(c)} gradient all-reduces; communication " +
            $"{comm.ToString("F2", c)} s of {total.ToString("F1", c)} s ({(100 * comm / total).ToString("F1", c)} %) on rank 0";
    }

    public void Dispose()
    {
        Group.Dispose();
        _store.Dispose();
    }
}
