// ConsoleTableExporter — the run as a Spectre.Console table (one row per metric: value, baseline, delta, verdict) and
// a closing verdict line with the failures spelled out. Colours only on a real terminal; plain text in files and CI.
using InterpEval.Harness.Gates;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using InterpEval.Suites;
using Spectre.Console;

namespace InterpEval.Harness.Exporters;

public sealed class ConsoleTableExporter(int width = 140) : IExporter
{
    public string Name => "console";
    public string FileName => "summary.txt";

    public void Export(RunResult run, TextWriter writer) => Write(run, Tool.Terminal.For(writer, width));

    /// <summary>Writes the table and verdict to a console (the runner passes its own, with colours when interactive).</summary>
    public void Write(RunResult run, IAnsiConsole console)
    {
        console.Write(run.Gate is null ? RecordsTable(run.Records) : GatedTable(run.Gate));
        console.WriteLine();
        if (run.Gate is { } gate) WriteVerdict(console, gate);
        else console.WriteLine($"{run.Records.Count} metrics (no baseline compared)");
    }

    private static Table RecordsTable(IReadOnlyList<MetricRecord> records)
    {
        var table = NewTable("suite", "subject", "metric", "value", "± stderr", "unit");
        foreach (MetricRecord r in records)
            table.AddRow(Esc(r.Suite), Esc(r.Subject), Esc(r.Name), Numbers.Format(r.Value), Numbers.Format(r.Stderr), Esc(r.Unit));
        return table;
    }

    private static Table GatedTable(GateResult gate)
    {
        var table = NewTable("suite", "subject", "metric", "value", "baseline", "delta", "z", "allowed", "verdict");
        foreach (MetricConclusion c in gate.Conclusions)
        {
            string[] parts = SplitKey(c.Key);
            table.AddRow(Esc(parts[0]), Esc(parts[1]), Esc(parts[2]),
                c.Current is { } r ? Numbers.Format(r.Value) : "",
                c.Baseline is { } b ? Numbers.Format(b.Value) : "",
                c.Delta is { } d ? Numbers.Signed(d) : "",
                c.ZText,
                c.Baseline is not null && c.Current is not null ? "±" + Numbers.Format(c.Allowed) : "",
                Styled(c.Verdict));
        }
        return table;
    }

    private static void WriteVerdict(IAnsiConsole console, GateResult gate)
    {
        string head = gate.Passed ? "[green]PASSED[/]" : "[red]FAILED[/]";
        console.MarkupLine($"gate {head}: {Esc(gate.Summary)} (baseline {Esc(gate.BaselinePath)})");
        foreach (MetricConclusion c in gate.Failures) console.MarkupLine($"  [red]{Esc(c.Message)}[/]");
        foreach (MetricConclusion c in gate.Conclusions.Where(c => c.Verdict == Verdict.Improved)) console.MarkupLine($"  [green]{Esc(c.Message)}[/]");
    }

    private static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (string column in columns)
        {
            var tableColumn = new TableColumn(column);
            if (column is "value" or "baseline" or "delta" or "allowed" or "± stderr") tableColumn.RightAligned();
            table.AddColumn(tableColumn);
        }
        return table;
    }

    private static string Styled(Verdict v) => v switch
    {
        Verdict.Regressed => "[red]regressed[/]",
        Verdict.Improved => "[green]improved[/]",
        Verdict.Missing => "[yellow]missing[/]",
        Verdict.New => "[blue]new[/]",
        _ => "same",
    };

    /// <summary>suite, subject, name from a key (subjects may contain '/').</summary>
    internal static string[] SplitKey(string key)
    {
        int first = key.IndexOf('/'), last = key.LastIndexOf('/');
        return first < 0 || first == last ? [key, "", ""] : [key[..first], key[(first + 1)..last], key[(last + 1)..]];
    }

    private static string Esc(string s) => Markup.Escape(s);
}
