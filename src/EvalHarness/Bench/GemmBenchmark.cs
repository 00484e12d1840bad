// GemmBenchmark — fp32 sgemm throughput through the binding: C = A·B (Tensor.Mm) on random N×N matrices. Warm-up
// ops first, then a batch size found as Python's timeit.autorange does (double until a batch lasts MinRepeatSeconds),
// then timed repeats of that batch with a Stopwatch; every repeat yields seconds per op. It measures and returns a result; it never prints.
// eng/bench_gemm.py is the same procedure in PyTorch, so the two figures compare like for like.
using System.Diagnostics;
using InterpEval.Torch;

namespace InterpEval.Harness.Bench;

/// <summary>What to measure.</summary>
/// <param name="Size">N: both matrices are N×N float32.</param>
/// <param name="Repeats">Timed repeats; the best gives the headline figure.</param>
/// <param name="Device">Where the matrices live.</param>
/// <param name="WarmupOps">Untimed ops before the batch is sized.</param>
/// <param name="MinRepeatSeconds">A repeat runs enough ops to last at least this long (small N would be noise otherwise).</param>
/// <param name="Seed">Seed of the random matrices.</param>
public sealed record GemmSettings(int Size, int Repeats, Device Device, int WarmupOps = 2, double MinRepeatSeconds = 0.05, ulong Seed = 0)
{
    public void Validate()
    {
        if (Size < 1) throw new ArgumentOutOfRangeException(nameof(Size), Size, "matrix size must be at least 1");
        if (Repeats < 1) throw new ArgumentOutOfRangeException(nameof(Repeats), Repeats, "repeats must be at least 1");
        if (WarmupOps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupOps), WarmupOps, "warm-up ops cannot be negative");
    }
}

/// <summary>One measurement: seconds per op for every repeat, and the context that explains the figure.</summary>
public sealed record GemmResult(GemmSettings Settings, int OpsPerRepeat, IReadOnlyList<double> SecondsPerOp, int Threads, int BlasThreads, string Libtorch)
{
    /// <summary>Floating-point operations in one N×N by N×N product (one multiply and one add per term).</summary>
    public double FlopsPerOp => 2.0 * Settings.Size * (double)Settings.Size * Settings.Size;

    public double BestSecondsPerOp => SecondsPerOp.Min();

    public double MeanSecondsPerOp => SecondsPerOp.Average();

    /// <summary>Throughput of the best repeat.</summary>
    public double Gflops => FlopsPerOp / BestSecondsPerOp / 1e9;

    /// <summary>Throughput at the mean time per op over the repeats.</summary>
    public double GflopsMean => FlopsPerOp / MeanSecondsPerOp / 1e9;
}

public sealed class GemmBenchmark(GemmSettings settings)
{
    private const int MaxOpsPerRepeat = 1 << 20;

    public GemmResult Measure()
    {
        settings.Validate();
        long n = settings.Size;
        using var generator = new Generator(settings.Seed);
        using Tensor a = Tensor.Randn([n, n], generator, ScalarType.Float32, settings.Device); // (N, N)
        using Tensor b = Tensor.Randn([n, n], generator, ScalarType.Float32, settings.Device); // (N, N)

        for (int i = 0; i < settings.WarmupOps; i++) TimeOps(a, b, 1);
        int opsPerRepeat = 1;
        while (opsPerRepeat < MaxOpsPerRepeat && TimeOps(a, b, opsPerRepeat) < settings.MinRepeatSeconds) opsPerRepeat *= 2;

        var secondsPerOp = new double[settings.Repeats];
        for (int r = 0; r < secondsPerOp.Length; r++) secondsPerOp[r] = TimeOps(a, b, opsPerRepeat) / opsPerRepeat;

        return new GemmResult(settings, opsPerRepeat, secondsPerOp, TorchRuntime.NumThreads, TorchRuntime.BlasThreads, TorchRuntime.Version);
    }

    /// <summary>Runs `ops` products and returns the elapsed seconds, including the wait for the device to finish.</summary>
    private double TimeOps(Tensor a, Tensor b, int ops)
    {
        var stopwatch = Stopwatch.StartNew();
        Tensor? c = null;
        for (int k = 0; k < ops; k++)
        {
            c?.Dispose();
            c = a.Mm(b);
        }
        WaitFor(c!);
        stopwatch.Stop();
        c!.Dispose();
        return stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>CUDA runs asynchronously: reading one element back waits for the stream. CPU ops are already done.</summary>
    private void WaitFor(Tensor c)
    {
        if (settings.Device.Type == DeviceType.Cpu) return;
        using Tensor row = c.Select(0, 0);
        using Tensor element = row.Select(0, 0);
        element.ToDouble();
    }
}
