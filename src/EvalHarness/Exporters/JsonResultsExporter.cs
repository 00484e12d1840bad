// JsonResultsExporter — results.json, the machine-readable record of a run (schema in docs/harness.md): schema version,
// tool version, git commit, machine, run facts, the effective config, every record and, when gated, every verdict.
// Numbers round-trip; NaN and infinities are written as the strings "NaN", "Infinity", "-Infinity". ResultsJson reads it back.
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using InterpEval.Harness.Gates;
using InterpEval.Harness.Results;
using InterpEval.Suites;

namespace InterpEval.Harness.Exporters;

public sealed class JsonResultsExporter : IExporter
{
    public const int SchemaVersion = ResultsJson.SchemaVersion;

    public string Name => "json";
    public string FileName => "results.json";

    public void Export(RunResult run, TextWriter writer)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("schema_version", SchemaVersion);
            WriteInfo(w, run.Info);
            w.WritePropertyName("config");
            run.Config.WriteTo(w);
            w.WriteStartArray("records");
            foreach (MetricRecord r in run.Records) WriteRecord(w, r);
            w.WriteEndArray();
            if (run.Gate is { } gate) WriteGate(w, gate); else w.WriteNull("gate");
            w.WriteEndObject();
        }
        writer.Write(Encoding.UTF8.GetString(stream.ToArray()));
        writer.Write('\n');
    }

    private static void WriteInfo(Utf8JsonWriter w, RunInfo info)
    {
        w.WriteString("run_id", info.RunId);
        w.WriteStartObject("tool");
        w.WriteString("name", "interp-eval");
        w.WriteString("version", info.ToolVersion);
        w.WriteEndObject();
        if (info.GitCommit is null) w.WriteNull("git_commit"); else w.WriteString("git_commit", info.GitCommit);
        w.WriteStartObject("machine");
        w.WriteNumber("processor_count", info.Machine.ProcessorCount);
        w.WriteString("os", info.Machine.Os);
        if (info.Machine.Cpu is null) w.WriteNull("cpu"); else w.WriteString("cpu", info.Machine.Cpu);
        w.WriteEndObject();
        w.WriteString("profile", info.Profile);
        w.WriteString("started_utc", info.StartedUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        WriteNumber(w, "duration_s", Math.Round(info.DurationSeconds, 3));
        w.WriteNumber("seed", info.Seed);
        w.WriteString("device", info.Device);
        w.WriteNumber("threads", info.Threads);
    }

    private static void WriteRecord(Utf8JsonWriter w, MetricRecord r)
    {
        w.WriteStartObject();
        w.WriteString("key", r.Key);
        w.WriteString("suite", r.Suite);
        w.WriteString("subject", r.Subject);
        w.WriteString("name", r.Name);
        WriteNumber(w, "value", r.Value);
        w.WriteString("unit", r.Unit);
        w.WriteString("direction", r.Direction.Name());
        if (r.Stderr is { } se) WriteNumber(w, "stderr", se); else w.WriteNull("stderr");
        w.WriteEndObject();
    }

    private static void WriteGate(Utf8JsonWriter w, GateResult gate)
    {
        w.WriteStartObject("gate");
        w.WriteString("baseline", gate.BaselinePath);
        w.WriteBoolean("passed", gate.Passed);
        w.WriteBoolean("fail_on_missing", gate.FailOnMissing);
        w.WriteStartObject("counts");
        foreach (Verdict v in Enum.GetValues<Verdict>()) w.WriteNumber(v.Name(), gate.Count(v));
        w.WriteEndObject();
        w.WriteStartArray("verdicts");
        foreach (MetricConclusion c in gate.Conclusions) WriteConclusion(w, c);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteConclusion(Utf8JsonWriter w, MetricConclusion c)
    {
        w.WriteStartObject();
        w.WriteString("key", c.Key);
        w.WriteString("verdict", c.Verdict.Name());
        if (c.Current is { } r) WriteNumber(w, "value", r.Value); else w.WriteNull("value");
        if (c.Baseline is { } b) WriteNumber(w, "baseline", b.Value); else w.WriteNull("baseline");
        if (c.Delta is { } d) WriteNumber(w, "delta", d); else w.WriteNull("delta");
        WriteNumber(w, "allowed", c.Allowed);
        if (c.Z is { } z) WriteNumber(w, "z", z); else w.WriteNull("z");
        w.WriteString("direction", c.Direction.Name());
        w.WriteString("message", c.Message);
        w.WriteEndObject();
    }

    /// <summary>A number that round-trips, or its name as a string when it is not finite (JSON has no NaN).</summary>
    internal static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }
}
