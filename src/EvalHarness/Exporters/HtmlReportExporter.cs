// HtmlReportExporter — report.html, one self-contained page: the verdict, the failures and improvements, a scatter of
// L0 vs fve across subjects (the sparsity–fidelity trade-off the subjects sit on; baseline values as hollow markers
// when gated), the sections a run's extension made (the sweep's laws and plots) as given, and the full table. Plots are inline SVG
// drawn by ChartRenderer. Feature dashboards (top activating contexts) are not part of this page yet.
using System.Net;
using System.Text;
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Gates;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using InterpEval.Suites;

namespace InterpEval.Harness.Exporters;

public sealed class HtmlReportExporter(ChartRenderer? plots = null) : IExporter
{
    private readonly ChartRenderer _plots = plots ?? new ChartRenderer(560, 380);

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
        foreach (ReportSection section in run.Sections) html.Append(section.Html);
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
        if (L0VersusFve(run) is not { } chart) return;
        html.Append("<h2>Sparsity vs fidelity</h2>\n<div class=\"plots\">\n");
        html.Append(_plots.Svg(chart));
        html.Append("</div>\n");
    }

    /// <summary>One point per subject with both reconstruction/fve and sparsity/l0 (and its baseline, hollow); null when none has both.</summary>
    public static Chart? L0VersusFve(RunResult run)
    {
        var bySubject = run.Records.GroupBy(r => r.Subject);
        var series = new List<ChartSeries>();
        foreach (IGrouping<string, MetricRecord> subject in bySubject)
        {
            MetricRecord? l0 = subject.FirstOrDefault(r => r.Suite == SparsitySuite.SuiteName && r.Name == "l0");
            MetricRecord? fve = subject.FirstOrDefault(r => r.Suite == ReconstructionSuite.SuiteName && r.Name == "fve");
            if (l0 is null || fve is null) continue;
            series.Add(new ChartSeries(subject.Key, [(l0.Value, fve.Value)], SeriesStyle.Markers));
            if (run.Gate?.For(l0.Key)?.Baseline?.Value is { } bl && run.Gate?.For(fve.Key)?.Baseline?.Value is { } bf)
                series.Add(new ChartSeries("", [(bl, bf)], SeriesStyle.HollowMarkers, Group: subject.Key));
        }
        if (series.Count == 0) return null;
        string title = run.Gate is null ? "L0 vs FVE by subject" : "L0 vs FVE by subject (hollow: baseline)";
        return new Chart(title, new ChartAxis("L0 (active latents per token)", Log: true), new ChartAxis("FVE (fraction of variance explained)"), series);
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
