// ActivationCache — the activation store's optional on-disk cache: one safetensors shard per harvested forward batch
// (rows before shuffling, every hook as one tensor named by the hook, so rows stay aligned), each written atomically,
// then manifest.json (atomically, last: a cache without it is incomplete and is harvested again). The manifest says what
// the rows are of — model fingerprint, hooks, context, excluded token, token count and hash — so a cache made for other
// inputs is refused with the field at fault. It never shuffles or batches; the store does that.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Interp.IO;
using InterpEval.Interp.Models;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Interp.Activations;

internal sealed class ActivationCache
{
    public const string ManifestFile = "manifest.json";
    private const string Format = "interp-eval activation cache 1";
    private static readonly string[] IdentityFields =
        ["format", "model", "hooks", "context_length", "sequences_per_forward", "exclude_token", "exclude_first_position", "window_prefix",
            "token_count", "token_hash"];

    private readonly string _directory;
    private readonly JsonObject _identity;

    private ActivationCache(string directory, JsonObject identity)
    {
        _directory = directory;
        _identity = identity;
    }

    /// <summary>The cache for these inputs in directory (created if absent). A complete cache made for other inputs
    /// throws InvalidDataException naming the manifest and the first field that differs.</summary>
    public static ActivationCache Open(string directory, TransformerModel model, long[] tokens, ActivationStoreOptions options)
    {
        Directory.CreateDirectory(directory);
        var cache = new ActivationCache(directory, Identity(model, tokens, options));
        if (cache.Manifest() is { } manifest) cache.CheckFresh(manifest);
        return cache;
    }

    private string ManifestPath => Path.Combine(_directory, ManifestFile);

    /// <summary>Whether a complete manifest exists (its shards are then read instead of running the model).</summary>
    public bool IsComplete => File.Exists(ManifestPath);

    /// <summary>The cached harvests in order, each hook's rows [n, d] on device; the caller owns them.</summary>
    public IEnumerable<Dictionary<string, Tensor>> ReadShards(IReadOnlyList<string> hooks, Device device)
    {
        var manifest = Manifest() ?? throw new InvalidOperationException("the activation cache is not complete");
        foreach (var shard in manifest["shards"]!.AsArray())
        {
            string path = Path.Combine(_directory, (string)shard!["file"]!);
            long rows = (long)shard["rows"]!;
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: activation cache shard is missing (listed in {ManifestPath}); delete {_directory} to rebuild the cache", path);
            yield return ReadShard(path, rows, hooks, device);
        }
    }

    private static Dictionary<string, Tensor> ReadShard(string path, long rows, IReadOnlyList<string> hooks, Device device)
    {
        using var file = SafeTensorsFile.Open(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var h in hooks)
        {
            if (!file.Contains(h)) throw new InvalidDataException($"{path}: activation cache shard has no tensor '{h}'; delete the cache directory to rebuild it");
            var info = file.Info(h);
            if (info.Shape.Count != 2 || info.Shape[0] != rows)
                throw new InvalidDataException($"{path}: tensor '{h}' has shape [{string.Join(", ", info.Shape)}], the manifest says {rows} rows; delete the cache directory to rebuild it");
        }
        foreach (var h in hooks) result[h] = file.Load(h, device).DetachFromScopes();
        return result;
    }

    /// <summary>Writes harvest number `index` (each hook's rows [n, d]) as one shard, atomically.</summary>
    public void WriteShard(int index, IReadOnlyDictionary<string, Tensor> rows)
    {
        using var scope = DisposeScope.Enter();
        SafeTensorsWriter.Write(Path.Combine(_directory, ShardName(index)), rows.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.To(Device.Cpu))));
    }

    /// <summary>Writes the manifest for shards 0..rows.Count−1 (the last step of a complete pass).</summary>
    public void Complete(IReadOnlyList<long> rowsPerShard)
    {
        var manifest = (JsonObject)_identity.DeepClone();
        manifest["rows"] = rowsPerShard.Sum();
        manifest["shards"] = new JsonArray(rowsPerShard.Select((n, i) => (JsonNode)new JsonObject { ["file"] = ShardName(i), ["rows"] = n }).ToArray());
        AtomicFile.WriteAllText(ManifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static string ShardName(int index) => string.Create(CultureInfo.InvariantCulture, $"shard-{index:D5}.safetensors");

    private JsonObject? Manifest()
    {
        if (!File.Exists(ManifestPath)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(ManifestPath)) as JsonObject
                ?? throw new InvalidDataException($"{ManifestPath}: activation cache manifest is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{ManifestPath}: activation cache manifest is not valid JSON ({e.Message})", e);
        }
    }

    private void CheckFresh(JsonObject manifest)
    {
        foreach (var field in IdentityFields)
        {
            string cached = manifest[field]?.ToJsonString() ?? "null", wanted = _identity[field]?.ToJsonString() ?? "null";
            if (cached != wanted)
                throw new InvalidDataException($"{ManifestPath}: stale activation cache — {field} is {cached} there but {wanted} for this run; delete {_directory} or use another cache directory");
        }
        if (manifest["shards"] is not JsonArray)
            throw new InvalidDataException($"{ManifestPath}: activation cache manifest has no 'shards' list");
    }

    /// <summary>What the cached rows are of. The model fingerprint hashes its config and, per parameter, name, shape,
    /// Σw and Σw² (one pass over the weights: a retrained or edited model gets another).</summary>
    private static JsonObject Identity(TransformerModel model, long[] tokens, ActivationStoreOptions o) => new()
    {
        ["format"] = Format, ["model"] = ModelFingerprint(model), ["hooks"] = new JsonArray(o.Hooks.Select(h => (JsonNode)h).ToArray()),
        ["context_length"] = o.ContextLength, ["sequences_per_forward"] = o.SequencesPerForward, ["exclude_token"] = o.ExcludeToken,
        ["exclude_first_position"] = o.ExcludeFirstPosition, ["window_prefix"] = o.WindowPrefix,
        ["token_count"] = tokens.LongLength, ["token_hash"] = Fnv(tokens.Select(t => (ulong)t)).ToString("x16", CultureInfo.InvariantCulture),
    };

    private static string ModelFingerprint(TransformerModel model)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var text = new System.Text.StringBuilder(model.Config.ToJson().ToJsonString());
        foreach (var (name, p) in model.NamedParameters())
        {
            var w = p.To(ScalarType.Float64);
            text.Append(CultureInfo.InvariantCulture, $"|{name}[{string.Join(",", p.Shape)}]{w.Sum().ToDouble():R},{w.Pow(2).Sum().ToDouble():R}");
        }
        return Fnv(System.Text.Encoding.UTF8.GetBytes(text.ToString()).Select(b => (ulong)b)).ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>FNV-1a 64 over a sequence of words.</summary>
    private static ulong Fnv(IEnumerable<ulong> words)
    {
        ulong h = 14695981039346656037UL;
        foreach (var w in words)
        {
            h ^= w;
            h *= 1099511628211UL;
        }
        return h;
    }
}
