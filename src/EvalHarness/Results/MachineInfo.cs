// MachineInfo — the facts about the host that a benchmark figure needs next to it (cores, OS, CPU model).
// It reads, never measures; eng/bench_gemm.py collects the same fields the same way.
using System.Runtime.InteropServices;

namespace InterpEval.Harness.Results;

public sealed record MachineInfo(int ProcessorCount, string Os, string? Cpu)
{
    public static MachineInfo Current() =>
        new(Environment.ProcessorCount, RuntimeInformation.OSDescription, ReadCpuModel());

    /// <summary>The first "model name" of /proc/cpuinfo, or null where there is none (not Linux, some ARM boards).</summary>
    private static string? ReadCpuModel()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return null;
        foreach (string line in File.ReadLines(path))
        {
            if (!line.StartsWith("model name", StringComparison.Ordinal)) continue;
            int colon = line.IndexOf(':');
            if (colon >= 0) return line[(colon + 1)..].Trim();
        }
        return null;
    }
}
