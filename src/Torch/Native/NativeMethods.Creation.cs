// P/Invoke declarations for native/src/creation.cpp: factories, generators and random tensors.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial IntPtr ie_generator_new(ulong seed);
    [LibraryImport(Lib)] internal static partial void ie_generator_free(IntPtr g);

    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_zeros(ReadOnlySpan<long> shape, int ndim, int dtype, int dt, int di);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_ones(ReadOnlySpan<long> shape, int ndim, int dtype, int dt, int di);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_empty(ReadOnlySpan<long> shape, int ndim, int dtype, int dt, int di);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_full(ReadOnlySpan<long> shape, int ndim, double value, int dtype, int dt, int di);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_arange(double start, double end, double step, int dtype, int dt, int di);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_randn(ReadOnlySpan<long> shape, int ndim, GeneratorHandle g, int dtype, int dt, int di);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_rand(ReadOnlySpan<long> shape, int ndim, GeneratorHandle g, int dtype, int dt, int di);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_randint(long low, long high, ReadOnlySpan<long> shape, int ndim, GeneratorHandle g, int dtype, int dt, int di);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_randperm(long n, GeneratorHandle g, int dt, int di);
    [LibraryImport(Lib)] internal static partial int ie_tensor_uniform_(TensorHandle t, double from, double to, GeneratorHandle g);
    [LibraryImport(Lib)] internal static partial int ie_tensor_normal_(TensorHandle t, double mean, double std, GeneratorHandle g);
}
