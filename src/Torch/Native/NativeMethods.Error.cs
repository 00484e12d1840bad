// P/Invoke declarations for native/src/error.cpp: the thread-local last error, taken and freed by NativeCheck.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial IntPtr ie_last_error();
    [LibraryImport(Lib)] internal static partial void ie_free_string(IntPtr s);
}
