// ExporterSet — the exporters by name (static presets, BenchmarkDotNet style) and the step that writes a run to an
// output directory, each file atomically (temp + rename) so an interrupted export never leaves half a file.
using InterpEval.Harness.Results;
using InterpEval.Interp.IO;

namespace InterpEval.Harness.Exporters;

public static class ExporterSet
{
    /// <summary>Every exporter, in the order they write.</summary>
    public static IReadOnlyList<IExporter> All { get; } =
    [
        new ConsoleTableExporter(),
        new JsonResultsExporter(),
        new CsvExporter(),
        new MarkdownExporter(),
        new JUnitExporter(),
        new MsBuildExporter(),
        new GitHubAnnotationsExporter(),
        new HtmlReportExporter(),
    ];

    public static IReadOnlyList<string> Names => All.Select(e => e.Name).ToList();

    /// <summary>The exporters with the given names, in registry order; an unknown name is a usage error (ArgumentException).</summary>
    public static IReadOnlyList<IExporter> Select(IEnumerable<string> names)
    {
        var wanted = new HashSet<string>(names, StringComparer.Ordinal);
        foreach (string name in wanted)
            if (!All.Any(e => e.Name == name))
                throw new ArgumentException($"unknown exporter '{name}' — expected one of {string.Join(", ", Names)}");
        return All.Where(e => wanted.Contains(e.Name)).ToList();
    }

    /// <summary>Writes each exporter's file under directory (created when missing); returns the paths written.</summary>
    public static IReadOnlyList<string> WriteAll(RunResult run, string directory, IEnumerable<IExporter> exporters, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (IExporter exporter in exporters)
        {
            cancellation.ThrowIfCancellationRequested();
            string path = Path.Combine(directory, exporter.FileName);
            AtomicFile.WriteAllText(path, Render(exporter, run));
            written.Add(path);
        }
        return written;
    }

    /// <summary>The exporter's output as a string ("\n" line ends on every platform).</summary>
    public static string Render(IExporter exporter, RunResult run)
    {
        var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
        exporter.Export(run, writer);
        return writer.ToString();
    }
}
