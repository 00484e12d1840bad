// Tensor creation (from managed data, factories, seeded random) and copying data back out. Data always crosses
// the boundary as a copy: a tensor never aliases managed memory.
using System.Runtime.InteropServices;
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public sealed partial class Tensor
{
    private static int DevType(Device? d) => (int)(d ?? Device.Cpu).Type;

    private static int DevIndex(Device? d) => (d ?? Device.Cpu).Index;

    /// <summary>Copies managed elements into a new tensor of the matching dtype and the given shape.</summary>
    public static Tensor From<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, Device? device = null) where T : unmanaged =>
        FromBytes(MemoryMarshal.AsBytes(data), ScalarTypes.Of<T>(), shape, device);

    /// <summary>Copies an array into a tensor; shape defaults to 1-D.</summary>
    public static Tensor From<T>(T[] data, params long[] shape) where T : unmanaged =>
        From<T>(data.AsSpan(), shape.Length == 0 ? [data.LongLength] : shape);

    /// <summary>Copies raw little-endian element bytes (any dtype, bfloat16 included) into a new tensor.</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> data, ScalarType dtype, ReadOnlySpan<long> shape, Device? device = null)
    {
        fixed (byte* p = data)
            return Wrap(NativeMethods.ie_tensor_from_data(p, data.Length, shape, shape.Length, (int)dtype, DevType(device), DevIndex(device)));
    }

    /// <summary>Copies nbytes of raw element bytes from unmanaged memory (a memory-mapped file, say) into a new tensor;
    /// unlike the span overload it is not limited to 2 GiB. The caller keeps the memory valid for the call.</summary>
    internal static unsafe Tensor FromBytes(byte* data, long nbytes, ScalarType dtype, ReadOnlySpan<long> shape, Device? device = null) =>
        Wrap(NativeMethods.ie_tensor_from_data(data, nbytes, shape, shape.Length, (int)dtype, DevType(device), DevIndex(device)));

    /// <summary>A 0-dim tensor holding one value.</summary>
    public static Tensor Scalar(double value, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Full([], value, dtype, device);

    public static Tensor Zeros(ReadOnlySpan<long> shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Wrap(NativeMethods.ie_tensor_zeros(shape, shape.Length, (int)dtype, DevType(device), DevIndex(device)));

    public static Tensor Ones(ReadOnlySpan<long> shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Wrap(NativeMethods.ie_tensor_ones(shape, shape.Length, (int)dtype, DevType(device), DevIndex(device)));

    /// <summary>Uninitialised storage: every element must be written before it is read.</summary>
    public static Tensor Empty(ReadOnlySpan<long> shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Wrap(NativeMethods.ie_tensor_empty(shape, shape.Length, (int)dtype, DevType(device), DevIndex(device)));

    public static Tensor Full(ReadOnlySpan<long> shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Wrap(NativeMethods.ie_tensor_full(shape, shape.Length, value, (int)dtype, DevType(device), DevIndex(device)));

    /// <summary>start, start+step, … below end.</summary>
    public static Tensor Arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        Wrap(NativeMethods.ie_tensor_arange(start, end, step, (int)dtype, DevType(device), DevIndex(device)));

    /// <summary>Standard normal samples; with a generator the draw is reproducible on every device.</summary>
    public static Tensor Randn(ReadOnlySpan<long> shape, Generator? generator = null, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Wrap(NativeMethods.ie_tensor_randn(shape, shape.Length, Generator.HandleOf(generator), (int)dtype, DevType(device), DevIndex(device)));

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(ReadOnlySpan<long> shape, Generator? generator = null, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Wrap(NativeMethods.ie_tensor_rand(shape, shape.Length, Generator.HandleOf(generator), (int)dtype, DevType(device), DevIndex(device)));

    /// <summary>Uniform integers in [low, high).</summary>
    public static Tensor RandInt(long low, long high, ReadOnlySpan<long> shape, Generator? generator = null, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        Wrap(NativeMethods.ie_tensor_randint(low, high, shape, shape.Length, Generator.HandleOf(generator), (int)dtype, DevType(device), DevIndex(device)));

    /// <summary>A random permutation of 0..n-1 (int64).</summary>
    public static Tensor RandPerm(long n, Generator? generator = null, Device? device = null) =>
        Wrap(NativeMethods.ie_tensor_randperm(n, Generator.HandleOf(generator), DevType(device), DevIndex(device)));

    /// <summary>Fills in place with uniform samples in [from, to) (no autograd record).</summary>
    public Tensor Uniform_(double from, double to, Generator? generator = null)
    {
        NativeCheck.Check(NativeMethods.ie_tensor_uniform_(Handle, from, to, Generator.HandleOf(generator)));
        return this;
    }

    /// <summary>Fills in place with normal samples (no autograd record).</summary>
    public Tensor Normal_(double mean, double std, Generator? generator = null)
    {
        NativeCheck.Check(NativeMethods.ie_tensor_normal_(Handle, mean, std, Generator.HandleOf(generator)));
        return this;
    }

    /// <summary>Copies the elements (row-major, from any device) into a new array; T must match the dtype.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = new T[NumEl];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements into a span of exactly NumEl elements; T must match the dtype.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        ScalarType want = ScalarTypes.Of<T>();
        if (want != Dtype)
            throw new ArgumentException($"tensor holds {Dtype} but was read as {typeof(T).Name}; convert with To({want}) first");
        CopyBytesTo(MemoryMarshal.AsBytes(destination));
    }

    /// <summary>The raw element bytes, row-major (any dtype).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[NumEl * Dtype.ElementSize()];
        CopyBytesTo(bytes);
        return bytes;
    }

    private unsafe void CopyBytesTo(Span<byte> destination)
    {
        fixed (byte* p = destination)
            NativeCheck.Check(NativeMethods.ie_tensor_copy_to(Handle, p, destination.Length));
    }

    /// <summary>The value of a one-element tensor as a double.</summary>
    public double ToDouble()
    {
        double v = NativeMethods.ie_tensor_item_double(Handle, out int status);
        NativeCheck.Check(status);
        return v;
    }

    /// <summary>The value of a one-element tensor as a long.</summary>
    public long ToInt64()
    {
        long v = NativeMethods.ie_tensor_item_long(Handle, out int status);
        NativeCheck.Check(status);
        return v;
    }

    public float ToSingle() => (float)ToDouble();
}
