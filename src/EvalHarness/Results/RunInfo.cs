// RunInfo — the facts about one run that every report carries next to its numbers: which run, which tool and commit,
// which machine, which profile and seed, when and how long. It measures nothing and formats nothing.

namespace InterpEval.Harness.Results;

/// <param name="RunId">Stable id of the run (UTC start time + a short random suffix); history and compare use it.</param>
/// <param name="ToolVersion">The tool's informational version.</param>
/// <param name="GitCommit">The repository's commit at run time, or null outside a git checkout.</param>
/// <param name="Machine">Cores, OS and CPU model.</param>
/// <param name="Profile">The profile run (smoke, default, full).</param>
/// <param name="StartedUtc">When the run started.</param>
/// <param name="DurationSeconds">Wall-clock seconds from start to the last record.</param>
/// <param name="Seed">The seed every random choice derives from.</param>
/// <param name="Device">Where tensors lived (cpu, cuda:0).</param>
/// <param name="Threads">libtorch/BLAS threads.</param>
public sealed record RunInfo(
    string RunId,
    string ToolVersion,
    string? GitCommit,
    MachineInfo Machine,
    string Profile,
    DateTimeOffset StartedUtc,
    double DurationSeconds,
    ulong Seed,
    string Device,
    int Threads)
{
    /// <summary>A new run id: the UTC start time to the second and six random hex digits (20261203T132531Z-1a2b3c).</summary>
    public static string NewId(DateTimeOffset started) =>
        started.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];
}
