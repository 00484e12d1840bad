// Generator — a seeded CPU random generator. Random tensors drawn from one are the same on every device (they are
// drawn on the CPU and moved), which keeps seeded runs repeatable across cpu and cuda.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public sealed class Generator : IDisposable
{
    private readonly GeneratorHandle _handle;

    public Generator(ulong seed)
    {
        IntPtr raw = NativeMethods.ie_generator_new(seed);
        if (raw == IntPtr.Zero) throw new TorchException(NativeCheck.TakeLastError());
        _handle = new GeneratorHandle(raw, ownsHandle: true);
        Seed = seed;
    }

    public ulong Seed { get; }

    internal static GeneratorHandle HandleOf(Generator? g)
    {
        if (g is null) return GeneratorHandle.Null;
        ObjectDisposedException.ThrowIf(g._handle.IsClosed, g);
        return g._handle;
    }

    public void Dispose() => _handle.Dispose();
}
