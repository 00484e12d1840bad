// TrainingCheckpoint — the files that let a run resume bit-for-bit: <out>/checkpoints/step-NNNNNN/ holds trainer.json
// (step, data position, per-dictionary Adam step and density window) and dict-<i>.safetensors per dictionary (its
// CheckpointState under "state.", Adam moments under "adam.", latent activity under "activity."). A checkpoint is
// written into a temporary folder and renamed into place, so a crash leaves either the whole step or nothing.
// What goes in the dictionaries' state is theirs to say; this file only stores and finds it.
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Interp.Training;

/// <summary>Where in the activation stream training stands: the pass and the batches of it already consumed.</summary>
public sealed record DataPosition(int Pass, long BatchesInPass);

/// <summary>One dictionary's share of a checkpoint (tensors owned by whoever holds the record).</summary>
public sealed record DictionaryCheckpoint(string Id, long AdamStep, long DensityTokens, IReadOnlyDictionary<string, Tensor> Tensors);

/// <summary>A checkpoint in memory: after `Step` completed steps, at `Position`, with `Tokens` trained.</summary>
public sealed record TrainingCheckpoint(int Step, int TotalSteps, long Tokens, DataPosition Position, IReadOnlyList<DictionaryCheckpoint> Dictionaries)
{
    public const string Folder = "checkpoints";
    private const string Prefix = "step-";

    /// <summary>Keys of a dictionary's checkpoint file: its own CheckpointState under StatePrefix, Adam's moments of its
    /// p-th parameter, and its latent activity.</summary>
    public const string StatePrefix = "state.";

    public static string AdamExpAvgKey(int parameter) => "adam.exp_avg." + parameter.ToString(CultureInfo.InvariantCulture);

    public static string AdamExpAvgSqKey(int parameter) => "adam.exp_avg_sq." + parameter.ToString(CultureInfo.InvariantCulture);

    public const string SinceFiredKey = "activity.since_fired";

    public const string ActiveTokensKey = "activity.active_tokens";

    /// <summary>The folder of step s: checkpoints/step-000123.</summary>
    public static string PathFor(string outDir, int step) =>
        Path.Combine(outDir, Folder, Prefix + step.ToString("D6", CultureInfo.InvariantCulture));

    /// <summary>The latest complete checkpoint folder under outDir, or null.</summary>
    public static string? Latest(string outDir)
    {
        string root = Path.Combine(outDir, Folder);
        if (!Directory.Exists(root)) return null;
        return Directory.GetDirectories(root, Prefix + "*")
            .Select(d => (Dir: d, Step: int.TryParse(Path.GetFileName(d)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int s) ? s : -1))
            .Where(e => e.Step >= 0 && File.Exists(Path.Combine(e.Dir, "trainer.json")))
            .OrderByDescending(e => e.Step).Select(e => e.Dir).FirstOrDefault();
    }

    /// <summary>Writes checkpoints/step-NNNNNN/ atomically (temporary folder, then rename); returns its path.</summary>
    public string Write(string outDir)
    {
        string final = PathFor(outDir, Step);
        string temp = final + ".partial-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(temp);
        for (int i = 0; i < Dictionaries.Count; i++)
            SafeTensorsWriter.Write(Path.Combine(temp, FileName(i)), Dictionaries[i].Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        File.WriteAllText(Path.Combine(temp, "trainer.json"), ToJson().ToJsonString(new() { WriteIndented = true }));
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temp, final);
        return final;
    }

    /// <summary>Reads a checkpoint folder; tensors are new, outside every scope (the caller disposes them).</summary>
    public static TrainingCheckpoint Read(string dir)
    {
        string path = Path.Combine(dir, "trainer.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no trainer.json — not a checkpoint folder", path);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message.Split('\n')[0]})");
        }
        var loaded = new List<DictionaryCheckpoint>();
        try
        {
            int step = NonNegative<int>(json, "step", path), total = NonNegative<int>(json, "total_steps", path);
            if (step > total) throw new InvalidDataException($"{path}: step {step} is past total_steps {total}");
            long tokens = NonNegative<long>(json, "tokens", path);
            var position = new DataPosition(NonNegative<int>(json, "pass", path), NonNegative<long>(json, "batches_in_pass", path));
            var entries = json["dictionaries"] as JsonArray ?? throw new InvalidDataException($"{path}: 'dictionaries' is missing or not a list");
            for (int i = 0; i < entries.Count; i++)
            {
                var node = entries[i] as JsonObject ?? throw new InvalidDataException($"{path}: dictionaries[{i}] is not an object");
                string id = node["id"] is JsonValue v && v.TryGetValue(out string? s) && s is not null ? s : throw new InvalidDataException($"{path}: dictionaries[{i}].id is missing or not a string");
                long adamStep = NonNegative<long>(node, "adam_step", path), density = NonNegative<long>(node, "density_tokens", path);
                loaded.Add(new DictionaryCheckpoint(id, adamStep, density, LoadTensors(Path.Combine(dir, FileName(i)))));
            }
            return new TrainingCheckpoint(step, total, tokens, position, loaded);
        }
        catch
        {
            foreach (var t in loaded.SelectMany(d => d.Tensors.Values)) t.Dispose();
            throw;
        }
    }

    /// <summary>A whole number ≥ 0 of type T; anything else is one line naming the file and the field.</summary>
    private static T NonNegative<T>(JsonObject json, string key, string path) where T : struct, System.Numerics.INumber<T>
    {
        if (json[key] is JsonValue v && v.TryGetValue(out T value) && value >= T.Zero) return value;
        throw new InvalidDataException($"{path}: '{key}' is {json[key]?.ToJsonString() ?? "missing"} — expected a whole number ≥ 0");
    }

    /// <summary>Every tensor of one dictionary's checkpoint file, each finite (a NaN moment would poison every later step).</summary>
    private static Dictionary<string, Tensor> LoadTensors(string path)
    {
        using var scope = DisposeScope.Enter();
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: missing — the checkpoint is incomplete", path);
        var tensors = SafeTensorsFile.LoadAll(path);
        foreach (var (name, t) in tensors)
            if (t.Dtype.IsFloatingPoint() && t.IsFinite().All().ToInt64() == 0)
                throw new InvalidDataException($"{path}: tensor '{name}' contains NaN or infinite values");
        foreach (var t in tensors.Values) t.DetachFromScopes();
        return tensors;
    }

    private static string FileName(int index) => $"dict-{index.ToString(CultureInfo.InvariantCulture)}.safetensors";

    private JsonObject ToJson() => new()
    {
        ["step"] = Step,
        ["total_steps"] = TotalSteps,
        ["tokens"] = Tokens,
        ["pass"] = Position.Pass,
        ["batches_in_pass"] = Position.BatchesInPass,
        ["dictionaries"] = new JsonArray(Dictionaries.Select((d, i) => (JsonNode)new JsonObject
        {
            ["id"] = d.Id, ["file"] = FileName(i), ["adam_step"] = d.AdamStep, ["density_tokens"] = d.DensityTokens,
        }).ToArray()),
    };
}
