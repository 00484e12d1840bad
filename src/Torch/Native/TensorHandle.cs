// TensorHandle — the SafeHandle around one native at::Tensor*. A SafeHandle (not a raw IntPtr) so that a tensor
// used as an argument cannot be finalised while the native call runs. It also keeps the live-handle count that
// tests assert stays flat. It leaves ownership policy (dispose scopes) to Tensor.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal sealed class TensorHandle : SafeHandle
{
    private static long s_live;

    /// <summary>A handle standing for "no tensor" in optional arguments; never freed.</summary>
    internal static readonly TensorHandle Null = new(IntPtr.Zero, ownsHandle: false);

    /// <summary>Number of native tensor handles currently alive in this process.</summary>
    internal static long LiveCount => Interlocked.Read(ref s_live);

    public TensorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal TensorHandle(IntPtr handle, bool ownsHandle = true) : base(IntPtr.Zero, ownsHandle)
    {
        SetHandle(handle);
        if (ownsHandle && handle != IntPtr.Zero) Interlocked.Increment(ref s_live);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Counts a handle returned by a P/Invoke (the marshaller builds it through the parameterless ctor).</summary>
    internal void MarkCreated()
    {
        if (!IsInvalid) Interlocked.Increment(ref s_live);
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.ie_tensor_free(handle);
        Interlocked.Decrement(ref s_live);
        return true;
    }
}

/// <summary>The SafeHandle around a native CPU random generator (at::Generator*).</summary>
internal sealed class GeneratorHandle : SafeHandle
{
    internal static readonly GeneratorHandle Null = new(IntPtr.Zero, ownsHandle: false);

    public GeneratorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal GeneratorHandle(IntPtr handle, bool ownsHandle) : base(IntPtr.Zero, ownsHandle) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.ie_generator_free(handle);
        return true;
    }
}
