// ExporterSnapshotTests — every exporter's output for fixed runs (gated and records-only) against golden files under
// Exporters/Golden, under the invariant culture and a comma-decimal culture: the output must not change with the
// culture. IE_UPDATE_GOLDEN=1 rewrites the golden files (review the diff before committing).
using System.Globalization;
using System.Runtime.CompilerServices;
using InterpEval.Harness.Exporters;
using InterpEval.Harness.Results;

namespace InterpEval.Harness.Tests.Exporters;

[TestFixture]
public sealed class ExporterSnapshotTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (IExporter exporter in ExporterSet.All)
            foreach (string culture in new[] { "invariant", "comma-decimal" })
                foreach (string kind in new[] { "gated", "records" })
                    yield return new TestCaseData(exporter.Name, culture, kind).SetName($"{exporter.Name}_{kind}_{culture}");
    }

    [TestCaseSource(nameof(Cases))]
    public void Output_matches_the_golden_file(string exporterName, string culture, string kind)
    {
        IExporter exporter = ExporterSet.Select([exporterName]).Single();
        RunResult run = kind == "gated" ? SampleRuns.Gated() : SampleRuns.RecordsOnly();
        string actual = WithCulture(Culture(culture), () => ExporterSet.Render(exporter, run));
        string golden = Path.Combine(GoldenDirectory(), $"{exporterName}.{kind}.golden");
        if (Environment.GetEnvironmentVariable("IE_UPDATE_GOLDEN") == "1" && culture == "invariant") File.WriteAllText(golden, actual);
        Assert.That(File.Exists(golden), Is.True, $"no golden file {golden}: run with IE_UPDATE_GOLDEN=1 and review it");
        Assert.That(actual, Is.EqualTo(File.ReadAllText(golden)), $"{exporterName} output differs from {golden} under {culture}");
    }

    [Test]
    public void The_comma_culture_really_formats_with_a_comma()
    {
        string formatted = WithCulture(Culture("comma-decimal"), () => 1.5.ToString(CultureInfo.CurrentCulture));
        Assert.That(formatted, Is.EqualTo("1,5"));
    }

    [Test]
    public void Every_exporter_names_the_regressed_metric_of_a_gated_run()
    {
        RunResult run = SampleRuns.Gated();
        foreach (IExporter exporter in ExporterSet.All)
            Assert.That(ExporterSet.Render(exporter, run), Does.Contain(SampleRuns.RegressedKey), exporter.Name);
    }

    [Test]
    public void MsBuild_lines_are_canonical_errors_at_the_baseline_line()
    {
        string text = ExporterSet.Render(new MsBuildExporter(), SampleRuns.Gated());
        Assert.That(text, Does.StartWith("baselines/smoke.json(8): error IE0001: reconstruction/topk-resid2/fvu regressed: 0.1201 → 0.1523"));
        Assert.That(text, Does.Contain("baselines/smoke.json(38): error IE0002: sparsity/topk-resid2/dense_frac is missing"));
    }

    [Test]
    public void GitHub_annotation_properties_escape_commas_and_colons()
    {
        Assert.That(GitHubAnnotationsExporter.Property("a,b:c%"), Is.EqualTo("a%2Cb%3Ac%25"));
        Assert.That(GitHubAnnotationsExporter.Data("x\ny"), Is.EqualTo("x%0Ay"));
    }

    internal static CultureInfo Culture(string name)
    {
        if (name == "invariant") return CultureInfo.InvariantCulture;
        // The tool runs with invariant globalisation (no ICU), so de-DE is built by hand: its number separators.
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = ".";
        culture.NumberFormat.PercentDecimalSeparator = ",";
        culture.NumberFormat.CurrencyDecimalSeparator = ",";
        return culture;
    }

    internal static T WithCulture<T>(CultureInfo culture, Func<T> action)
    {
        CultureInfo saved = CultureInfo.CurrentCulture, savedUi = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            return action();
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
            CultureInfo.CurrentUICulture = savedUi;
        }
    }

    private static string GoldenDirectory([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Golden");
}
