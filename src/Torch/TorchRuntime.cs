// TorchRuntime — process-wide libtorch settings: intra-op and BLAS threads, the global seed, the libtorch version.
// OpenBLAS starts single-threaded inside a .NET process here, so the tool sets the thread count at start-up.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public static class TorchRuntime
{
    /// <summary>Sets libtorch's intra-op threads and, when OpenBLAS is the BLAS, its threads too.</summary>
    /// <returns>True when an OpenBLAS was found and set; false when the BLAS is not OpenBLAS.</returns>
    public static bool SetNumThreads(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "thread count must be at least 1");
        return NativeCheck.Check(NativeMethods.ie_set_num_threads(threads)) == 1;
    }

    /// <summary>
    /// Tunes glibc's allocator for tensor workloads: buffers up to 32 MiB are served from the heap and freed memory is
    /// kept rather than returned to the OS, so repeated forwards reuse warm pages instead of faulting in fresh ones
    /// (≈ 12 % on the embedded model's harvest). Process-wide; the tool calls it at start-up. False if glibc refused.
    /// </summary>
    public static bool TuneAllocator() => NativeMethods.ie_tune_allocator() == 1;

    public static int NumThreads => NativeCheck.Check(NativeMethods.ie_get_num_threads());

    /// <summary>OpenBLAS's thread count, or 0 when libtorch does not run on OpenBLAS.</summary>
    public static int BlasThreads => NativeMethods.ie_blas_num_threads();

    /// <summary>How many threads took part in one of the shim's own parallel loops (at::parallel_for over
    /// <see cref="NumThreads"/> items): the thread count when the shim was built with libtorch's intra-op backend,
    /// 1 when it was not (on an OpenMP libtorch, a shim compiled without OpenMP runs its kernels serially).</summary>
    public static int ParallelLoopThreads => NativeCheck.Check(NativeMethods.ie_parallel_loop_threads());

    /// <summary>Seeds libtorch's global generators (CPU and CUDA).</summary>
    public static void ManualSeed(ulong seed) => NativeCheck.Check(NativeMethods.ie_manual_seed(seed));

    /// <summary>
    /// Whether the shim's hand-written CPU kernels run (true, the default: the sparse TopK sums, the one-pass top-k, the
    /// ReLU objective's fused passes, fused Adam). False makes CPU tensors take the composed ATen formulation that CUDA
    /// runs, so it can be checked against the hand kernels without a GPU. Process-wide. The streamed TopK encoder has
    /// no ATen twin on CPU (other devices take the dense encoder instead).
    /// </summary>
    public static bool HandKernels
    {
        get => NativeMethods.ie_hand_kernels_enabled() == 1;
        set => NativeMethods.ie_set_hand_kernels(value ? 1 : 0);
    }

    /// <summary>The libtorch version the shim was compiled against.</summary>
    public static string Version => NativeCheck.TakeString(NativeMethods.ie_version());
}
