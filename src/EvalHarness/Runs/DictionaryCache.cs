// DictionaryCache — where trained dictionaries live between runs: <cache_dir>/<id>-<hash>/, the hash a SHA-256 over
// what determines the weights (cache format, tool version, model and corpus fingerprints, the dictionary's spec, its
// training settings, the seed, and the world size when several ranks trained it data parallel: each rank harvests its
// own contiguous share of the stream and shuffles it in its own buffer, so the batches, hence the weights, differ from
// one process's; one process's key is the same as before world sizes existed). An entry appears only complete (trained
// into a temp directory, then renamed). It does not train (DictionaryProvider does) and never evicts.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Harness.Config;
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Harness.Runs;

public sealed class DictionaryCache(string root)
{
    private const string Format = "interp-eval-dictionary-cache-v1";

    public string Root { get; } = root;

    /// <summary>The content hash of a trained dictionary (hex, 64 characters).</summary>
    public static string Key(string toolVersion, SubjectEnvironment env, DictionarySpec spec, TrainingSettings training, ulong seed, int worldSize = 1) =>
        Key(toolVersion, env.ModelFingerprint, env.CorpusFingerprint, spec, training, seed, worldSize);

    /// <summary>The same from the model's and corpus's fingerprints; worldSize: the ranks that train it data parallel.</summary>
    public static string Key(string toolVersion, string modelFingerprint, string corpusFingerprint, DictionarySpec spec, TrainingSettings training, ulong seed,
        int worldSize = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        var canonical = new JsonObject
        {
            ["format"] = Format,
            ["tool_version"] = toolVersion,
            ["model"] = modelFingerprint,
            ["corpus"] = corpusFingerprint,
            ["spec"] = JsonSerializer.SerializeToNode(spec with { Training = null, Path = null }, ConfigLoader.Json),
            ["training"] = JsonSerializer.SerializeToNode(training, ConfigLoader.Json),
            ["seed"] = seed,
        };
        if (worldSize > 1) canonical["world_size"] = worldSize;   // absent for one process, so its entries stay valid
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToJsonString())));
    }

    /// <summary>The entry directory of a dictionary.</summary>
    public string EntryFor(string id, string key) => Path.Combine(Root, $"{id}-{key[..16]}");

    /// <summary>True when the entry holds a complete dictionary.</summary>
    public static bool IsComplete(string entry) => File.Exists(Path.Combine(entry, DictionaryFormat.ConfigFile));

    /// <summary>A fresh temp directory inside the cache (same file system, so the final rename is atomic).</summary>
    public string NewTemp()
    {
        string temp = Path.Combine(Root, $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        return temp;
    }

    /// <summary>Moves a finished dictionary directory into place; a concurrent writer's complete entry wins.</summary>
    public static void Commit(string trainedDirectory, string entry)
    {
        if (IsComplete(entry))
        {
            Directory.Delete(trainedDirectory, recursive: true);
            return;
        }
        if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
        Directory.Move(trainedDirectory, entry);
    }
}
