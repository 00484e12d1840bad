// SweepReport — the sweep's section of the HTML report, as one self-contained page (OUT/report.html) or as a section
// of the run's report.html (Section, when the profile ran a sweep): the grid and
// where the time went, each variant's laws with 95 % intervals and goodness of fit, the compute-optimal width at the
// largest compute, and every sweep plot inline as SVG. Formatting only: the numbers come from ScalingFits.
using System.Globalization;
using System.Net;
using System.Text;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Tool;
using InterpEval.Suites.Scaling;

namespace InterpEval.Harness.Sweeps;

public static class SweepReport
{
    public static string Html(SweepRequest request, IReadOnlyList<SweepPointResult> points, SweepTiming timing, IReadOnlyList<ArchitectureScaling> fits,
        IReadOnlyList<(string Name, Chart Chart)> charts, ChartRenderer renderer)
    {
        var html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>interp-eval sweep</title>\n");
        html.Append("<style>body{font-family:sans-serif;margin:2em;max-width:1300px}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd}" +
                    "td.n{text-align:right;font-variant-numeric:tabular-nums}.plots{display:flex;flex-wrap:wrap;gap:8px}</style>\n</head><body>\n");
        html.Append("<h1>Sweep: widths × token budgets</h1>\n");
        Body(html, request, points, timing, fits, charts, renderer, "h2");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>The sweep as a section of another page (the run's report.html), headed by an h2, its plots inline.</summary>
    public static string Section(SweepOutcome o, ChartRenderer renderer)
    {
        var html = new StringBuilder("<section id=\"sweep\">\n<h2>Sweep: widths × token budgets</h2>\n");
        Body(html, o.Request, o.Points, o.Timing, o.Fits, o.Charts, renderer, "h3");
        html.Append("</section>\n");
        return html.ToString();
    }

    private static void Body(StringBuilder html, SweepRequest request, IReadOnlyList<SweepPointResult> points, SweepTiming timing,
        IReadOnlyList<ArchitectureScaling> fits, IReadOnlyList<(string Name, Chart Chart)> charts, ChartRenderer renderer, string h)
    {
        string F(double v) => Numbers.Format(v);
        string E(string s) => WebUtility.HtmlEncode(s);
        html.Append(string.Create(CultureInfo.InvariantCulture,
            $"<p>{points.Count} points: widths {E(string.Join(", ", request.Widths))}; tokens {E(string.Join(", ", request.Tokens))}; {E(string.Join(", ", request.Architectures))}; " +
            $"{request.Seeds} seed(s). This invocation: harvest {timing.Harvest:F1} s, training {timing.Training:F1} s, evaluation {timing.Evaluation:F1} s. Loss = FVU.</p>\n"));
        html.Append($"<{h}>Scaling laws (y = a·x^−b + c, Huber log loss, bootstrap 95 % intervals)</{h}>\n<table>\n<tr><th>variant</th><th>law</th><th>points</th><th>a</th><th>b</th><th>c</th><th>R² (log)</th></tr>\n");
        foreach (var a in fits)
            foreach (var law in a.Laws)
            {
                html.Append($"<tr><td>{E(a.Architecture)}</td><td>{E(law.Name)}</td><td class=\"n\">{law.Points.Count}</td>");
                if (law.Estimate is not { } e) { html.Append($"<td colspan=\"4\">not fitted: {E(law.Missing ?? "")}</td></tr>\n"); continue; }
                string P(double v, Interval i) => $"<td class=\"n\">{F(v)} [{F(i.Lo)}, {F(i.Hi)}]</td>";
                html.Append(P(e.Fit.A, e.A) + P(e.Fit.B, e.B) + P(e.Fit.C, e.C) + $"<td class=\"n\">{F(e.Fit.R2Log)}</td></tr>\n");
            }
        html.Append("</table>\n");
        foreach (var a in fits)
            if (SweepOutputs.OptimalWidthAt(a) is { } opt)
                html.Append($"<p>{E(a.Architecture)}: compute-optimal width at {F(opt.Flops)} FLOPs ≈ {F(opt.Width)} latents (95 % [{F(opt.Ci.Lo)}, {F(opt.Ci.Hi)}]).</p>\n");
        html.Append($"<{h}>Plots</{h}>\n<div class=\"plots\">\n");
        foreach ((_, Chart chart) in charts) html.Append(renderer.Svg(chart));
        html.Append("</div>\n");
    }
}
