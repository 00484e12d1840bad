// Heartbeat — names a lost peer by its rank. Gloo reports a lost peer only by its socket address, so each rank bumps
// a counter (ie/heartbeat/<rank>) in the rendezvous store every interval from a background thread, over its own store
// connection; when a collective fails, DescribeLost reads every counter twice, a few intervals apart, and names the
// ranks whose counter stood still (exited or killed), or says the store itself is gone (rank 0 serves it). A rank
// stalled inside a step keeps beating, so a timeout with every heartbeat alive is reported as such. It leaves file
// stores out (a second FileStore on the same file would upset its reference count) and never restarts anything.
using System.Globalization;

namespace InterpEval.Torch.Distributed;

public sealed class Heartbeat : IDisposable
{
    private const string Prefix = "ie/heartbeat/";
    private readonly Store _store;
    private readonly int _rank, _worldSize;
    private readonly object _lock = new();
    private readonly ManualResetEventSlim _stop = new(false);
    private readonly Thread _thread;

    private Heartbeat(Store connection, int rank, int worldSize, TimeSpan interval)
    {
        _store = connection;
        (_rank, _worldSize, Interval) = (rank, worldSize, interval);
        Beat();
        _thread = new Thread(Run) { IsBackground = true, Name = $"heartbeat rank {rank}" };
        _thread.Start();
    }

    /// <summary>How often this rank bumps its counter.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Starts beating for rank over connection (a store client of its own, which the heartbeat owns and disposes).</summary>
    public static Heartbeat Start(Store connection, int rank, int worldSize, TimeSpan? interval = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), $"rank {rank} is outside a world of {worldSize}");
        return new Heartbeat(connection, rank, worldSize, interval ?? TimeSpan.FromSeconds(1));
    }

    private void Run()
    {
        while (!_stop.Wait(Interval)) Beat();
    }

    private void Beat()
    {
        lock (_lock)
        {
            try { _store.Add(Prefix + _rank.ToString(CultureInfo.InvariantCulture), 1); }
            catch (Exception e) when (e is TorchException or DistributedException) { }   // the store is gone: DescribeLost says so
        }
    }

    /// <summary>One clause on which peers went silent, read over three intervals (the caller waits that long).</summary>
    public string DescribeLost()
    {
        var first = Read();
        if (first is null) return StoreGone();
        _stop.Wait(3 * Interval);
        var second = Read();
        if (second is null) return StoreGone();
        var silent = Enumerable.Range(0, _worldSize).Where(q => q != _rank && second[q] == first[q]).ToList();
        string seconds = (3 * Interval.TotalSeconds).ToString("0.#", CultureInfo.InvariantCulture);
        if (silent.Count == 0) return $"every rank's heartbeat is alive (a peer is stalled inside a step, or called another collective)";
        return $"{(silent.Count == 1 ? "rank" : "ranks")} {string.Join(", ", silent)} stopped answering (no heartbeat for {seconds} s: exited or killed)";
    }

    private string StoreGone() => _rank == 0
        ? "the rendezvous store cannot be read"
        : "rank 0 stopped answering (the rendezvous store it serves is unreachable: exited or killed)";

    /// <summary>Every rank's counter, or null when the store cannot be read.</summary>
    private long[]? Read()
    {
        lock (_lock)
        {
            try
            {
                return Enumerable.Range(0, _worldSize).Select(q => _store.Add(Prefix + q.ToString(CultureInfo.InvariantCulture), 0)).ToArray();
            }
            catch (Exception e) when (e is TorchException or DistributedException)
            {
                return null;
            }
        }
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _store.Dispose();
        _stop.Dispose();
    }
}
