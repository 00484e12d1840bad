// Store — a c10d key-value store through which the ranks of a job find each other (rendezvous) and agree on small facts:
// TCPStore (rank 0 serves it at MASTER_ADDR:MASTER_PORT, the others connect) or FileStore (a file every rank can
// reach, for one machine or a shared file system). It leaves the process group itself to ProcessGroup.
using System.Runtime.InteropServices;
using System.Text;
using InterpEval.Torch.Native;

namespace InterpEval.Torch.Distributed;

public sealed class Store : IDisposable
{
    private readonly StoreHandle _handle;

    private Store(IntPtr raw, string description, TimeSpan timeout)
    {
        _handle = new StoreHandle(raw);
        Description = description;
        Timeout = timeout;
    }

    /// <summary>Where the store lives, for messages ("tcp 127.0.0.1:29500", "file /tmp/store").</summary>
    public string Description { get; }

    /// <summary>How long a Get waits for a key that is not there yet.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>A TCP store: the master serves it on host:port (port 0 = any free port, see <see cref="Port"/>), the
    /// others connect, retrying until the timeout. A port already in use, or a master that never comes, is a
    /// <see cref="DistributedException"/>.</summary>
    public static Store Tcp(string host, int port, int worldSize, bool isMaster, TimeSpan timeout, int rank = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        IntPtr raw = NativeMethods.ie_store_tcp_new(host, port, worldSize, isMaster ? 1 : 0, Ms(timeout));
        if (raw == IntPtr.Zero)
        {
            string why = NativeCheck.TakeLastError();
            string what = isMaster
                ? $"rank {Math.Max(rank, 0)} could not serve the rendezvous store on {host}:{port}"
                : $"rank {rank} could not reach the rendezvous store at {host}:{port} within {Seconds(timeout)} (is rank 0 running, and MASTER_ADDR/MASTER_PORT the same on every rank?)";
            throw new DistributedException($"{what}: {FirstLine(why)}", rank, worldSize, "rendezvous");
        }
        var store = new Store(raw, $"tcp {host}:{port}", timeout);
        store.Port = NativeMethods.ie_store_port(store._handle);
        return store;
    }

    /// <summary>A file store at path (created when missing; every rank must see the same file).</summary>
    public static Store File(string path, int worldSize, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        IntPtr raw = NativeMethods.ie_store_file_new(path, worldSize, Ms(timeout));
        if (raw == IntPtr.Zero) throw new DistributedException($"{path}: cannot open the rendezvous file store: {FirstLine(NativeCheck.TakeLastError())}", -1, worldSize, "rendezvous");
        return new Store(raw, $"file {path}", timeout);
    }

    /// <summary>The TCP port the store listens on (the chosen one when created with port 0); 0 for a file store.</summary>
    public int Port { get; private set; }

    public unsafe void Set(string key, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value) NativeCheck.Check(NativeMethods.ie_store_set(Handle, key, p, value.Length));
    }

    public void Set(string key, string value) => Set(key, Encoding.UTF8.GetBytes(value));

    /// <summary>The value of key, waiting up to the store's timeout for some rank to set it.</summary>
    public byte[] Get(string key)
    {
        if (NativeMethods.ie_store_get(Handle, key, out IntPtr data, out long length) < 0)
            throw new DistributedException($"{Description}: key '{key}' was not set within {Seconds(Timeout)}: {FirstLine(NativeCheck.TakeLastError())}", -1, -1, "store get");
        try
        {
            var bytes = new byte[length];
            Marshal.Copy(data, bytes, 0, (int)length);
            return bytes;
        }
        finally { NativeMethods.ie_free_bytes(data); }
    }

    public string GetString(string key) => Encoding.UTF8.GetString(Get(key));

    /// <summary>Adds value to the integer at key (0 when missing) and returns the sum; atomic across ranks.</summary>
    public long Add(string key, long value)
    {
        long r = NativeMethods.ie_store_add(Handle, key, value, out int status);
        NativeCheck.Check(status);
        return r;
    }

    internal StoreHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    public void Dispose() => _handle.Dispose();

    internal static long Ms(TimeSpan t) => Math.Max(1, (long)t.TotalMilliseconds);

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";

    /// <summary>libtorch's message without its C++ source location lines.</summary>
    internal static string FirstLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? message : string.Join(" ", lines.Where(l => !l.StartsWith("Exception raised from", StringComparison.Ordinal)));
    }
}
