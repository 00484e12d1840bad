// HistoryCommand — `interp-eval history`: the runs recorded in the SQLite history, or with --metric one metric over
// runs (every key equal to it or ending in /METRIC, one line per key) as a table and a line plot (SVG + PNG). Reads the
// history only; writes the plot.
using System.CommandLine;
using System.Globalization;
using InterpEval.Harness.Commands;
using InterpEval.Harness.Config;
using InterpEval.Harness.Gates;
using InterpEval.Harness.History;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Tool;
using InterpEval.Interp.IO;
using Spectre.Console;

namespace InterpEval.Harness.Cli;

public static class HistoryCommand
{
    public static readonly Option<string> Db = new("--db")
    {
        Description = "The history database", HelpName = "FILE", DefaultValueFactory = _ => new HarnessConfig().History,
    };

    public static readonly Option<string?> Metric = new("--metric") { Description = "A metric key (suite/subject/name) or a name matching every subject's (fvu)", HelpName = "M" };

    public static readonly Option<string?> ProfileFilter = new("--profile") { Description = "Only runs of this profile", HelpName = "P" };

    public static readonly Option<int> Limit = new("--limit")
    {
        Description = "The latest N runs", HelpName = "N", DefaultValueFactory = _ => 50, CustomParser = OptionParsers.PositiveInt("--limit"),
    };

    public static readonly Option<string> Plot = new("--plot")
    {
        Description = "Where the plot of --metric goes (FILE.svg, and a PNG next to it)", HelpName = "FILE", DefaultValueFactory = _ => Path.Combine("artifacts", "interp-eval", "history.svg"),
    };

    public static Command Create()
    {
        var command = new Command("history", "List recorded runs, or one metric over runs (table + SVG plot)") { Db, Metric, ProfileFilter, Limit, Plot };
        command.SetAction(parseResult => (int)Run(parseResult));
        return command;
    }

    private static ExitCode Run(ParseResult parseResult)
    {
        using HistoryDb db = HistoryDb.Open(parseResult.GetValue(Db)!, create: false);
        IAnsiConsole console = Terminal.For(parseResult.InvocationConfiguration.Output, 140);
        string? profile = parseResult.GetValue(ProfileFilter);
        int limit = parseResult.GetValue(Limit);
        if (parseResult.GetValue(Metric) is not { } metric)
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
        (string svg, string png) = WritePlot(parseResult.GetValue(Plot)!, metric, points);
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
