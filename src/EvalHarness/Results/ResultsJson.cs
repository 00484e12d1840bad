// ResultsJson — reads a results.json written by JsonResultsExporter back into a records-only RunResult (compare and
// history need the records and the run facts, not the verdicts). Every fault is one line naming the file.
using System.Globalization;
using System.Text.Json;
using InterpEval.Suites;

namespace InterpEval.Harness.Results;

public static class ResultsJson
{
    /// <summary>The results.json layout this tool writes (JsonResultsExporter) and reads.</summary>
    public const int SchemaVersion = 1;

    public static RunResult Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: results file not found", path);
        return Parse(File.ReadAllText(path), path);
    }

    public static RunResult Parse(string text, string source)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(text);
            JsonElement root = doc.RootElement;
            int schema = root.GetProperty("schema_version").GetInt32();
            if (schema != SchemaVersion)
                throw new InvalidDataException($"{source}: schema_version is {schema} — this tool reads {SchemaVersion}");
            JsonElement machine = root.GetProperty("machine");
            var info = new RunInfo(
                root.GetProperty("run_id").GetString()!, root.GetProperty("tool").GetProperty("version").GetString()!,
                root.GetProperty("git_commit").ValueKind == JsonValueKind.String ? root.GetProperty("git_commit").GetString() : null,
                new MachineInfo(machine.GetProperty("processor_count").GetInt32(), machine.GetProperty("os").GetString()!,
                    machine.GetProperty("cpu").ValueKind == JsonValueKind.String ? machine.GetProperty("cpu").GetString() : null),
                root.GetProperty("profile").GetString()!,
                DateTimeOffset.Parse(root.GetProperty("started_utc").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                Number(root.GetProperty("duration_s")), root.GetProperty("seed").GetUInt64(), root.GetProperty("device").GetString()!,
                root.GetProperty("threads").GetInt32());
            var records = root.GetProperty("records").EnumerateArray().Select(Record).ToList();
            if (records.GroupBy(r => r.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new InvalidDataException($"{source}: records hold '{twice.Key}' {twice.Count()} times — expected each metric once");
            return new RunResult(info, root.GetProperty("config").Clone(), records, null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: not a results.json of this tool ({e.Message.Split('\n')[0]})");
        }
    }

    private static MetricRecord Record(JsonElement r)
    {
        string directionName = r.GetProperty("direction").GetString()!;
        if (!MetricDirections.TryParse(directionName, out MetricDirection direction)) throw new FormatException($"direction '{directionName}'");
        double? stderr = r.GetProperty("stderr").ValueKind == JsonValueKind.Null ? null : Number(r.GetProperty("stderr"));
        return new MetricRecord(r.GetProperty("suite").GetString()!, r.GetProperty("subject").GetString()!, r.GetProperty("name").GetString()!,
            Number(r.GetProperty("value")), r.GetProperty("unit").GetString()!, direction, stderr);
    }

    /// <summary>A JSON number, or one of the strings NaN / Infinity / -Infinity the exporter writes for non-finite values.</summary>
    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture)
        : e.GetDouble();
}
