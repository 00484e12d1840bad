// SampleRuns — fixed runs for exporter tests: every verdict (regressed, same, improved, new, missing), a subject with
// a '/' in its id, a NaN-free stderr, a value needing quotes in CSV, and fixed facts (time, commit, machine) so output is
// byte-for-byte stable.
using System.Text.Json;
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Gates;
using InterpEval.Harness.Results;
using InterpEval.Suites;

namespace InterpEval.Harness.Tests.Exporters;

internal static class SampleRuns
{
    public const string RegressedKey = "reconstruction/topk-resid2/fvu";

    public static RunInfo Info { get; } = new(
        "20260101T120000Z-abc123", "0.1.0+test", "0123456789abcdef0123456789abcdef01234567",
        new MachineInfo(2, "Linux 6.1", "Test CPU @ 2.5GHz"), "smoke",
        new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero), 12.3456, 7, "cpu", 2);

    public static IReadOnlyList<MetricRecord> Records { get; } =
    [
        new("reconstruction", "topk-resid2", "fvu", 0.1523, "", MetricDirection.Lower, 0.0021),
        new("reconstruction", "topk-resid2", "cosine", 0.9412, "", MetricDirection.Higher),
        new("reconstruction", "relu-resid2", "fvu", 0.0912, "", MetricDirection.Lower, 0.0013),
        new("sparsity", "topk-resid2", "l0", 16, "latents/token", MetricDirection.None),
        new("sparsity", "relu/with,comma", "dead_frac", 0.125, "fraction", MetricDirection.Lower),
        new("fidelity", "topk-resid2", "ce_loss_recovered", 1234.5678, "", MetricDirection.Higher),
    ];

    public static Baseline Baseline { get; } = new("baselines/smoke.json", "smoke", "0.1.0", null, DateTimeOffset.UnixEpoch,
        new Dictionary<string, BaselineEntry>
        {
            [RegressedKey] = new(RegressedKey, 0.1201, MetricDirection.Lower, new Tolerance(0.01, null), "", 8,
                new Calibration(5, 0.0008, 0.0002, 0, 0.0008, 12.5, 40, 0.01)),
            ["reconstruction/topk-resid2/cosine"] = new("reconstruction/topk-resid2/cosine", 0.9400, MetricDirection.Higher, new Tolerance(0.01, null), "", 14),
            ["reconstruction/relu-resid2/fvu"] = new("reconstruction/relu-resid2/fvu", 0.1100, MetricDirection.Lower, new Tolerance(0.01, null), "", 20),
            ["sparsity/topk-resid2/l0"] = new("sparsity/topk-resid2/l0", 12, MetricDirection.None, new Tolerance(0.01, 0.05), "latents/token", 26),
            ["sparsity/relu/with,comma/dead_frac"] = new("sparsity/relu/with,comma/dead_frac", 0.125, MetricDirection.Lower, new Tolerance(0.01, null), "fraction", 32),
            ["sparsity/topk-resid2/dense_frac"] = new("sparsity/topk-resid2/dense_frac", 0.0, MetricDirection.Lower, new Tolerance(0.01, null), "fraction", 38),
        });

    public static JsonElement Config { get; } = JsonDocument.Parse("""{"profile":"smoke","seed":7,"lr":0.0003}""").RootElement.Clone();

    /// <summary>A gated run: one regressed, one improved, same, new (fidelity) and missing (dense_frac).</summary>
    public static RunResult Gated() => new(Info, Config, Records, Gate.Evaluate(Records, Baseline));

    /// <summary>Records only, as `eval` exports them.</summary>
    public static RunResult RecordsOnly() => RunResult.RecordsOnly(Info, Records);
}
