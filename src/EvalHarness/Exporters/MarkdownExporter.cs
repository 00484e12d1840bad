// MarkdownExporter — summary.md, written to be pasted as a pull-request comment: the verdict and counts first, then
// the regressions and improvements as short lists, then every metric in a collapsed table. Invariant numbers.
using System.Text;
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Gates;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using InterpEval.Suites;

namespace InterpEval.Harness.Exporters;

public sealed class MarkdownExporter : IExporter
{
    public string Name => "markdown";
    public string FileName => "summary.md";

    public void Export(RunResult run, TextWriter writer)
    {
        RunInfo info = run.Info;
        writer.Write($"## interp-eval `{info.Profile}`: {Headline(run)}\n\n");
        writer.Write($"Run `{info.RunId}` · interp-eval {info.ToolVersion} · commit `{info.GitCommit ?? "unknown"}` · " +
                     $"{info.Machine.ProcessorCount} cores, {info.Threads} threads, {info.Device} · seed {info.Seed} · {Numbers.Format(Math.Round(info.DurationSeconds, 1))} s\n\n");
        if (run.Gate is { } gate) WriteGated(writer, gate);
        else WriteRecords(writer, run.Records);
    }

    private static string Headline(RunResult run) => run.Gate switch
    {
        null => $"{run.Records.Count} metrics (no baseline compared)",
        { Passed: true } g => $"passed ✅ ({g.Summary})",
        { } g => $"**failed** ❌ ({g.Summary})",
    };

    private static void WriteGated(TextWriter writer, GateResult gate)
    {
        writer.Write($"Baseline: `{gate.BaselinePath}`\n\n");
        WriteList(writer, "Regressions", gate.Failures.ToList());
        WriteList(writer, "Improvements", gate.Conclusions.Where(c => c.Verdict == Gates.Verdict.Improved).ToList());
        writer.Write("<details><summary>All metrics</summary>\n\n");
        writer.Write("| suite | subject | metric | value | baseline | delta | z | verdict |\n");
        writer.Write("| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n");
        foreach (MetricConclusion c in gate.Conclusions)
        {
            string[] p = ConsoleTableExporter.SplitKey(c.Key);
            writer.Write($"| {Cell(p[0])} | {Cell(p[1])} | {Cell(p[2])} | {(c.Current is { } r ? Numbers.Format(r.Value) : "")} | " +
                         $"{(c.Baseline is { } b ? Numbers.Format(b.Value) : "")} | {(c.Delta is { } d ? Numbers.Signed(d) : "")} | {c.ZText} | {VerdictCell(c.Verdict)} |\n");
        }
        writer.Write("\n</details>\n");
    }

    private static void WriteList(TextWriter writer, string title, IReadOnlyList<MetricConclusion> items)
    {
        if (items.Count == 0) return;
        writer.Write($"### {title}\n\n");
        foreach (MetricConclusion c in items) writer.Write($"- {Cell(c.Message)}\n");
        writer.Write('\n');
    }

    private static void WriteRecords(TextWriter writer, IReadOnlyList<MetricRecord> records)
    {
        writer.Write("| suite | subject | metric | value | ± stderr | unit |\n| --- | --- | --- | ---: | ---: | --- |\n");
        foreach (MetricRecord r in records)
            writer.Write($"| {Cell(r.Suite)} | {Cell(r.Subject)} | {Cell(r.Name)} | {Numbers.Format(r.Value)} | {Numbers.Format(r.Stderr)} | {Cell(r.Unit)} |\n");
    }

    private static string VerdictCell(Verdict v) => v switch
    {
        Gates.Verdict.Regressed => "**regressed**",
        Gates.Verdict.Improved => "improved",
        _ => v.Name(),
    };

    /// <summary>Escapes what would break a table cell or start markup.</summary>
    private static string Cell(string s)
    {
        var b = new StringBuilder(s.Length);
        foreach (char ch in s)
        {
            if (ch is '|' or '*' or '_' or '`' or '<' or '>' or '[' or ']') b.Append('\\');
            b.Append(ch == '\n' ? ' ' : ch);
        }
        return b.ToString();
    }
}
