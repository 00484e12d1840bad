// TorchException — a libtorch failure (bad shape, wrong dtype, out-of-range index…) carried across the shim with
// libtorch's own message. NativeCheck is the one place that reads the shim's thread-local error and frees it.
using System.Runtime.InteropServices;
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

/// <summary>An error raised inside libtorch, with libtorch's message.</summary>
public class TorchException(string message) : Exception(message);

internal static class NativeCheck
{
    /// <summary>Reads and frees the shim's last error message for this thread.</summary>
    internal static string TakeLastError()
    {
        IntPtr p = NativeMethods.ie_last_error();
        if (p == IntPtr.Zero) return "libtorch reported an error without a message";
        try { return Marshal.PtrToStringUTF8(p) ?? ""; }
        finally { NativeMethods.ie_free_string(p); }
    }

    /// <summary>Throws the pending native error when a call returned an invalid handle.</summary>
    internal static TensorHandle Check(TensorHandle h)
    {
        if (h.IsInvalid)
        {
            h.SetHandleAsInvalid();
            throw new TorchException(TakeLastError());
        }
        h.MarkCreated();
        return h;
    }

    /// <summary>Throws the pending native error when a status-returning call failed.</summary>
    internal static int Check(int status)
    {
        if (status < 0) throw new TorchException(TakeLastError());
        return status;
    }

    /// <summary>Takes a string the shim allocated (or throws when it returned null).</summary>
    internal static string TakeString(IntPtr p)
    {
        if (p == IntPtr.Zero) throw new TorchException(TakeLastError());
        try { return Marshal.PtrToStringUTF8(p) ?? ""; }
        finally { NativeMethods.ie_free_string(p); }
    }
}
