// ResourceBudget — the memory a request needs, estimated from its sizes before any work, so an absurd request (a width
// of 2³¹ − 1, a batch of 2³¹ − 1 tokens, a thread count in the hundreds of thousands) is refused with one line instead
// of an out-of-memory kill or a hang. The estimate is an upper-bound sketch (float32 parameters with gradient and two
// Adam moments; per-token activations at a few copies each), not a profiler: it only has to separate "fits" from
// "absurd for this machine". It leaves what the request means to ConfigLoader and the commands.
using System.Globalization;
using InterpEval.Interp.Models;

namespace InterpEval.Harness.Config;

public static class ResourceBudget
{
    private const double BytesPerFloat = 4;

    /// <summary>Parameter, gradient and two Adam moments.</summary>
    private const double CopiesPerParameter = 4;

    /// <summary>Copies of each per-token activation a training step holds (pre-activation, activation, mask, gradients).</summary>
    private const double CopiesPerActivation = 6;

    /// <summary>The memory the process may use: the GC's view of physical memory (a container's limit where there is one).</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>The most threads a command accepts: oversubscribing beyond this only thrashes (and 10⁵ threads hang).</summary>
    public static int MaxThreads => Math.Max(64, 8 * Environment.ProcessorCount);

    /// <summary>Bytes to train one dictionary of `width` latents reading dIn and predicting dOut (dOut = 0 for an sae),
    /// over `layers` layers with decoders to every later layer when cross-layer.</summary>
    public static double TrainingBytes(long dIn, long dOut, long width, long batchTokens, long bufferTokens, int layers = 1, bool crossLayer = false)
    {
        double outDim = Math.Max(dIn, dOut);
        double decoders = crossLayer ? layers * (layers + 1) / 2.0 : 1;
        double parameters = layers * (dIn * (double)width + width + outDim) + decoders * width * outDim;
        double activations = batchTokens * (layers * (double)width + layers * (dIn + outDim)) * CopiesPerActivation;
        double buffer = bufferTokens * (double)layers * (dIn + outDim);
        return BytesPerFloat * (parameters * CopiesPerParameter + activations + buffer);
    }

    /// <summary>Null when `bytes` fits the machine, else the one-line reason.</summary>
    public static string? Refusal(double bytes, string what)
    {
        long available = AvailableBytes;
        if (bytes <= available) return null;
        return $"{what} needs about {Size(bytes)} of memory; this machine has {Size(available)} — reduce it";
    }

    /// <summary>"1.5 GiB", "2.0 TiB".</summary>
    public static string Size(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        return bytes.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[u];
    }
}
