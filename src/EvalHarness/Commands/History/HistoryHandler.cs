// HistoryHandler — `interp-eval history`: lists the recorded runs, or one metric over runs as a table and a line plot
// (SVG + PNG). Reads the history only; writes the plot.
using System.CommandLine;
using System.Globalization;
using InterpEval.Harness.Gates;
using InterpEval.Harness.History;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Tool;
using InterpEval.Interp.IO;
using Spectre.Console;

namespace InterpEval.Harness.Commands.History;

/// <param name="Db">The history database.</param>
/// <param name="Metric">A metric key or name to follow over runs, or null to list the runs.</param>
/// <param name="Profile">Only runs of this profile, or null for all.</param>
/// <param name="Limit">The latest N runs.</param>
/// <param name="Plot">Where the plot of Metric goes (FILE.svg and a PNG next to it).</param>
public sealed record HistoryOptions(string Db, string? Metric, string? Profile, int Limit, string Plot);

public sealed class HistoryHandler(TextWriter stdout)
{
    public ExitCode Run(HistoryOptions o)
    {
        using HistoryDb db = HistoryDb.Open(o.Db, create: false);
        IAnsiConsole console = Terminal.For(stdout, 140);
        string? profile = o.Profile;
        int limit = o.Limit;
        if (o.Metric is not { } metric)
        {
            var runs = new Table().Border(TableBorder.Simple).AddColumns("id", "run", "started (UTC)", "profile", "commit", "gate");
            foreach (HistoryRun r in db.Runs(profile, limit))
                runs.AddRow(Id(r), Markup.Escape(r.RunId), Time(r), Markup.Escape(r.Profile), Markup.Escape(Short(r.GitCommit)), Gate(r.Passed));
            console.Write(runs);
            return ExitCode.Ok;
        }
        IReadOnlyList<HistoryPoint> points = db.Metric(metric, profile, limit);
        if (points.Count == 0) throw new UsageException($"--metric: no run in {db.Path} recorded '{metric}'");
        var table = new Table().Border(TableBorder.Simple).AddColumns("id", "started (UTC)", "commit", "metric", "value", "verdict");
        foreach (HistoryPoint p in points)
            table.AddRow(Id(p.Run), Time(p.Run), Markup.Escape(Short(p.Run.GitCommit)), Markup.Escape(p.Key), Numbers.Format(p.Value), p.Verdict ?? "");
        console.Write(table);
        (string svg, string png) = WritePlot(o.Plot, metric, points);
        console.WriteLine($"plot: {svg}, {png}");
        return ExitCode.Ok;
    }

    private static (string Svg, string Png) WritePlot(string path, string metric, IReadOnlyList<HistoryPoint> points)
    {
        var series = points.GroupBy(p => p.Key).Select(g => new ChartSeries(g.Key, g.Select(p => ((double)p.Run.Id, p.Value)).ToList())).ToList();
        var chart = new Chart($"{metric} over runs", new ChartAxis("history run id"), new ChartAxis(metric), series);
        string basePath = path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase) ? path[..^4] : path;
        return new ChartRenderer(640, 360).Save(chart, basePath);
    }

    private static string Id(HistoryRun r) => r.Id.ToString(CultureInfo.InvariantCulture);
    private static string Time(HistoryRun r) => r.StartedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    private static string Short(string? commit) => commit is null ? "" : commit[..Math.Min(10, commit.Length)];
    private static string Gate(bool? passed) => passed switch { true => "passed", false => "[red]failed[/]", null => "" };
}
