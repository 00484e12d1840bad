// DictionaryFormat — a dictionary on disk, laid out as SAELens lays it out: a directory with cfg.json,
// sae_weights.safetensors (W_enc, b_enc, W_dec, b_dec, and W_skip / threshold where the architecture has them) and
// optionally sparsity.safetensors ("sparsity": log10 feature density [d_sae]). Every file is written atomically;
// every fault on load is one line naming the file and the field or tensor. Cross-layer transcoders are not read here.
using System.Text.Json;
using InterpEval.Interp.IO;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Interp.Dictionaries;

public static class DictionaryFormat
{
    public const string ConfigFile = "cfg.json";
    public const string WeightsFile = "sae_weights.safetensors";
    public const string SparsityFile = "sparsity.safetensors";
    public const string SparsityKey = "sparsity";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the weights, then the sparsity file, then cfg.json (so a directory with a cfg.json is complete).</summary>
    public static void Save(SparseDictionary dictionary, string directory)
    {
        Directory.CreateDirectory(directory);
        using var scope = DisposeScope.Enter();
        var (config, weights) = dictionary.Export();
        SafeTensorsWriter.Write(Path.Combine(directory, WeightsFile), weights.Named());
        if (dictionary.LogFeatureDensity is { } density)
            SafeTensorsWriter.Write(Path.Combine(directory, SparsityFile), [new(SparsityKey, density)]);
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), config.ToJson().ToJsonString(Indented) + "\n");
    }

    /// <summary>Reads a dictionary directory; the architecture string picks the class through the registry.</summary>
    public static SparseDictionary Load(string directory, Device device)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: dictionary directory does not exist");
        var config = DictionaryConfig.Load(Path.Combine(directory, ConfigFile));
        var architecture = DictionaryRegistry.Get(config.Architecture);
        string weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath))
            throw new FileNotFoundException($"{weightsPath}: no {WeightsFile} — expected the weights next to {ConfigFile}", weightsPath);
        using var scope = DisposeScope.Enter();
        var tensors = ReadWeights(weightsPath, config, architecture);
        var dictionary = architecture.FromWeights(config, DictionaryWeights.FromNamed(tensors, architecture.EncoderBiasKey, architecture.ExtraTensors), device);
        string sparsityPath = Path.Combine(directory, SparsityFile);
        if (File.Exists(sparsityPath))
            dictionary.LogFeatureDensity = ReadTensor(sparsityPath, SparsityKey, [config.DSae], allowInfinite: true).To(device).DetachFromScopes();
        return dictionary;
    }

    /// <summary>Exactly the tensors the config calls for, each checked for presence, dtype, shape and finiteness; a tensor
    /// the architecture does not have is refused (it would be silently ignored otherwise).</summary>
    private static Dictionary<string, Tensor> ReadWeights(string path, DictionaryConfig config, DictionaryArchitecture architecture)
    {
        var expected = DictionaryWeights.Expected(config, architecture.StoresThreshold, architecture.EncoderBiasKey, architecture.ExtraTensors);
        using var file = SafeTensorsFile.Open(path);
        foreach (string name in file.Names)
        {
            if (!expected.Any(e => e.Key == name))
                throw new InvalidDataException(
                    $"{path}: unexpected tensor {Quote(name)} — a {config.Architecture} {config.Kind.Name()} holds {string.Join(", ", expected.Select(e => e.Key))}");
        }
        return expected.ToDictionary(e => e.Key, e => ReadTensor(file, e.Key, e.Shape, allowInfinite: false), StringComparer.Ordinal);
    }

    private static Tensor ReadTensor(string path, string key, long[] shape, bool allowInfinite)
    {
        using var file = SafeTensorsFile.Open(path);
        return ReadTensor(file, key, shape, allowInfinite);
    }

    /// <summary>One tensor of a dictionary file, checked for presence, floating-point dtype, shape and finiteness (NaN only
    /// when allowInfinite), as float32; every fault one line naming the file and the tensor. CltFormat reads through it too.</summary>
    internal static Tensor ReadTensor(SafeTensorsFile file, string key, long[] shape, bool allowInfinite = false)
    {
        if (!file.Contains(key)) throw new InvalidDataException($"{file.Path}: missing tensor '{key}' (expected shape {Show(shape)})");
        var info = file.Info(key);
        if (!info.Dtype.IsFloatingPoint())
            throw new InvalidDataException($"{file.Path}: tensor '{key}' has dtype {SafeTensorsDType.Name(info.Dtype)} — expected a floating-point type");
        if (!info.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"{file.Path}: tensor '{key}' has shape {Show(info.Shape)}, expected {Show(shape)}");
        var t = file.Load(key).To(ScalarType.Float32);
        bool bad = allowInfinite ? t.Ne(t).Any().ToInt64() == 1 : t.IsFinite().All().ToInt64() == 0;
        if (bad) throw new InvalidDataException($"{file.Path}: tensor '{key}' contains {(allowInfinite ? "NaN" : "NaN or infinite")} values");
        return t;
    }

    /// <summary>A tensor name from the file, quoted for a one-line message: control characters escaped, at most 80 chars.</summary>
    internal static string Quote(string name)
    {
        var chars = name.Take(80).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return "'" + string.Concat(chars) + (name.Length > 80 ? "…" : "") + "'";
    }

    private static string Show(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
