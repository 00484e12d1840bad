// ConfigLoader — builds the effective HarnessConfig from four layers, each overriding the one before: the profile's
// preset, the JSON config file, --set PATH=VALUE pairs, then the dedicated options (--out, --seed, --suite, …). Objects
// merge field by field; arrays and values replace. Every fault is one line naming the file or option and the field.
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using InterpEval.Harness.Cli;
using InterpEval.Harness.Exporters;
using InterpEval.Suites;

namespace InterpEval.Harness.Config;

/// <param name="ConfigFile">--config FILE, or null.</param>
/// <param name="Profile">--profile, or null (the file's, else default).</param>
/// <param name="Set">--set PATH=VALUE pairs, in order.</param>
/// <param name="Options">Values of dedicated options by config field (out, baselines, seed, suites), applied last.</param>
public sealed record ConfigSources(string? ConfigFile, string? Profile, IReadOnlyList<string> Set, IReadOnlyDictionary<string, JsonNode?> Options);

public static class ConfigLoader
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The merged JSON (what results.json records as "config") and the typed config.</summary>
    public static (JsonObject Json, HarnessConfig Config) Load(ConfigSources sources)
    {
        JsonObject? file = sources.ConfigFile is null ? null : ReadFile(sources.ConfigFile);
        string profile = sources.Profile ?? (file?["profile"] is JsonValue v && v.TryGetValue(out string? p) ? p! : "default");
        JsonObject merged = Profiles.Get(profile);
        if (file is not null) Merge(merged, file);
        merged["profile"] = profile;
        foreach (string pair in sources.Set) ApplySet(merged, pair);
        foreach ((string field, JsonNode? value) in sources.Options) merged[field] = value?.DeepClone();
        HarnessConfig config = Deserialize(merged, sources.ConfigFile is null ? "config" : sources.ConfigFile);
        Validate(config);
        return (merged, config);
    }

    /// <summary>The training settings of one dictionary: the shared ones with its "training" overrides.</summary>
    public static TrainingSettings TrainingFor(HarnessConfig config, DictionarySpec spec)
    {
        if (spec.Training is null) return config.Training;
        var shared = (JsonObject)JsonSerializer.SerializeToNode(config.Training, Json)!;
        Merge(shared, spec.Training);
        try
        {
            return shared.Deserialize<TrainingSettings>(Json)!;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"config: dictionaries[{spec.Id}].training: {Short(e)}");
        }
    }

    private static JsonObject ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config file not found", path);
        try
        {
            return JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                   ?? throw new InvalidDataException($"{path}: expected a JSON object at the top");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {e.LineNumber + 1}: {Short(e)})");
        }
    }

    /// <summary>Objects merge recursively; anything else in `over` replaces what `into` had.</summary>
    public static void Merge(JsonObject into, JsonObject over)
    {
        foreach ((string key, JsonNode? value) in over)
        {
            if (value is JsonObject o && into[key] is JsonObject existing) Merge(existing, o);
            else into[key] = value?.DeepClone();
        }
    }

    /// <summary>--set a.b.c=VALUE: VALUE is JSON when it parses as JSON, else a string; an array segment is an index or an element's "id".</summary>
    private static void ApplySet(JsonObject root, string pair)
    {
        int eq = pair.IndexOf('=');
        if (eq <= 0) throw new UsageException($"--set '{pair}': expected PATH=VALUE (for example training.steps=200)");
        string[] path = pair[..eq].Split('.');
        JsonNode value = ParseValue(pair[(eq + 1)..]);
        JsonNode node = root;
        for (int i = 0; i < path.Length - 1; i++) node = Step(node, path[i], pair, create: true);
        switch (node)
        {
            case JsonObject o: o[path[^1]] = value; break;
            case JsonArray a: a[Index(a, path[^1], pair)] = value; break;
            default: throw new UsageException($"--set '{pair}': '{string.Join('.', path[..^1])}' is not an object or a list");
        }
    }

    private static JsonNode Step(JsonNode node, string segment, string pair, bool create)
    {
        if (node is JsonArray array) return array[Index(array, segment, pair)]!;
        if (node is not JsonObject o) throw new UsageException($"--set '{pair}': '{segment}' is inside a value, not an object");
        if (o[segment] is { } child) return child;
        if (!create) throw new UsageException($"--set '{pair}': no field '{segment}'");
        var created = new JsonObject();
        o[segment] = created;
        return created;
    }

    private static int Index(JsonArray array, string segment, string pair)
    {
        if (int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i) && i < array.Count) return i;
        for (int j = 0; j < array.Count; j++)
            if (array[j] is JsonObject o && o["id"] is JsonValue id && id.TryGetValue(out string? s) && s == segment) return j;
        throw new UsageException($"--set '{pair}': the list has no element '{segment}' (give an index or an id)");
    }

    private static JsonNode ParseValue(string text)
    {
        try
        {
            return JsonNode.Parse(text) ?? JsonValue.Create(text)!;
        }
        catch (JsonException)
        {
            return JsonValue.Create(text)!;
        }
    }

    private static HarnessConfig Deserialize(JsonObject merged, string source)
    {
        try
        {
            return merged.Deserialize<HarnessConfig>(Json) ?? throw new InvalidDataException($"{source}: empty config");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: {(e.Path is { Length: > 2 } p ? p[2..] + ": " : "")}{Short(e)}");
        }
    }

    private static void Validate(HarnessConfig c)
    {
        void Fail(string message) => throw new InvalidDataException("config: " + message);
        if (c.Suites.Count == 0) Fail("suites is empty — name at least one of " + string.Join(", ", SuiteRegistry.Names));
        foreach (string s in c.Suites)
            if (!SuiteRegistry.TryGet(s, out _)) Fail($"suites: unknown suite '{s}' — expected one of {string.Join(", ", SuiteRegistry.Names)}");
        foreach (string e in c.Exporters)
            if (!ExporterSet.Names.Contains(e)) Fail($"exporters: unknown exporter '{e}' — expected one of {string.Join(", ", ExporterSet.Names)}");
        if (c.Dictionaries.Count == 0) Fail("dictionaries is empty — give at least one to train or load");
        foreach (DictionarySpec d in c.Dictionaries)
        {
            if (string.IsNullOrWhiteSpace(d.Id) || d.Id.Contains('/')) Fail($"dictionaries: id '{d.Id}' must be non-empty and hold no '/'");
            if (d.Width < 1) Fail($"dictionaries[{d.Id}].width is {d.Width} — expected at least 1");
            if (DictionaryExpansion.Problem(d) is { } layers) Fail($"dictionaries[{d.Id}]: {layers}");
        }
        if (c.Dictionaries.GroupBy(d => d.Id).FirstOrDefault(g => g.Count() > 1) is { } dup) Fail($"dictionaries: two are named '{dup.Key}'");
        if (c.Eval.Tokens < 2) Fail($"eval.tokens is {c.Eval.Tokens} — expected at least 2");
        if (c.Eval.ContextLength < 2) Fail($"eval.context_length is {c.Eval.ContextLength} — expected at least 2");
        if (c.Eval.SequencesPerBatch < 1) Fail($"eval.sequences_per_batch is {c.Eval.SequencesPerBatch} — expected at least 1");
        if (c.Training.Steps < 1) Fail($"training.steps is {c.Training.Steps} — expected at least 1");
        if (c.Training.StreamTokens < c.Training.ContextLength) Fail($"training.stream_tokens is {c.Training.StreamTokens} — expected at least one window ({c.Training.ContextLength})");
    }

    private static string Short(JsonException e) => e.Message.Split(". Path:")[0].Split('\n')[0].TrimEnd('.');
}
