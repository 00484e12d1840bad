// BaselineFile — reads and writes baselines/<profile>.json (schema in docs/harness.md): every fault on read is one
// line naming the file and the field (InvalidDataException → exit 2); writing goes through a temp file and a rename
// so an interrupted update leaves the previous file intact. It does not decide when to write (the runner does).
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using InterpEval.Interp.IO;
using InterpEval.Suites;

namespace InterpEval.Harness.Baselines;

public static class BaselineFile
{
    /// <summary>The schema this tool writes: 2 adds each entry's optional "calibration" object to version 1.</summary>
    public const int SchemaVersion = 2;

    /// <summary>Reads a baseline; a missing file is FileNotFoundException, a malformed one InvalidDataException.</summary>
    public static Baseline Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: baseline file not found (create it with 'interp-eval run --update-baselines')", path);
        string text = File.ReadAllText(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {e.LineNumber + 1}: {ErrorLine(e.Message)})");
        }
        using (document) return Parse(path, text, document.RootElement);
    }

    private static Baseline Parse(string path, string text, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: expected a JSON object at the top");
        int schema = RequireInt(path, root, "schema_version");
        if (schema is < 1 or > SchemaVersion) throw new InvalidDataException($"{path}: schema_version is {schema} — this tool reads 1 to {SchemaVersion}");
        if (!root.TryGetProperty("metrics", out JsonElement metrics) || metrics.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: 'metrics' is missing or not an object");
        int[] lineStarts = LineStarts(text);
        var entries = new Dictionary<string, BaselineEntry>(StringComparer.Ordinal);
        foreach (JsonProperty metric in metrics.EnumerateObject())
            entries[metric.Name] = ParseEntry(path, metric, LineOf(text, lineStarts, metric.Name));
        return new Baseline(path, OptionalString(root, "profile") ?? "", OptionalString(root, "tool_version") ?? "",
            OptionalString(root, "git_commit"), ParseTime(path, root), entries);
    }

    private static BaselineEntry ParseEntry(string path, JsonProperty metric, int line)
    {
        string where = $"{path}: metrics[\"{metric.Name}\"]";
        if (metric.Name.Count(c => c == '/') < 2) throw new InvalidDataException($"{where}: key is not suite/subject/name");
        JsonElement e = metric.Value;
        if (e.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: expected an object");
        double value = RequireNumber(where, e, "value");
        if (!double.IsFinite(value)) throw new InvalidDataException($"{where}: value is {value} — a baseline needs a finite value to gate on");
        string directionName = OptionalString(e, "direction") ?? throw new InvalidDataException($"{where}: 'direction' is missing");
        if (!MetricDirections.TryParse(directionName, out MetricDirection direction))
            throw new InvalidDataException($"{where}: direction is '{directionName}' — expected higher, lower or none");
        if (!double.IsFinite(value)) throw new InvalidDataException($"{where}: value is {value} — a baseline stores finite numbers");
        Tolerance tolerance = ParseTolerance(where, e);
        return new BaselineEntry(metric.Name, value, direction, tolerance, OptionalString(e, "unit") ?? "", line, ParseCalibration(where, e));
    }

    private static Calibration? ParseCalibration(string where, JsonElement e)
    {
        if (!e.TryGetProperty("calibration", out JsonElement c) || c.ValueKind == JsonValueKind.Null) return null;
        where += ".calibration";
        if (c.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: expected an object");
        int runs = RequireInt(where, c, "runs");
        if (runs < 2) throw new InvalidDataException($"{where}: runs is {runs} — a spread needs at least 2");
        double NonNegative(string name)
        {
            double v = RequireNumber(where, c, name);
            if (!double.IsFinite(v) || v < 0) throw new InvalidDataException($"{where}: {name} is {v} — expected a finite number ≥ 0");
            return v;
        }
        double sigma = NonNegative("sigma"), multiplier = NonNegative("multiplier");
        if (sigma <= 0) throw new InvalidDataException($"{where}: sigma is 0 — expected a positive spread");
        int family = RequireInt(where, c, "family_size");
        string method = OptionalString(c, "method") ?? Calibration.SeedsMethod;
        if (method is not (Calibration.SeedsMethod or Calibration.BootstrapMethod)) throw new InvalidDataException($"{where}: method is '{method}' — expected seeds or bootstrap");
        double[]? ci = null;
        if (c.TryGetProperty("ci95", out JsonElement interval) && interval.ValueKind != JsonValueKind.Null)
        {
            if (interval.ValueKind != JsonValueKind.Array || interval.GetArrayLength() != 2 || interval.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
                throw new InvalidDataException($"{where}: ci95 must be [lo, hi]");
            ci = [.. interval.EnumerateArray().Select(v => v.GetDouble())];
        }
        return new Calibration(runs, NonNegative("seed_sd"), NonNegative("batch_stderr"), NonNegative("resolution"), sigma, multiplier,
            family, NonNegative("family_alpha")) { Method = method, Ci95 = ci };
    }

    private static Tolerance ParseTolerance(string where, JsonElement e)
    {
        if (!e.TryGetProperty("tolerance", out JsonElement t) || t.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{where}: 'tolerance' is missing or not an object (give abs and/or rel)");
        double? abs = t.TryGetProperty("abs", out _) ? RequireNumber(where + ".tolerance", t, "abs") : null;
        double? rel = t.TryGetProperty("rel", out _) ? RequireNumber(where + ".tolerance", t, "rel") : null;
        return new Tolerance(abs, rel).EnsureValid(where);
    }

    /// <summary>Writes the baseline atomically: the old file survives any failure before the final rename.</summary>
    public static void Write(Baseline baseline, Action<string>? beforeRename = null)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(baseline.Path));
        if (directory is not null) Directory.CreateDirectory(directory);
        byte[] bytes = Encoding.UTF8.GetBytes(ToJson(baseline));
        AtomicFile.Write(baseline.Path, temp =>
        {
            File.WriteAllBytes(temp, bytes);
            beforeRename?.Invoke(temp);
        });
    }

    /// <summary>The file's text: keys sorted, numbers round-trip, one metric per line group.</summary>
    public static string ToJson(Baseline baseline)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("schema_version", SchemaVersion);
            w.WriteString("profile", baseline.Profile);
            w.WriteString("tool_version", baseline.ToolVersion);
            if (baseline.GitCommit is null) w.WriteNull("git_commit"); else w.WriteString("git_commit", baseline.GitCommit);
            w.WriteString("created_utc", baseline.CreatedUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteStartObject("metrics");
            foreach (BaselineEntry entry in baseline.Entries.Values.OrderBy(x => x.Key, StringComparer.Ordinal)) WriteEntry(w, entry);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteEntry(Utf8JsonWriter w, BaselineEntry entry)
    {
        w.WriteStartObject(entry.Key);
        w.WriteNumber("value", entry.Value);
        w.WriteString("direction", entry.Direction.Name());
        w.WriteString("unit", entry.Unit);
        w.WriteStartObject("tolerance");
        if (entry.Tolerance.Absolute is { } abs) w.WriteNumber("abs", abs);
        if (entry.Tolerance.Relative is { } rel) w.WriteNumber("rel", rel);
        w.WriteEndObject();
        if (entry.Calibration is { } c)
        {
            w.WriteStartObject("calibration");
            w.WriteNumber("runs", c.Runs);
            w.WriteNumber("seed_sd", c.SeedSd);
            w.WriteNumber("batch_stderr", c.BatchStderr);
            w.WriteNumber("resolution", c.Resolution);
            w.WriteNumber("sigma", c.Sigma);
            w.WriteNumber("multiplier", c.Multiplier);
            w.WriteNumber("family_size", c.FamilySize);
            w.WriteNumber("family_alpha", c.FamilyAlpha);
            if (c.Method != Calibration.SeedsMethod) w.WriteString("method", c.Method);
            if (c.Ci95 is { } ci)
            {
                w.WriteStartArray("ci95");
                foreach (double v in ci) w.WriteNumberValue(v);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static int RequireInt(string where, JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out JsonElement v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i))
            throw new InvalidDataException($"{where}: '{name}' is missing or not a whole number");
        return i;
    }

    private static double RequireNumber(string where, JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out JsonElement v)) throw new InvalidDataException($"{where}: '{name}' is missing");
        if (v.ValueKind == JsonValueKind.String && v.GetString() == "NaN") return double.NaN;
        if (v.ValueKind != JsonValueKind.Number) throw new InvalidDataException($"{where}: '{name}' is {v.ValueKind.ToString().ToLowerInvariant()} — expected a number");
        return v.GetDouble();
    }

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTimeOffset ParseTime(string path, JsonElement root)
    {
        string? text = OptionalString(root, "created_utc");
        if (text is null) return DateTimeOffset.UnixEpoch;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t))
            throw new InvalidDataException($"{path}: created_utc '{text}' is not a date-time");
        return t;
    }

    private static int[] LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++) if (text[i] == '\n') starts.Add(i + 1);
        return [.. starts];
    }

    /// <summary>The 1-based line where the key's quoted name first appears (1 when not found verbatim).</summary>
    private static int LineOf(string text, int[] lineStarts, string key)
    {
        int at = text.IndexOf("\"" + key + "\"", StringComparison.Ordinal);
        if (at < 0) return 1;
        int index = Array.BinarySearch(lineStarts, at);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    private static string ErrorLine(string message) => message.Split('.')[0].Split('\n')[0];
}
