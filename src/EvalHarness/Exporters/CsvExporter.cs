// CsvExporter — results.csv through CsvHelper: one row per metric (records, or verdicts when gated) with round-trip
// invariant numbers, so a spreadsheet in any locale or pandas reads the same values. Run facts live in results.json.
using System.Globalization;
using CsvHelper;
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Gates;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using InterpEval.Suites;

namespace InterpEval.Harness.Exporters;

public sealed class CsvExporter : IExporter
{
    private static readonly string[] Header =
        ["key", "suite", "subject", "name", "value", "unit", "direction", "stderr", "baseline", "delta", "allowed", "verdict", "z"];

    public string Name => "csv";
    public string FileName => "results.csv";

    public void Export(RunResult run, TextWriter writer)
    {
        var options = new CsvWriterOptions { NewLine = "\n", FormatProvider = CultureInfo.InvariantCulture };
        using CsvWriter csv = CsvWriter.Create(writer, options, leaveOpen: true);
        csv.WriteRecord(Header);
        foreach (string[] row in Rows(run)) csv.WriteRecord(row);
        csv.Flush();
    }

    private static IEnumerable<string[]> Rows(RunResult run)
    {
        if (run.Gate is null)
        {
            foreach (MetricRecord r in run.Records) yield return Row(r.Key, r, null, null);
            yield break;
        }
        foreach (MetricConclusion c in run.Gate.Conclusions) yield return Row(c.Key, c.Current, c, c.Baseline?.Value);
    }

    private static string[] Row(string key, MetricRecord? r, MetricConclusion? c, double? baseline)
    {
        string[] parts = ConsoleTableExporter.SplitKey(key);
        return
        [
            key, parts[0], parts[1], parts[2],
            r is null ? "" : Numbers.RoundTrip(r.Value),
            r?.Unit ?? c?.Baseline?.Unit ?? "",
            (c?.Direction ?? r?.Direction ?? MetricDirection.None).Name(),
            r?.Stderr is { } se ? Numbers.RoundTrip(se) : "",
            baseline is { } b ? Numbers.RoundTrip(b) : "",
            c?.Delta is { } d ? Numbers.RoundTrip(d) : "",
            c is { Baseline: not null, Current: not null } ? Numbers.RoundTrip(c.Allowed) : "",
            c?.Verdict.Name() ?? "",
            c?.Z is { } z ? Numbers.RoundTrip(z) : "",
        ];
    }
}
