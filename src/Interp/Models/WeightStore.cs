// WeightStore — the tensors of a Hugging Face model directory: one model.safetensors or shards listed in
// model.safetensors.index.json, read lazily per tensor, converted to float32 on load and checked for shape and
// finiteness. It knows file layouts, not architectures (each model names the keys it needs).
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Interp.Models;

public sealed class WeightStore : IWeightSource, IDisposable
{
    private readonly Dictionary<string, SafeTensorsFile> _fileOf = new(StringComparer.Ordinal);
    private readonly List<SafeTensorsFile> _files = [];

    private WeightStore() { }

    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>Every tensor name in the directory.</summary>
    public IEnumerable<string> Keys => _fileOf.Keys;

    /// <summary>Opens a model directory's weights (headers only; tensors are read when loaded).</summary>
    public static WeightStore Open(string directory)
    {
        var store = new WeightStore();
        try
        {
            string single = Path.Combine(directory, SingleFile), index = Path.Combine(directory, IndexFile);
            if (File.Exists(single)) store.Add(SafeTensorsFile.Open(single));
            else if (File.Exists(index)) store.AddShards(index);
            else throw new FileNotFoundException($"{directory}: no {SingleFile} or {IndexFile}", single);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private void Add(SafeTensorsFile file)
    {
        _files.Add(file);
        foreach (var name in file.Names) _fileOf[name] = file;
    }

    private void AddShards(string indexPath)
    {
        JsonObject? map;
        try { map = (JsonNode.Parse(File.ReadAllText(indexPath)) as JsonObject)?["weight_map"] as JsonObject; }
        catch (JsonException e) { throw new InvalidDataException($"{indexPath}: malformed JSON ({e.Message})"); }
        if (map is null) throw new InvalidDataException($"{indexPath}: missing object 'weight_map'");
        var shards = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            string shard = value is JsonValue v && v.TryGetValue(out string? s) ? s : throw new InvalidDataException($"{indexPath}: weight_map['{key}'] should be a file name");
            if (shard.Contains('/') || shard.Contains('\\')) throw new InvalidDataException($"{indexPath}: weight_map['{key}'] names '{shard}' outside the model directory");
            if (!shards.TryGetValue(shard, out var file))
            {
                string shardPath = Path.Combine(Path.GetDirectoryName(indexPath)!, shard);
                if (!File.Exists(shardPath)) throw new FileNotFoundException($"{indexPath}: shard '{shard}' listed for '{key}' does not exist", shardPath);
                shards[shard] = file = SafeTensorsFile.Open(shardPath);
                _files.Add(file);
            }
            if (!file.Contains(key)) throw new InvalidDataException($"{file.Path}: tensor '{key}' listed in {IndexFile} is missing");
            _fileOf[key] = file;
        }
    }

    public bool Contains(string key) => _fileOf.ContainsKey(key);

    /// <summary>Loads a tensor as float32 on the device, checking its shape and that every value is finite.</summary>
    public Tensor Load(string key, long[] expectedShape, Device device)
    {
        string where = _files.Count == 1 ? _files[0].Path : IndexFile;
        if (!_fileOf.TryGetValue(key, out var file))
            throw new InvalidDataException($"{where}: missing tensor '{key}' (expected shape {Shape(expectedShape)})");
        var shape = file.Info(key).Shape;
        if (!shape.SequenceEqual(expectedShape))
            throw new InvalidDataException($"{file.Path}: tensor '{key}' has shape {Shape(shape)}, expected {Shape(expectedShape)}");
        using var scope = DisposeScope.Enter();
        var t = file.Load(key).To(ScalarType.Float32);
        if (t.IsFinite().All().ToInt64() == 0) throw new InvalidDataException($"{file.Path}: tensor '{key}' contains NaN or infinite values");
        return scope.MoveOut(t.To(device));
    }

    private static string Shape(IEnumerable<long> s) => "[" + string.Join(", ", s) + "]";

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        _files.Clear();
        _fileOf.Clear();
    }
}
