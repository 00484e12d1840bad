// HtmlReportChartTests — the report's L0 vs FVE scatter: one point per subject that has both metrics (subjects missing
// one are left out), baseline values as hollow markers when gated, and no chart when no subject has both.
using InterpEval.Harness.Exporters;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Results;
using InterpEval.Suites;

namespace InterpEval.Harness.Tests.Exporters;

public class HtmlReportChartTests
{
    [Test]
    public void OnePointPerSubjectWithBothMetrics()
    {
        var records = new List<MetricRecord>
        {
            new("sparsity", "a", "l0", 16, "latents/token", MetricDirection.None), new("reconstruction", "a", "fve", 0.8, "fraction", MetricDirection.Higher),
            new("sparsity", "b", "l0", 32, "latents/token", MetricDirection.None), new("reconstruction", "b", "fve", 0.9, "fraction", MetricDirection.Higher),
            new("sparsity", "c", "l0", 8, "latents/token", MetricDirection.None),
        };
        Chart chart = HtmlReportExporter.L0VersusFve(RunResult.RecordsOnly(SampleRuns.Info, records))!;
        Assert.That(chart.Series.Select(s => s.Name), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(chart.Series[1].Points, Is.EqualTo(new[] { (32.0, 0.9) }));
        Assert.That(chart.X.Log, Is.True);
        var html = new StringWriter();
        new HtmlReportExporter().Export(RunResult.RecordsOnly(SampleRuns.Info, records), html);
        Assert.That(html.ToString(), Does.Contain("<h2>Sparsity vs fidelity</h2>").And.Contain("<svg"));
    }

    [Test]
    public void NoChartWithoutBothMetrics() =>
        Assert.That(HtmlReportExporter.L0VersusFve(SampleRuns.RecordsOnly()), Is.Null);
}
