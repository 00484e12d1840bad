// CompareHandler — `interp-eval compare`: resolves both runs (a results.json file, else a history id or run id) and
// prints their metric deltas as a table. Informational: exit 0.
using System.CommandLine;
using InterpEval.Harness.History;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using InterpEval.Suites;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Compare;

/// <param name="RunA">A results.json file or a history id.</param>
/// <param name="RunB">The same, for the run compared with A.</param>
/// <param name="Db">The history database ids are looked up in.</param>
public sealed record CompareOptions(string RunA, string RunB, string Db);

public sealed class CompareHandler(TextWriter stdout)
{
    public ExitCode Run(CompareOptions o)
    {
        RunResult a = Resolve(o.RunA, o.Db), b = Resolve(o.RunB, o.Db);
        IAnsiConsole console = Terminal.For(stdout, 140);
        console.WriteLine($"A: {a.Info.RunId} ({a.Info.Profile}, commit {a.Info.GitCommit ?? "unknown"})");
        console.WriteLine($"B: {b.Info.RunId} ({b.Info.Profile}, commit {b.Info.GitCommit ?? "unknown"})");
        var table = new Table().Border(TableBorder.Simple).AddColumns("metric", "A", "B", "B − A", "relative", "better");
        var byKeyA = a.Records.ToDictionary(r => r.Key);
        var byKeyB = b.Records.ToDictionary(r => r.Key);
        foreach (string key in byKeyA.Keys.Union(byKeyB.Keys).OrderBy(k => k, StringComparer.Ordinal))
        {
            MetricRecord? ra = byKeyA.GetValueOrDefault(key), rb = byKeyB.GetValueOrDefault(key);
            double? delta = ra is not null && rb is not null ? rb.Value - ra.Value : null;
            string relative = delta is { } d && ra!.Value != 0 ? Numbers.Signed(100 * d / Math.Abs(ra.Value)) + " %" : "";
            table.AddRow(Markup.Escape(key), ra is null ? "" : Numbers.Format(ra.Value), rb is null ? "" : Numbers.Format(rb.Value),
                delta is { } dd ? Numbers.Signed(dd) : "", relative, Better(ra ?? rb!, delta));
        }
        console.Write(table);
        return ExitCode.Ok;
    }

    private static string Better(MetricRecord r, double? delta) => delta switch
    {
        null or 0 => "",
        { } d when r.Direction == MetricDirection.None => "",
        { } d => (d > 0) == (r.Direction == MetricDirection.Higher) ? "B" : "A",
    };

    /// <summary>A results.json path when such a file exists, else an id looked up in the history.</summary>
    private static RunResult Resolve(string run, string db)
    {
        if (File.Exists(run)) return ResultsJson.Read(run);
        if (!File.Exists(db)) throw new FileNotFoundException($"{run}: no such results file, and no history at {db} to look it up in", run);
        using HistoryDb history = HistoryDb.Open(db, create: false);
        string json = history.ResultsJson(run) ?? throw new UsageException($"{run}: neither a results.json file nor a run in {db}");
        return ResultsJson.Parse(json, $"{db} run {run}");
    }
}
