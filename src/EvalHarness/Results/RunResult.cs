// RunResult — a finished run as exporters see it: its facts, the effective configuration, the metric records and, when
// the run was gated, the gate's conclusions. A records-only result (Gate null) is what `eval` exports: no verdicts.
using System.Text.Json;
using InterpEval.Harness.Gates;
using InterpEval.Suites;

namespace InterpEval.Harness.Results;

/// <param name="Info">Who, where, when.</param>
/// <param name="Config">The effective configuration as JSON (an empty object when there is none).</param>
/// <param name="Records">Every metric record, in the order the suites returned them.</param>
/// <param name="Gate">The verdicts against a baseline, or null for a records-only result.</param>
public sealed record RunResult(RunInfo Info, JsonElement Config, IReadOnlyList<MetricRecord> Records, GateResult? Gate)
{
    /// <summary>A records-only result (no baseline, no verdicts) with an empty configuration.</summary>
    public static RunResult RecordsOnly(RunInfo info, IReadOnlyList<MetricRecord> records) =>
        new(info, EmptyConfig, records, null);

    public static JsonElement EmptyConfig { get; } = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>Report sections an extension of the run made (the sweep's), in order; empty when none.</summary>
    public IReadOnlyList<ReportSection> Sections { get; init; } = [];

    /// <summary>True when a gate ran and failed (a regression, or a missing metric when that fails the gate).</summary>
    public bool Failed => Gate is { Passed: false };
}
