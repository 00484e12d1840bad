// Device — where a tensor lives (cpu, cuda:N), parsed from the --device option. Nothing in the binding assumes CPU;
// whether CUDA is usable is a property of the libtorch the shim was built against.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public enum DeviceType
{
    Cpu = 0,
    Cuda = 1,

    /// <summary>libtorch's meta device (c10::DeviceType::Meta, 14 in 1.13 and 2.x): shapes and dtypes without storage, for placement checks.</summary>
    Meta = 14,
}

public readonly record struct Device(DeviceType Type, int Index = -1)
{
    public static readonly Device Cpu = new(DeviceType.Cpu);

    public static Device Cuda(int index = 0) => new(DeviceType.Cuda, index);

    /// <summary>The meta device (see DeviceType.Meta).</summary>
    public static readonly Device Meta = new(DeviceType.Meta);

    /// <summary>Number of CUDA devices libtorch can see (0 for a CPU-only libtorch).</summary>
    public static int CudaDeviceCount => NativeMethods.ie_cuda_device_count();

    /// <summary>Parses "cpu", "cuda" or "cuda:N".</summary>
    public static Device Parse(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return Cpu;
        if (s == "cuda") return Cuda();
        if (s.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(5), out int i) && i >= 0) return Cuda(i);
        throw new FormatException($"unknown device '{text}' — expected cpu, cuda or cuda:N");
    }

    /// <summary>Throws with a clear message when this device cannot be used by the loaded libtorch.</summary>
    public void EnsureAvailable()
    {
        if (Type == DeviceType.Cuda && CudaDeviceCount <= Math.Max(Index, 0))
            throw new InvalidOperationException($"device {this} requested but libtorch sees {CudaDeviceCount} CUDA device(s); build the shim against a CUDA libtorch (Torch_DIR) or use --device cpu");
    }

    public override string ToString() => Type switch
    {
        DeviceType.Cpu => "cpu",
        DeviceType.Meta => "meta",
        _ => Index < 0 ? "cuda" : $"cuda:{Index}",
    };
}
