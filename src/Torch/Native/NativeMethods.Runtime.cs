// P/Invoke declarations for native/src/runtime.cpp: threads, seeding, devices, version.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int ie_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int ie_tune_allocator();
    [LibraryImport(Lib)] internal static partial int ie_get_num_threads();
    [LibraryImport(Lib)] internal static partial int ie_blas_num_threads();
    [LibraryImport(Lib)] internal static partial int ie_parallel_loop_threads();
    [LibraryImport(Lib)] internal static partial int ie_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial int ie_cuda_device_count();
    [LibraryImport(Lib)] internal static partial IntPtr ie_version();
    [LibraryImport(Lib)] internal static partial void ie_set_hand_kernels(int enabled);
    [LibraryImport(Lib)] internal static partial int ie_hand_kernels_enabled();
}
