// CltFormat — a cross-layer transcoder on disk, in circuit-tracer's layout (CrossLayerTranscoder.to_safetensors /
// load_clt): per layer l, W_enc_{l}.safetensors holding W_enc_{l} [F, d_model] (features as rows), b_enc_{l} [F],
// b_dec_{l} [d_model] and, for jumprelu, threshold_{l} [F]; and W_dec_{l}.safetensors holding W_dec_{l}
// [F, L − l, d_model]. Our cfg.json (CltConfig) sits beside them and is written last; circuit-tracer ignores it. A
// directory without cfg.json (circuit-tracer's own) loads with the shapes inferred as circuit-tracer infers them.
// Every fault on load is one line naming the file and the field or tensor. No skip connection (W_skip) is read.
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using InterpEval.Interp.IO;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Interp.Dictionaries;

public static partial class CltFormat
{
    public const string ConfigFile = "cfg.json";

    public static string EncoderFile(int layer) => $"W_enc_{layer}.safetensors";
    public static string DecoderFile(int layer) => $"W_dec_{layer}.safetensors";

    [GeneratedRegex(@"^W_(enc|dec)_(\d{1,9})\.safetensors$")]
    private static partial Regex LayerFileName();

    /// <summary>True when the directory looks like a CLT (cfg.json says "clt", or circuit-tracer's W_enc_0 without cfg.json).</summary>
    public static bool IsCltDirectory(string directory)
    {
        string cfg = Path.Combine(directory, ConfigFile);
        if (!File.Exists(cfg)) return File.Exists(Path.Combine(directory, EncoderFile(0)));
        try
        {
            return JsonNode.Parse(File.ReadAllText(cfg)) is JsonObject o && o["architecture"] is JsonValue v
                && v.TryGetValue(out string? a) && a == CltConfig.ArchitectureName;
        }
        catch (JsonException)
        {
            return false;                                                                    // the loader reports the bad JSON
        }
    }

    /// <summary>Writes every layer's two files (each atomically), removes layer files left from a deeper CLT (circuit-tracer
    /// counts W_enc_*.safetensors to find n_layers), then writes cfg.json. An old cfg.json is removed first, so a
    /// directory with a cfg.json is always complete.</summary>
    public static void Save(CrossLayerTranscoder clt, string directory)
    {
        Directory.CreateDirectory(directory);
        File.Delete(Path.Combine(directory, ConfigFile));
        using var scope = DisposeScope.Enter();
        var (config, w) = clt.Export();
        for (int l = 0; l < config.NLayers; l++)
        {
            var encoder = new List<KeyValuePair<string, Tensor>>
            {
                new(CltWeights.WEncKey(l), ForDisk(w.WEnc[l].T)),                            // [F, D] as circuit-tracer stores it
                new(CltWeights.BEncKey(l), ForDisk(w.BEnc[l])),
                new(CltWeights.BDecKey(l), ForDisk(w.BDec[l])),
            };
            if (w.Thresholds is not null) encoder.Add(new(CltWeights.ThresholdKey(l), ForDisk(w.Thresholds[l])));
            SafeTensorsWriter.Write(Path.Combine(directory, EncoderFile(l)), encoder);
            SafeTensorsWriter.Write(Path.Combine(directory, DecoderFile(l)), [new(CltWeights.WDecKey(l), ForDisk(w.WDec[l]))]);
        }
        foreach (var (path, _) in LayerFiles(directory).Where(f => f.Layer >= config.NLayers)) File.Delete(path);
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), config.ToJsonText());
    }

    /// <summary>Reads a CLT directory: cfg.json when present, else the config inferred from the weights.</summary>
    public static CrossLayerTranscoder Load(string directory, Device device)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: cross-layer transcoder directory does not exist");
        string cfgPath = Path.Combine(directory, ConfigFile);
        var config = File.Exists(cfgPath) ? CltConfig.Load(cfgPath) : Infer(directory);
        CheckLayerFiles(directory, config, File.Exists(cfgPath) ? cfgPath : directory);
        using var scope = DisposeScope.Enter();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int l = 0; l < config.NLayers; l++) ReadLayer(directory, config, l, tensors);
        return new CrossLayerTranscoder(config, CltWeights.FromNamed(config, tensors), device);
    }

    /// <summary>circuit-tracer's inference: n_layers = the number of W_enc_*.safetensors files, (F, d_model) = W_enc_0's
    /// shape, jumprelu when W_enc_0 holds threshold_0; hooks are circuit-tracer's defaults.</summary>
    private static CltConfig Infer(string directory)
    {
        string first = Path.Combine(directory, EncoderFile(0));
        if (!File.Exists(first))
            throw new FileNotFoundException($"{Path.Combine(directory, ConfigFile)}: no cfg.json and no {EncoderFile(0)} — expected a cross-layer transcoder directory", first);
        int layers = LayerFiles(directory).Count(f => Path.GetFileName(f.Path).StartsWith("W_enc_", StringComparison.Ordinal));
        using var file = SafeTensorsFile.Open(first);
        string key = CltWeights.WEncKey(0);
        if (!file.Contains(key)) throw new InvalidDataException($"{first}: missing tensor '{key}' (expected shape [d_sae, d_model])");
        var shape = file.Info(key).Shape;
        if (shape.Count != 2 || shape[0] is <= 0 or > int.MaxValue || shape[1] is <= 0 or > int.MaxValue)
            throw new InvalidDataException($"{first}: tensor '{key}' has shape {Show(shape)}, expected [d_sae, d_model]");
        var activation = file.Contains(CltWeights.ThresholdKey(0)) ? CltActivation.JumpRelu : CltActivation.Relu;
        return new CltConfig { Activation = activation, NLayers = layers, DModel = (int)shape[1], DSae = (int)shape[0] };
    }

    /// <summary>Both files of every layer exist, and no layer file lies beyond n_layers (circuit-tracer would count it).</summary>
    private static void CheckLayerFiles(string directory, CltConfig config, string source)
    {
        for (int l = 0; l < config.NLayers; l++)
            foreach (string name in new[] { EncoderFile(l), DecoderFile(l) })
            {
                string path = Path.Combine(directory, name);
                if (!File.Exists(path))
                    throw new FileNotFoundException($"{path}: missing — {source} calls for {config.NLayers} layers (W_enc_0 … W_enc_{config.NLayers - 1} and W_dec_0 … W_dec_{config.NLayers - 1})", path);
            }
        foreach (var (path, layer) in LayerFiles(directory).Where(f => f.Layer >= config.NLayers))
            throw new InvalidDataException($"{path}: layer {layer} is beyond n_layers {config.NLayers} in {source} — remove it (circuit-tracer counts W_enc_* files as layers)");
    }

    private static IEnumerable<(string Path, long Layer)> LayerFiles(string directory) =>
        Directory.EnumerateFiles(directory, "W_*.safetensors")
            .Select(p => (Path: p, Match: LayerFileName().Match(Path.GetFileName(p))))
            .Where(e => e.Match.Success)
            .Select(e => (e.Path, long.Parse(e.Match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();

    /// <summary>Exactly the tensors layer l's two files must hold, each checked; W_enc turned to [d_model, F].</summary>
    private static void ReadLayer(string directory, CltConfig c, int l, Dictionary<string, Tensor> into)
    {
        var encoderKeys = new List<(string, long[])>
        {
            (CltWeights.WEncKey(l), [c.DSae, c.DModel]), (CltWeights.BEncKey(l), [c.DSae]), (CltWeights.BDecKey(l), [c.DModel]),
        };
        if (c.Activation == CltActivation.JumpRelu) encoderKeys.Add((CltWeights.ThresholdKey(l), [c.DSae]));
        ReadExactly(Path.Combine(directory, EncoderFile(l)), c, encoderKeys, into);
        ReadExactly(Path.Combine(directory, DecoderFile(l)), c, [(CltWeights.WDecKey(l), [c.DSae, c.NLayers - l, c.DModel])], into);
        into[CltWeights.WEncKey(l)] = into[CltWeights.WEncKey(l)].T.Contiguous();            // [F, D] → [D, F]
    }

    private static void ReadExactly(string path, CltConfig c, IReadOnlyList<(string Key, long[] Shape)> expected, Dictionary<string, Tensor> into)
    {
        using var file = SafeTensorsFile.Open(path);
        foreach (string name in file.Names)
            if (!expected.Any(e => e.Key == name))
                throw new InvalidDataException(
                    $"{path}: unexpected tensor {DictionaryFormat.Quote(name)} — a {c.ActivationName} CLT's file holds {string.Join(", ", expected.Select(e => e.Key))}");
        foreach (var (key, shape) in expected) into[key] = DictionaryFormat.ReadTensor(file, key, shape);
    }

    private static Tensor ForDisk(Tensor t) => t.To(ScalarType.Float32).To(Device.Cpu).Contiguous();

    private static string Show(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
