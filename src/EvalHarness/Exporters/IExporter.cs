// IExporter — formats a finished run (records, and verdicts when gated) into one output format. Exporters only format:
// they never measure, judge or decide exit codes. Every number goes out culture-invariant.
using InterpEval.Harness.Results;

namespace InterpEval.Harness.Exporters;

public interface IExporter
{
    /// <summary>Stable name used by --export and the config's "exporters" list (console, json, csv, …).</summary>
    string Name { get; }

    /// <summary>The file it writes in the output directory (results.json, …).</summary>
    string FileName { get; }

    /// <summary>Writes the run in this format.</summary>
    void Export(RunResult run, TextWriter writer);
}
