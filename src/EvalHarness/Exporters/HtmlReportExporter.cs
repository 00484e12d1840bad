// HtmlReportExporter — report.html, one self-contained page: the verdict, the failures and improvements, one SVG bar
// chart per metric (subjects side by side, the baseline as a dashed mark, regressions in red) and the full table.
// Plots go through IPlotWriter. Feature dashboards (top activating contexts) are not part of this page yet.
using System.Net;
using System.Text;
using InterpEval.Harness.Gates;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Runs;
using InterpEval.Suites;

namespace InterpEval.Harness.Exporters;

public sealed class HtmlReportExporter(IPlotWriter? plots = null) : IExporter
{
    private readonly IPlotWriter _plots = plots ?? new SvgPlotWriter();

    public string Name => "html";
    public string FileName => "report.html";

    public void Export(RunResult run, TextWriter writer)
    {
        var html = new StringBuilder();
        RunInfo info = run.Info;
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        html.Append($"<title>interp-eval {E(info.Profile)} — {E(info.RunId)}</title>\n");
        html.Append("<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd}" +
                    "td.n{text-align:right;font-variant-numeric:tabular-nums}.regressed,.missing{color:#b00;font-weight:bold}.improved{color:#070}.plots{display:flex;flex-wrap:wrap;gap:8px}</style>\n");
        html.Append("</head><body>\n");
        html.Append($"<h1>interp-eval <code>{E(info.Profile)}</code>: {E(Headline(run))}</h1>\n");
        html.Append($"<p>Run <code>{E(info.RunId)}</code> · interp-eval {E(info.ToolVersion)} · commit <code>{E(info.GitCommit ?? "unknown")}</code> · " +
                    $"{info.Machine.ProcessorCount} cores ({E(info.Machine.Cpu ?? "unknown CPU")}), {info.Threads} threads, {E(info.Device)} · seed {info.Seed} · " +
                    $"{Numbers.Format(Math.Round(info.DurationSeconds, 1))} s</p>\n");
        if (run.Gate is { } gate) Conclusions(html, gate);
        Plots(html, run);
        Table(html, run);
        html.Append("</body></html>\n");
        writer.Write(html.ToString());
    }

    private static string Headline(RunResult run) => run.Gate switch
    {
        null => $"{run.Records.Count} metrics",
        { Passed: true } g => "passed (" + g.Summary + ")",
        { } g => "FAILED (" + g.Summary + ")",
    };

    private static void Conclusions(StringBuilder html, GateResult gate)
    {
        html.Append($"<p>Baseline <code>{E(gate.BaselinePath)}</code></p>\n");
        var failures = gate.Failures.ToList();
        var improved = gate.Conclusions.Where(c => c.Verdict == Verdict.Improved).ToList();
        if (failures.Count > 0)
            html.Append("<h2>Regressions</h2>\n<ul>\n" + string.Concat(failures.Select(c => $"<li class=\"{c.Verdict.Name()}\">{E(c.Message)}</li>\n")) + "</ul>\n");
        if (improved.Count > 0)
            html.Append("<h2>Improvements</h2>\n<ul>\n" + string.Concat(improved.Select(c => $"<li class=\"improved\">{E(c.Message)}</li>\n")) + "</ul>\n");
    }

    private void Plots(StringBuilder html, RunResult run)
    {
        html.Append("<h2>Metrics</h2>\n<div class=\"plots\">\n");
        foreach (IGrouping<(string Suite, string Name), MetricRecord> metric in run.Records.GroupBy(r => (r.Suite, r.Name)))
        {
            var bars = metric.Select(r =>
            {
                MetricConclusion? c = run.Gate?.For(r.Key);
                return new Bar(r.Subject, r.Value, c?.Baseline?.Value, c?.Verdict == Verdict.Regressed);
            }).ToList();
            string unit = metric.First().Unit;
            html.Append(_plots.BarChart(new BarChart($"{metric.Key.Suite} / {metric.Key.Name}", unit.Length > 0 ? unit : metric.Key.Name, bars)));
        }
        html.Append("</div>\n");
    }

    private static void Table(StringBuilder html, RunResult run)
    {
        html.Append("<h2>All metrics</h2>\n<table>\n<tr><th>suite</th><th>subject</th><th>metric</th><th>value</th><th>± stderr</th><th>unit</th><th>baseline</th><th>delta</th><th>z</th><th>verdict</th></tr>\n");
        IEnumerable<(string Key, MetricRecord? Record, MetricConclusion? Conclusion)> rows = run.Gate is { } gate
            ? gate.Conclusions.Select(c => (c.Key, c.Current, (MetricConclusion?)c))
            : run.Records.Select(r => (r.Key, (MetricRecord?)r, (MetricConclusion?)null));
        foreach ((string key, MetricRecord? r, MetricConclusion? c) in rows)
        {
            string[] p = ConsoleTableExporter.SplitKey(key);
            string verdict = c?.Verdict.Name() ?? "";
            html.Append($"<tr><td>{E(p[0])}</td><td>{E(p[1])}</td><td>{E(p[2])}</td><td class=\"n\">{(r is null ? "" : Numbers.Format(r.Value))}</td>" +
                        $"<td class=\"n\">{Numbers.Format(r?.Stderr)}</td><td>{E(r?.Unit ?? "")}</td><td class=\"n\">{(c?.Baseline is { } b ? Numbers.Format(b.Value) : "")}</td>" +
                        $"<td class=\"n\">{(c?.Delta is { } d ? Numbers.Signed(d) : "")}</td><td class=\"n\">{c?.ZText ?? ""}</td><td class=\"{verdict}\">{verdict}</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
