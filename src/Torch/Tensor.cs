// Tensor — the managed face of one libtorch tensor: owns one native handle, disposed deterministically (directly
// or by a DisposeScope). This file holds lifetime and metadata; ops live in the Tensor.*.cs partials, one per
// area, mirroring native/src/*.cpp.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;

    internal Tensor(TensorHandle handle)
    {
        _handle = handle;
        DisposeScope.Current?.Register(this);
    }

    /// <summary>Wraps a handle returned by a P/Invoke, throwing libtorch's error when the call failed.</summary>
    internal static Tensor Wrap(TensorHandle handle) => new(NativeCheck.Check(handle));

    /// <summary>libtorch's undefined tensor ("no tensor"): its metadata queries fail. For the failure-path tests.</summary>
    internal static Tensor Undefined() => Wrap(NativeMethods.ie_tensor_undefined());

    /// <summary>Wraps a raw handle written to an out-slot by the shim (null slot = no tensor).</summary>
    internal static Tensor? WrapOut(IntPtr raw) => raw == IntPtr.Zero ? null : new Tensor(new TensorHandle(raw));

    /// <summary>The handle for a native call; throws when the tensor was disposed.</summary>
    internal TensorHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>Raw pointer for arrays of handles; callers keep the tensors alive across the call.</summary>
    internal IntPtr RawHandle => Handle.DangerousGetHandle();

    /// <summary>The dispose scope that will free this tensor, or null when the caller owns it.</summary>
    public DisposeScope? Scope { get; internal set; }

    /// <summary>Number of native tensors alive in the process (a leak shows as growth over a loop).</summary>
    public static long LiveCount => TensorHandle.LiveCount;

    /// <summary>LiveCount after unreachable tensors have been finalised: the baseline for a leak check, so that garbage
    /// left by earlier work (and released by the finalizer at an arbitrary moment) does not move the count.</summary>
    public static long SettledLiveCount
    {
        get
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return LiveCount;
        }
    }

    public bool IsDisposed => _handle.IsClosed;

    public void Dispose()
    {
        Scope?.Forget(this);
        Scope = null;
        _handle.Dispose();
    }

    /// <summary>Takes this tensor out of its dispose scope and into the enclosing one.</summary>
    public Tensor MoveToOuterScope() => Scope is { } s ? s.MoveOut(this) : this;

    /// <summary>Takes this tensor out of every dispose scope: the caller now disposes it.</summary>
    public Tensor DetachFromScopes()
    {
        Scope?.Release(this);
        return this;
    }

    public int Dim => NativeCheck.Check(NativeMethods.ie_tensor_ndim(Handle));

    public long[] Shape
    {
        get
        {
            var shape = new long[Dim];
            NativeCheck.Check(NativeMethods.ie_tensor_shape(Handle, shape, shape.Length));
            return shape;
        }
    }

    /// <summary>Size of one dim (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var shape = Shape;
        return shape[dim < 0 ? dim + shape.Length : dim];
    }

    public ScalarType Dtype => (ScalarType)NativeCheck.Check(NativeMethods.ie_tensor_dtype(Handle));

    public Device Device
    {
        get
        {
            var type = (DeviceType)NativeCheck.Check(NativeMethods.ie_tensor_device_type(Handle));
            NativeCheck.Check(NativeMethods.ie_tensor_device_index(Handle, out int index));
            return new Device(type, index);
        }
    }

    public long NumEl
    {
        get
        {
            NativeCheck.Check(NativeMethods.ie_tensor_numel(Handle, out long numel));
            return numel;
        }
    }

    public bool IsContiguous => NativeCheck.Check(NativeMethods.ie_tensor_is_contiguous(Handle)) == 1;

    /// <summary>Shape as "[2, 3]" for messages.</summary>
    public string ShapeString => "[" + string.Join(", ", Shape) + "]";

    /// <summary>libtorch's printout of the values (for debugging; large tensors are summarised).</summary>
    public string Describe() => NativeCheck.TakeString(NativeMethods.ie_tensor_to_string(Handle));

    public override string ToString() => IsDisposed ? "Tensor(disposed)" : $"Tensor({Dtype}, {ShapeString}, {Device})";

    public Tensor To(ScalarType dtype) => Wrap(NativeMethods.ie_tensor_to_dtype(Handle, (int)dtype));

    public Tensor To(Device device) => Wrap(NativeMethods.ie_tensor_to_device(Handle, (int)device.Type, device.Index));

    public Tensor Clone() => Wrap(NativeMethods.ie_tensor_clone(Handle));

    /// <summary>The same data, cut from the autograd graph.</summary>
    public Tensor Detach() => Wrap(NativeMethods.ie_tensor_detach(Handle));

    /// <summary>A second handle to the same tensor (shares data and autograd identity).</summary>
    public Tensor Alias() => Wrap(NativeMethods.ie_tensor_alias(Handle));

    internal static IntPtr[] RawHandles(IReadOnlyList<Tensor> tensors)
    {
        var raw = new IntPtr[tensors.Count];
        for (int i = 0; i < raw.Length; i++) raw[i] = tensors[i].RawHandle;
        return raw;
    }
}
