// OpenMpWaitPolicy — sets OMP_WAIT_POLICY=PASSIVE in the native environment when this assembly loads (before the shim,
// hence libtorch's libgomp, is loaded: libgomp reads it once, in its load-time constructor), unless the user set it.
// Under libgomp's default policy an idle worker spins for up to ~300 000 iterations waiting for the next parallel region;
// on a shared machine, where the other worker is often descheduled, those spins burn the time slices the work needed.
// Measured on the 2-core machine at load average ~19 (`bench harvest --batch 16 --threads 2`, best of 10): 2.8–3.0k
// tokens/s with the default, 12.8–27k with PASSIVE; a 2-point sweep's training phase 10.5 s → 0.4–0.6 s. It leaves the
// thread counts alone (TorchRuntime) and does nothing on systems without glibc's setenv/getenv.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static unsafe class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";
    public const string Default = "PASSIVE";

    /// <summary>What the process's native environment holds for OMP_WAIT_POLICY (null when unset or unreadable).</summary>
    public static string? Current
    {
        get
        {
            if (!TryLibc(out IntPtr libc) || !NativeLibrary.TryGetExport(libc, "getenv", out IntPtr getenv)) return null;
            IntPtr name = Marshal.StringToCoTaskMemUTF8(Variable);
            try
            {
                IntPtr value = ((delegate* unmanaged<IntPtr, IntPtr>)getenv)(name);
                return value == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(value);
            }
            finally
            {
                Marshal.FreeCoTaskMem(name);
            }
        }
    }

#pragma warning disable CA2255 // a module initializer is the only hook that runs before the first P/Invoke loads libgomp
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (Current is not null || !TryLibc(out IntPtr libc) || !NativeLibrary.TryGetExport(libc, "setenv", out IntPtr setenv)) return;
        IntPtr name = Marshal.StringToCoTaskMemUTF8(Variable), value = Marshal.StringToCoTaskMemUTF8(Default);
        try
        {
            if (((delegate* unmanaged<IntPtr, IntPtr, int, int>)setenv)(name, value, 0) == 0)
                Environment.SetEnvironmentVariable(Variable, Default);   // the managed view too, so child processes inherit it
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
            Marshal.FreeCoTaskMem(value);
        }
    }

    private static bool TryLibc(out IntPtr handle)
    {
        handle = IntPtr.Zero;
        return OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out handle);
    }
}
