// SweepCharts — the sweep's plots as Charts (drawn by ChartRenderer): loss vs compute with each variant's fitted
// frontier and its 95 % band, L0 vs FVE and L0 vs CE-loss-recovered with each variant's Pareto front, dead fraction vs
// width, feature-density histograms per width, and the share of novel latents per width pair. One colour per width
// where widths are the series, one per variant elsewhere. Points of several seeds are shown individually.
using System.Globalization;
using InterpEval.Harness.Plots;
using InterpEval.Suites.Scaling;

namespace InterpEval.Harness.Sweeps;

public static class SweepCharts
{
    private static string W(int width) => "width " + width.ToString(CultureInfo.InvariantCulture);

    public static IReadOnlyList<(string Name, Chart Chart)> All(IReadOnlyList<SweepPointResult> points, IReadOnlyList<ArchitectureScaling> fits,
        IReadOnlyList<SplittingPair> splitting)
    {
        var charts = new List<(string, Chart)> { ("loss_vs_compute", LossVsCompute(points, fits)), ("l0_vs_fve", Pareto(points, "fve", "FVE (fraction of variance explained)")) };
        if (points.Any(p => p.Metrics.ContainsKey("ce_loss_recovered")))
            charts.Add(("l0_vs_ce_loss_recovered", Pareto(points, "ce_loss_recovered", "CE loss recovered (fraction)")));
        charts.Add(("dead_vs_width", DeadVsWidth(points)));
        charts.Add(("density_by_width", Densities(points)));
        if (splitting.Count > 0) charts.Add(("feature_splitting", Splitting(splitting)));
        return charts;
    }

    public static Chart LossVsCompute(IReadOnlyList<SweepPointResult> points, IReadOnlyList<ArchitectureScaling> fits)
    {
        var series = new List<ChartSeries>();
        var bands = new List<ChartBand>();
        foreach (var byWidth in points.Where(p => p.Metrics.ContainsKey("fvu")).GroupBy(p => p.Point.Width).OrderBy(g => g.Key))
            series.Add(new ChartSeries(W(byWidth.Key), byWidth.Select(p => (p.Flops, p.Metrics["fvu"])).ToList(), SeriesStyle.Markers, Group: W(byWidth.Key)));
        foreach (var a in fits)
        {
            series.Add(new ChartSeries($"{a.Architecture} compute-optimal", a.Frontier.Select(p => (p.Flops, p.Loss)).ToList(), SeriesStyle.HollowMarkers, Group: "fit " + a.Architecture));
            if (a.Law(ScalingFits.LossVsCompute).Estimate is not { } e) continue;
            double lo = Math.Log10(a.Frontier.Min(p => p.Flops)), hi = Math.Log10(a.Frontier.Max(p => p.Flops));
            var xs = Enumerable.Range(0, 41).Select(i => Math.Pow(10, lo + (hi - lo) * i / 40.0)).ToList();
            string label = string.Create(CultureInfo.InvariantCulture, $"{a.Architecture}: L = {e.Fit.A:G3}·C^−{e.Fit.B:G3} + {e.Fit.C:G3}");
            series.Add(new ChartSeries(label, xs.Select(x => (x, e.Fit.Predict(x))).ToList(), SeriesStyle.DashedLine, Group: "fit " + a.Architecture));
            bands.Add(new ChartBand($"{a.Architecture} 95 % band", xs.Select(x => { var i = e.IntervalOf(l => l.Predict(x)); return (x, i.Lo, i.Hi); }).ToList(),
                Group: "fit " + a.Architecture));
        }
        return new Chart("Loss vs training compute", new ChartAxis("training compute (FLOPs)", Log: true), new ChartAxis("FVU (fraction of variance unexplained)", Log: true),
            series, bands);
    }

    /// <summary>Every point of each variant, and the line through its Pareto front (highest metric for at most that L0).</summary>
    public static Chart Pareto(IReadOnlyList<SweepPointResult> points, string metric, string label)
    {
        var series = new List<ChartSeries>();
        foreach (var v in points.Where(p => p.Metrics.ContainsKey("l0") && p.Metrics.ContainsKey(metric)).GroupBy(p => SweepOutputs.Variant(p.Point)))
        {
            var pts = v.Select(p => (X: p.Metrics["l0"], Y: p.Metrics[metric])).OrderBy(p => p.X).ThenByDescending(p => p.Y).ToList();
            var front = new List<(double, double)>();
            double best = double.NegativeInfinity;
            foreach (var p in pts) if (p.Y > best) { front.Add(p); best = p.Y; }
            series.Add(new ChartSeries(v.Key, pts, SeriesStyle.Markers, Group: v.Key));
            series.Add(new ChartSeries($"{v.Key} Pareto front", front, SeriesStyle.Line, Group: v.Key));
        }
        return new Chart($"L0 vs {metric}", new ChartAxis("L0 (active latents per token)", Log: true), new ChartAxis(label), series);
    }

    public static Chart DeadVsWidth(IReadOnlyList<SweepPointResult> points)
    {
        long maxTokens = points.Max(p => p.Point.Tokens);
        var series = points.Where(p => p.Point.Tokens == maxTokens && p.Metrics.ContainsKey("dead_frac")).GroupBy(p => SweepOutputs.Variant(p.Point))
            .Select(v => new ChartSeries(v.Key, v.GroupBy(p => p.Point.Width).OrderBy(g => g.Key).Select(g => ((double)g.Key, g.Average(p => p.Metrics["dead_frac"]))).ToList(),
                SeriesStyle.LineAndMarkers)).ToList();
        return new Chart($"Dead latents vs width ({maxTokens} training tokens)", new ChartAxis("width (latents)", Log: true), new ChartAxis("dead fraction (of latents)"), series);
    }

    /// <summary>Step outlines of each width's log10-density histogram (first variant and seed, largest budget).</summary>
    public static Chart Densities(IReadOnlyList<SweepPointResult> points)
    {
        long maxTokens = points.Max(p => p.Point.Tokens);
        string first = SweepOutputs.Variant(points[0].Point);
        var series = new List<ChartSeries>();
        foreach (var p in points.Where(p => p.Point.Tokens == maxTokens && p.Point.Seed == 0 && SweepOutputs.Variant(p.Point) == first).OrderBy(p => p.Point.Width))
        {
            var h = p.Histogram;
            if (h.Counts.Length == 0) continue;
            var steps = new List<(double, double)>();
            for (int i = 0; i < h.Counts.Length; i++) { steps.Add((h.Edges[i], h.Counts[i])); steps.Add((h.Edges[i + 1], h.Counts[i])); }
            series.Add(new ChartSeries(W(p.Point.Width), steps, SeriesStyle.Line, Group: W(p.Point.Width)));
        }
        return new Chart($"Feature density by width ({first}, {maxTokens} tokens)", new ChartAxis("log10 feature density (fraction of tokens a latent fires on)"),
            new ChartAxis("latents"), series);
    }

    public static Chart Splitting(IReadOnlyList<SplittingPair> pairs)
    {
        var series = pairs.GroupBy(p => p.Architecture).Select(g => new ChartSeries(g.Key,
            g.OrderBy(p => p.LargeWidth).Select(p => ((double)p.LargeWidth, p.NovelShare)).ToList(), SeriesStyle.LineAndMarkers)).ToList();
        return new Chart(string.Create(CultureInfo.InvariantCulture, $"Novel latents per width pair (max decoder cosine to the next smaller < {SweepOutputs.NovelCosine})"),
            new ChartAxis("width of the larger dictionary (latents)", Log: true), new ChartAxis("novel share (of the larger's latents)"), series);
    }
}
