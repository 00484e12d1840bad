// P/Invoke declarations for native/src/distributed.cpp: c10d stores, process groups and collectives.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int ie_dist_has_gloo();
    [LibraryImport(Lib)] internal static partial int ie_dist_has_nccl();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr ie_store_tcp_new(string host, int port, int worldSize, int isMaster, long timeoutMs);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr ie_store_file_new(string path, int worldSize, long timeoutMs);
    [LibraryImport(Lib)] internal static partial int ie_store_port(StoreHandle s);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static unsafe partial int ie_store_set(StoreHandle s, string key, byte* data, long length);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int ie_store_get(StoreHandle s, string key, out IntPtr data, out long length);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial long ie_store_add(StoreHandle s, string key, long value, out int status);
    [LibraryImport(Lib)] internal static partial void ie_store_free(IntPtr s);
    [LibraryImport(Lib)] internal static partial void ie_free_bytes(IntPtr p);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr ie_pg_gloo_new(StoreHandle s, int rank, int size, long timeoutMs, string? iface, string? hostname);
    [LibraryImport(Lib)] internal static partial IntPtr ie_pg_nccl_new(StoreHandle s, int rank, int size, long timeoutMs);
    [LibraryImport(Lib)] internal static partial void ie_pg_free(IntPtr g);
    [LibraryImport(Lib)] internal static partial int ie_pg_all_reduce_(GroupHandle g, IntPtr[] tensors, int n, int op);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_pg_all_gather(GroupHandle g, TensorHandle input);
    [LibraryImport(Lib)] internal static partial int ie_pg_broadcast_(GroupHandle g, TensorHandle t, int root);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_pg_reduce_scatter(GroupHandle g, TensorHandle input, int op);
    [LibraryImport(Lib)] internal static partial int ie_pg_barrier(GroupHandle g);
    [LibraryImport(Lib)] internal static partial int ie_pg_monitored_barrier(GroupHandle g, long timeoutMs);
}

/// <summary>The SafeHandle around a native c10d store.</summary>
internal sealed class StoreHandle : SafeHandle
{
    internal StoreHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.ie_store_free(handle);
        return true;
    }
}

/// <summary>The SafeHandle around a native c10d process group.</summary>
internal sealed class GroupHandle : SafeHandle
{
    internal GroupHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.ie_pg_free(handle);
        return true;
    }
}
