// HostileFiles — the valid files the hostile-input corpus and the fuzzer start from, made once per fixture in a temp
// folder: a tiny relu dictionary (d_in 6, d_sae 20) with its sparsity file, a CLT over the embedded model's 4 layers,
// an activations file, a copy of the embedded model directory, a tiny run config, a baseline, a results.json and a run
// history; plus helpers that write raw safetensors bytes and edit JSON. What is malformed is each case's business.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Exporters;
using InterpEval.Harness.History;
using InterpEval.Harness.Tests.Exporters;
using InterpEval.Interp;
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Harness.Tests.Hostile;

internal sealed class HostileFiles : IDisposable
{
    public const string RunConfig = """
    {
      "profile": "smoke",
      "suites": ["reconstruction"],
      "eval": { "tokens": 256, "context_length": 64, "sequences_per_batch": 4 },
      "training": { "steps": 2, "batch_tokens": 64, "learning_rate": 0.003, "stream_tokens": 2048, "buffer_tokens": 256 },
      "dictionaries": [ { "id": "tiny", "kind": "sae", "architecture": "topk", "width": 16, "k": 4 } ]
    }
    """;

    private int _cases;

    public HostileFiles()
    {
        Root = Path.Combine(Path.GetTempPath(), "ie-hostile-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
        using var scope = DisposeScope.Enter();
        Dict = Path.Combine(Root, "valid-dict");
        using (var d = DictionaryRegistry.Create(new DictionaryConfig
               {
                   Architecture = "relu", DIn = 6, DSae = 20, ModelName = "tiny", HookName = "blocks.1.hook_resid_post",
               }, seed: 5, device: Device.Cpu))
        {
            d.LogFeatureDensity = Tensor.Full([20], -2f).DetachFromScopes();
            d.Save(Dict);
        }
        Clt = Path.Combine(Root, "valid-clt");
        using (var clt = CrossLayerTranscoder.Create(new CltConfig { Activation = CltActivation.Relu, NLayers = 4, DModel = 128, DSae = 8 }, seed: 3, Device.Cpu))
            CltFormat.Save(clt, Clt);
        Activations = Path.Combine(Root, "acts.safetensors");
        using (var gen = new Generator(1)) SafeTensorsWriter.Write(Activations, [KeyValuePair.Create("activations", Tensor.Randn([4, 6], gen))]);
        Model = Path.Combine(Root, "model");
        CopyDirectory(EmbeddedAssets.ModelDirectory, Model);
        Config = Path.Combine(Root, "config.json");
        File.WriteAllText(Config, RunConfig);
        Baseline = Path.Combine(Root, "baseline.json");
        File.WriteAllText(Baseline, BaselineFile.ToJson(SampleRuns.Baseline));
        Results = Path.Combine(Root, "results.json");
        File.WriteAllText(Results, ExporterSet.Render(new JsonResultsExporter(), SampleRuns.RecordsOnly()));
        History = Path.Combine(Root, "history.db");
        using (HistoryDb h = HistoryDb.Open(History, create: true)) h.Append(SampleRuns.Gated());
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public string Root { get; }
    public string Dict { get; }
    public string Clt { get; }
    public string Activations { get; }
    public string Model { get; }
    public string Config { get; }
    public string Baseline { get; }
    public string Results { get; }
    public string History { get; }

    /// <summary>A fresh folder for one case.</summary>
    public string NewCase(string name)
    {
        string dir = Path.Combine(Root, $"case-{Interlocked.Increment(ref _cases):D4}-{name}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A copy of a valid directory inside the case folder.</summary>
    public static string Copy(string source, string caseDir, string name)
    {
        string target = Path.Combine(caseDir, name);
        CopyDirectory(source, target);
        return target;
    }

    public static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string f in Directory.GetFiles(source)) File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
    }

    /// <summary>Writes a file from its header length, header text and data bytes, exactly as given.</summary>
    public static void WriteRaw(string path, ulong headerLength, string header, byte[] data)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength);
        h.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + h.Length);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>A safetensors file whose header is `header` (its real length) over `dataBytes` zero bytes.</summary>
    public static void WriteHeader(string path, string header, int dataBytes) => WriteRaw(path, (ulong)Encoding.UTF8.GetByteCount(header), header, new byte[dataBytes]);

    /// <summary>Rewrites a safetensors file with one tensor changed by `edit` (the others as they were).</summary>
    public static void EditTensors(string path, Action<Dictionary<string, Tensor>> edit)
    {
        using var scope = DisposeScope.Enter();
        var tensors = SafeTensorsFile.LoadAll(path);
        edit(tensors);
        SafeTensorsWriter.Write(path, tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    /// <summary>Rewrites a JSON object file through `edit`.</summary>
    public static void EditJson(string path, Action<JsonObject> edit)
    {
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    public static void Truncate(string path, double fraction)
    {
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * fraction)]);
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
