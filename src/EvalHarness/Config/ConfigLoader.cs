// ConfigLoader — builds the effective HarnessConfig from four layers, each overriding the one before: the profile's
// preset, the JSON config file, --set PATH=VALUE pairs, then the dedicated options (--out, --seed, --suite, …). Objects
// merge field by field; arrays and values replace. Every fault is one line naming where the faulty value came from (the
// config file, the --set PATH=VALUE, the option, or the profile) and the field; a null where a value is required is a
// fault like any other (never a NullReferenceException later).
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using InterpEval.Harness.Exporters;
using InterpEval.Harness.Tool;
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
        RespectNullableAnnotations = true,
    };

    /// <summary>The merged JSON (what results.json records as "config") and the typed config.</summary>
    public static (JsonObject Json, HarnessConfig Config) Load(ConfigSources sources)
    {
        JsonObject? file = sources.ConfigFile is null ? null : ReadFile(sources.ConfigFile);
        string profile = sources.Profile ?? (file?["profile"] is JsonValue v && v.TryGetValue(out string? p) ? p! : "default");
        JsonObject merged = Profiles.Get(profile);
        if (file is not null) Merge(merged, file);
        merged["profile"] = profile;
        var origins = new Origins(sources, file, profile);
        foreach (string pair in sources.Set) origins.AddSet(pair, ApplySet(merged, pair));
        foreach ((string field, JsonNode? value) in sources.Options) merged[field] = value?.DeepClone();
        HarnessConfig config = Deserialize(merged, origins);
        Validate(config, origins);
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
            throw new InvalidDataException($"config: dictionaries[{spec.Id}].training: {(e.Path is { Length: > 2 } p ? p[2..] + ": " : "")}{Short(e)}");
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the config file ({e.Message})");
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
    /// <returns>The path it set, list elements given by index.</returns>
    private static string[] ApplySet(JsonObject root, string pair)
    {
        int eq = pair.IndexOf('=');
        if (eq <= 0) throw new UsageException($"--set '{pair}': expected PATH=VALUE (for example training.steps=200)");
        string[] path = pair[..eq].Split('.');
        if (path.Any(string.IsNullOrEmpty)) throw new UsageException($"--set '{pair}': PATH has an empty segment");
        string[] resolved = (string[])path.Clone();
        JsonNode value = ParseValue(pair[(eq + 1)..]);
        JsonNode node = root;
        for (int i = 0; i < path.Length - 1; i++)
        {
            if (node is JsonArray list) resolved[i] = Index(list, path[i], pair).ToString(System.Globalization.CultureInfo.InvariantCulture);
            node = Step(node, path[i], pair, create: true);
        }
        switch (node)
        {
            case JsonObject o: o[path[^1]] = value; break;
            case JsonArray a:
                int index = Index(a, path[^1], pair);
                a[index] = value;
                resolved[^1] = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            default: throw new UsageException($"--set '{pair}': '{string.Join('.', path[..^1])}' is not an object or a list");
        }
        return resolved;
    }

    private static JsonNode Step(JsonNode node, string segment, string pair, bool create)
    {
        if (node is JsonArray array)
            return array[Index(array, segment, pair)] ?? throw new UsageException($"--set '{pair}': element '{segment}' is null, not an object");
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

    private static HarnessConfig Deserialize(JsonObject merged, Origins origins)
    {
        HarnessConfig? config;
        try
        {
            config = merged.Deserialize<HarnessConfig>(Json);
        }
        catch (JsonException e)
        {
            string field = e.Path is { Length: > 2 } p ? Origins.Dotted(p[2..]) : "";
            bool isNull = field.Length > 0 && IsNullAt(merged, field);
            throw origins.Fault(field, (field.Length > 0 ? field + ": " : "") + (isNull ? "is null — expected a value" : Short(e)));
        }
        if (config is null) throw origins.Fault("", "the config is null — expected a JSON object");
        NoNullElements(config.Suites, "suites", origins);
        NoNullElements(config.Exporters, "exporters", origins);
        NoNullElements(config.Dictionaries, "dictionaries", origins);
        return config;
    }

    /// <summary>True when the merged config holds an explicit null at the dotted path.</summary>
    private static bool IsNullAt(JsonObject root, string field)
    {
        JsonNode? node = root;
        foreach (string segment in field.Split('.'))
        {
            switch (node)
            {
                case JsonObject o when o.ContainsKey(segment): node = o[segment]; break;
                case JsonArray a when int.TryParse(segment, out int i) && i >= 0 && i < a.Count: node = a[i]; break;
                default: return false;
            }
            if (node is null) return true;
        }
        return false;
    }

    private static void NoNullElements<T>(IReadOnlyList<T> list, string field, Origins origins)
    {
        for (int i = 0; i < list.Count; i++)
            if (list[i] is null) throw origins.Fault($"{field}.{i}", $"{field}[{i}] is null — expected a value");
    }

    /// <summary>Faults a run would otherwise meet only after training started (or never, computing garbage).</summary>
    private static void Validate(HarnessConfig c, Origins origins)
    {
        void Fail(string field, string message) => throw origins.Fault(field, message);
        if (c.Suites.Count == 0) Fail("suites", "suites is empty — name at least one of " + string.Join(", ", SuiteRegistry.Names));
        for (int i = 0; i < c.Suites.Count; i++)
            if (!SuiteRegistry.TryGet(c.Suites[i], out _)) Fail($"suites.{i}", $"suites: unknown suite '{c.Suites[i]}' — expected one of {string.Join(", ", SuiteRegistry.Names)}");
        for (int i = 0; i < c.Exporters.Count; i++)
            if (!ExporterSet.Names.Contains(c.Exporters[i])) Fail($"exporters.{i}", $"exporters: unknown exporter '{c.Exporters[i]}' — expected one of {string.Join(", ", ExporterSet.Names)}");
        if (c.Sweep is { } sw && SweepGrid.Problem(sw.Widths, sw.Tokens, sw.Architectures, sw.K, sw.L1, sw.Seeds, sw.Suites, sw.Bootstrap, c.Training.BatchTokens) is { } grid)
            Fail($"sweep.{grid.Field}", $"sweep.{grid.Field}: {grid.Message}");
        if (c.Dictionaries.Count == 0) Fail("dictionaries", "dictionaries is empty — give at least one to train or load");
        for (int i = 0; i < c.Dictionaries.Count; i++)
        {
            DictionarySpec d = c.Dictionaries[i];
            string at = $"dictionaries.{i}";
            if (string.IsNullOrWhiteSpace(d.Id) || d.Id.Contains('/')) Fail($"{at}.id", $"dictionaries: id '{d.Id}' must be non-empty and hold no '/'");
            if (d.Width < 1) Fail($"{at}.width", $"dictionaries[{d.Id}].width is {d.Width} — expected at least 1");
            if (d.K is { } k && (k < 1 || k > d.Width)) Fail($"{at}.k", $"dictionaries[{d.Id}].k is {k} — expected 1 to width ({d.Width})");
            if (d.SparsityCoefficient is { } l && !(l >= 0 && double.IsFinite(l))) Fail($"{at}.sparsity_coefficient", $"dictionaries[{d.Id}].sparsity_coefficient is {l} — expected a finite number ≥ 0");
            if (DictionaryExpansion.Problem(d) is { } layers) Fail($"{at}.layers", $"dictionaries[{d.Id}]: {layers}");
            if (d.Training is not null)
            {
                TrainingSettings own;
                try
                {
                    own = TrainingFor(c, d);
                }
                catch (InvalidDataException e)
                {
                    throw origins.Fault($"{at}.training", e.Message.StartsWith("config: ", StringComparison.Ordinal) ? e.Message[8..] : e.Message);
                }
                ValidateTraining(own, $"dictionaries[{d.Id}].training.", $"{at}.training", Fail);
            }
        }
        if (c.Dictionaries.GroupBy(d => d.Id).FirstOrDefault(g => g.Count() > 1) is { } dup) Fail("dictionaries", $"dictionaries: two are named '{dup.Key}'");
        if (c.Eval.Tokens < 2) Fail("eval.tokens", $"eval.tokens is {c.Eval.Tokens} — expected at least 2");
        if (c.Eval.ContextLength < 2) Fail("eval.context_length", $"eval.context_length is {c.Eval.ContextLength} — expected at least 2");
        if (c.Eval.SequencesPerBatch < 1) Fail("eval.sequences_per_batch", $"eval.sequences_per_batch is {c.Eval.SequencesPerBatch} — expected at least 1");
        ValidateTraining(c.Training, "training.", "training", Fail);
        if (c.Out.Length == 0) Fail("out", "out is empty — expected a directory");
        if (c.CacheDir.Length == 0) Fail("cache_dir", "cache_dir is empty — expected a directory");
        CheckSizes(c, origins);
    }

    /// <summary>The subject model's config.json (the embedded one by default), read now so a bad model or an absurd size
    /// is refused before any progress line or work; the weights are loaded later.</summary>
    private static void CheckSizes(HarnessConfig c, Origins origins)
    {
        string modelDir = c.Model ?? InterpEval.Interp.EmbeddedAssets.ModelDirectory;
        if (!Directory.Exists(modelDir)) throw origins.Fault("model", $"{modelDir}: model directory not found (config: model)");
        if (c.Corpus is { } corpus && !File.Exists(corpus)) throw origins.Fault("corpus", $"{corpus}: corpus file not found (config: corpus)");
        var model = InterpEval.Interp.Models.ModelConfig.Load(Path.Combine(modelDir, "config.json"));
        long available = ResourceBudget.AvailableBytes;
        for (int i = 0; i < c.Dictionaries.Count; i++)
        {
            DictionarySpec d = c.Dictionaries[i];
            if (d.Path is not null) continue;
            TrainingSettings t = TrainingFor(c, d);
            int copies = DictionaryExpansion.Expand([d], model.NLayers).Count;
            bool clt = d.Kind == "clt";
            int layers = clt ? model.NLayers : 1;
            long dOut = d.Kind == "sae" ? 0 : model.DModel;
            double weights = copies * ResourceBudget.TrainingBytes(model.DModel, dOut, d.Width, 0, 0, layers, clt);
            double batch = copies * ResourceBudget.TrainingBytes(0, 0, d.Width, t.BatchTokens, 0, layers, clt)
                + copies * ResourceBudget.TrainingBytes(model.DModel, dOut, 0, 0, Math.Max(t.BufferTokens, 2L * t.BatchTokens), layers, clt);
            double stream = 8.0 * t.StreamTokens;
            if (weights + batch + stream <= available) continue;
            string own = d.Training is null ? "training" : $"dictionaries.{i}.training";
            string what = $"dictionaries[{d.Id}] (width {d.Width}, batch_tokens {t.BatchTokens}, buffer_tokens {t.BufferTokens}, stream_tokens {t.StreamTokens})";
            string field = stream > weights + batch ? $"{own}.stream_tokens"
                : weights > available || d.Width > t.BatchTokens ? $"dictionaries.{i}.width"
                : t.BufferTokens > t.BatchTokens ? $"{own}.buffer_tokens" : $"{own}.batch_tokens";
            throw origins.Fault(field, ResourceBudget.Refusal(weights + batch + stream, what)!);
        }
        long widest = c.Dictionaries.Max(d => (long)d.Width);
        double eval = 4.0 * 6 * c.Eval.SequencesPerBatch * (double)c.Eval.ContextLength * (widest + model.DModel);
        if (ResourceBudget.Refusal(eval, $"an evaluation batch of {c.Eval.SequencesPerBatch} × {c.Eval.ContextLength} tokens") is { } why)
            throw origins.Fault("eval.sequences_per_batch", why);
    }

    private static void ValidateTraining(TrainingSettings t, string name, string field, Action<string, string> fail)
    {
        if (t.Steps < 1) fail($"{field}.steps", $"{name}steps is {t.Steps} — expected at least 1");
        if (t.BatchTokens < 1) fail($"{field}.batch_tokens", $"{name}batch_tokens is {t.BatchTokens} — expected at least 1");
        if (!(t.LearningRate > 0 && double.IsFinite(t.LearningRate))) fail($"{field}.learning_rate", $"{name}learning_rate is {t.LearningRate} — expected a positive number");
        if (t.WarmupSteps < 0) fail($"{field}.warmup_steps", $"{name}warmup_steps is {t.WarmupSteps} — expected at least 0");
        if (t.SparsityWarmupSteps < 0) fail($"{field}.sparsity_warmup_steps", $"{name}sparsity_warmup_steps is {t.SparsityWarmupSteps} — expected at least 0");
        if (t.ContextLength < 2) fail($"{field}.context_length", $"{name}context_length is {t.ContextLength} — expected at least 2");
        if (t.BufferTokens < 1) fail($"{field}.buffer_tokens", $"{name}buffer_tokens is {t.BufferTokens} — expected at least 1");
        if (t.StreamTokens < t.ContextLength) fail($"{field}.stream_tokens", $"{name}stream_tokens is {t.StreamTokens} — expected at least one window ({t.ContextLength})");
    }

    /// <summary>Where each config value came from, so a fault names the file, the --set pair, the option or the profile.</summary>
    private sealed class Origins(ConfigSources sources, JsonObject? file, string profile)
    {
        private readonly List<(string Pair, string[] Path)> _sets = [];

        public void AddSet(string pair, string[] path) => _sets.Add((pair, path));

        /// <summary>"dictionaries[0].id" → "dictionaries.0.id".</summary>
        public static string Dotted(string jsonPath) => jsonPath.Replace("[", ".").Replace("]", "").Replace("'", "").Trim('.');

        /// <summary>The source of a field (dotted path, list elements by index): the last --set touching it, the option
        /// that set it, the config file when it holds it, else the profile.</summary>
        public string SourceOf(string field)
        {
            string[] path = field.Length == 0 ? [] : field.Split('.');
            for (int i = _sets.Count - 1; i >= 0; i--)
            {
                string[] set = _sets[i].Path;
                int common = Math.Min(set.Length, path.Length);
                if (common > 0 && set.AsSpan(0, common).SequenceEqual(path.AsSpan(0, common))) return $"--set {_sets[i].Pair}";
            }
            if (path.Length > 0 && sources.Options.ContainsKey(path[0])) return $"--{path[0].Replace('_', '-')}";
            if (file is not null && sources.ConfigFile is { } f && (path.Length == 0 || file.ContainsKey(path[0]))) return f;
            return $"config (profile {profile})";
        }

        public InvalidDataException Fault(string field, string message) => new($"{SourceOf(field)}: {message}");
    }

    private static string Short(JsonException e) => e.Message.Split(". Path:")[0].Split('\n')[0].TrimEnd('.');
}
