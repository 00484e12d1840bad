// ProcessGroup — one c10d process group (Gloo on CPU, NCCL on CUDA when this libtorch has it) and its collectives.
// Every call blocks until the collective completes on this rank; a lost or stalled peer becomes a
// DistributedException naming this rank, the operation and the timeout once the group's timeout passes — never a
// hang. Calls must come in the same order on every rank (c10d's rule). It leaves launching and environment variables
// to DistributedEnvironment and the gradient bookkeeping of training to its callers.
using InterpEval.Torch.Native;

namespace InterpEval.Torch.Distributed;

/// <summary>The c10d backend of a process group.</summary>
public enum DistributedBackend
{
    /// <summary>ProcessGroupGloo: CPU tensors, TCP between machines.</summary>
    Gloo,

    /// <summary>ProcessGroupNCCL: CUDA tensors (only with a CUDA libtorch).</summary>
    Nccl,
}

/// <summary>Reduction of a collective (c10d's ReduceOp numbering).</summary>
public enum ReduceOp
{
    Sum = 0,
    Product = 2,
    Min = 3,
    Max = 4,
}

public sealed class ProcessGroup : IDisposable
{
    private readonly GroupHandle _handle;

    private ProcessGroup(IntPtr raw, int rank, int worldSize, DistributedBackend backend, TimeSpan timeout)
    {
        _handle = new GroupHandle(raw);
        Rank = rank;
        WorldSize = worldSize;
        Backend = backend;
        Timeout = timeout;
    }

    public int Rank { get; }

    public int WorldSize { get; }

    public DistributedBackend Backend { get; }

    /// <summary>How long a collective may wait for its peers before it fails.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>When set (the group owns it), a failed collective's message also names the ranks whose heartbeat stopped.</summary>
    public Heartbeat? Heartbeat { get; set; }

    /// <summary>True when this libtorch (and the shim's build) can make Gloo groups.</summary>
    public static bool HasGloo => NativeMethods.ie_dist_has_gloo() == 1;

    /// <summary>True when this libtorch was built with NCCL.</summary>
    public static bool HasNccl => NativeMethods.ie_dist_has_nccl() == 1;

    /// <summary>Joins the group of worldSize ranks that meet in store; returns when every rank has joined, or throws
    /// after the timeout naming this rank. For Gloo, iface (GLOO_SOCKET_IFNAME) or hostname picks the address peers
    /// connect to; neither = the address this machine's host name resolves to.</summary>
    public static ProcessGroup Create(Store store, int rank, int worldSize, DistributedBackend backend, TimeSpan timeout,
        string? iface = null, string? hostname = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), $"rank {rank} is outside a world of {worldSize}");
        IntPtr raw = backend == DistributedBackend.Nccl
            ? NativeMethods.ie_pg_nccl_new(store.Handle, rank, worldSize, Store.Ms(timeout))
            : NativeMethods.ie_pg_gloo_new(store.Handle, rank, worldSize, Store.Ms(timeout), iface, hostname);
        if (raw == IntPtr.Zero)
            throw new DistributedException($"rank {rank} of {worldSize}: could not form the {backend.ToString().ToLowerInvariant()} group through {store.Description} within {Store.Seconds(timeout)} " +
                $"(are all {worldSize} ranks started with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE?): {Store.FirstLine(NativeCheck.TakeLastError())}", rank, worldSize, "rendezvous");
        return new ProcessGroup(raw, rank, worldSize, backend, timeout);
    }

    /// <summary>Reduces every tensor across ranks, in place, as one flattened bucket (one collective for the list).</summary>
    public void AllReduce_(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.Sum)
    {
        if (tensors.Count == 0) return;
        var raw = Tensor.RawHandles(tensors);
        Check(NativeMethods.ie_pg_all_reduce_(Handle, raw, raw.Length, (int)op), "all_reduce");
        GC.KeepAlive(tensors);
    }

    public void AllReduce_(Tensor tensor, ReduceOp op = ReduceOp.Sum) => AllReduce_([tensor], op);

    /// <summary>[WorldSize, *input.shape]: every rank's input in rank order (inputs must have one shape and dtype).</summary>
    public Tensor AllGather(Tensor input) => Wrap(NativeMethods.ie_pg_all_gather(Handle, input.Handle), "all_gather");

    /// <summary>Overwrites tensor with root's value on every rank.</summary>
    public void Broadcast_(Tensor tensor, int root = 0)
    {
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), $"root {root} is outside a world of {WorldSize}");
        Check(NativeMethods.ie_pg_broadcast_(Handle, tensor.Handle, root), "broadcast");
    }

    /// <summary>input [WorldSize·m, …] reduced across ranks; returns this rank's chunk [m, …] (rows Rank·m …). On Gloo,
    /// which has no reduce_scatter, this is an all_reduce of the whole input and a slice.</summary>
    public Tensor ReduceScatter(Tensor input, ReduceOp op = ReduceOp.Sum) =>
        Wrap(NativeMethods.ie_pg_reduce_scatter(Handle, input.Handle, (int)op), "reduce_scatter");

    /// <summary>Returns when every rank has reached it.</summary>
    public void Barrier() => Check(NativeMethods.ie_pg_barrier(Handle), "barrier");

    /// <summary>A barrier in which rank 0 names every rank that did not answer within timeout (c10d's monitored barrier).</summary>
    public void MonitoredBarrier(TimeSpan timeout) => Check(NativeMethods.ie_pg_monitored_barrier(Handle, Store.Ms(timeout)), "monitored_barrier");

    private GroupHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    private void Check(int status, string operation)
    {
        if (status < 0) throw Failure(operation);
    }

    private Tensor Wrap(TensorHandle h, string operation)
    {
        if (h.IsInvalid)
        {
            h.SetHandleAsInvalid();
            throw Failure(operation);
        }
        return Tensor.Wrap(h);
    }

    private DistributedException Failure(string operation)
    {
        string why = Store.FirstLine(NativeCheck.TakeLastError());
        string lost = Heartbeat is { } h ? " — " + h.DescribeLost() : "";
        return new($"rank {Rank} of {WorldSize}: {operation} failed (a peer rank exited, stalled past the {Store.Seconds(Timeout)} timeout, or called another collective): " +
            why + lost, Rank, WorldSize, operation);
    }

    public void Dispose()
    {
        Heartbeat?.Dispose();
        _handle.Dispose();
    }
}
