// CltConfig — the facts of a cross-layer transcoder that its cfg.json carries: the activation, the number of layers,
// the residual width, the latents per layer, the hook points read and predicted (circuit-tracer's feature_input_hook /
// feature_output_hook), and bookkeeping. Every fault on load is one line naming the file and the field. Training
// hyperparameters (coefficients, learning rates) are not kept here.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace InterpEval.Interp.Dictionaries;

/// <summary>The nonlinearity of every layer's encoder.</summary>
public enum CltActivation
{
    /// <summary>f = ReLU(pre).</summary>
    Relu,

    /// <summary>f = pre · H(pre − θ_l) with a learned per-latent θ (Rajamanoharan et al. 2024; circuit-tracer's jump_relu).</summary>
    JumpRelu,

    /// <summary>f = TopK_k(ReLU(pre)) per layer and token (Gao et al. 2024). circuit-tracer has no TopK CLT.</summary>
    TopK,
}

public sealed record CltConfig
{
    /// <summary>The architecture string of a CLT's cfg.json.</summary>
    public const string ArchitectureName = "clt";

    /// <summary>circuit-tracer's default hooks: each layer's encoder reads the residual stream before the MLP and its
    /// decoders write the MLP outputs (load_clt(feature_input_hook="hook_resid_mid", feature_output_hook="hook_mlp_out")).</summary>
    public const string DefaultInputHook = "hook_resid_mid";
    public const string DefaultOutputHook = "hook_mlp_out";

    private static readonly Dictionary<string, CltActivation> ActivationNames = new(StringComparer.Ordinal)
    {
        ["relu"] = CltActivation.Relu,
        ["jumprelu"] = CltActivation.JumpRelu,
        ["topk"] = CltActivation.TopK,
    };

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public required CltActivation Activation { get; init; }

    /// <summary>L, the layers spanned: encoder l reads layer l's input hook, for l = 0 … L − 1.</summary>
    public required int NLayers { get; init; }

    /// <summary>Residual width d_model (of both the hooks read and the hooks predicted).</summary>
    public required int DModel { get; init; }

    /// <summary>F, latents per layer (circuit-tracer's d_transcoder); the CLT has L·F latents in all.</summary>
    public required int DSae { get; init; }

    /// <summary>Latents kept per layer and token (topk only).</summary>
    public int? K { get; init; }

    /// <summary>The hook each encoder reads, relative to blocks.{l} (hook_resid_mid).</summary>
    public string InputHook { get; init; } = DefaultInputHook;

    /// <summary>The hook each output layer predicts, relative to blocks.{l} (hook_mlp_out).</summary>
    public string OutputHook { get; init; } = DefaultOutputHook;

    /// <summary>The subject model the CLT was trained on.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>dtype of the saved weights (always float32 when we write; any float type reads).</summary>
    public string Dtype { get; init; } = "float32";

    /// <summary>"none" once scales are folded (every saved CLT); "expected_average_only_in" while scales are in force.</summary>
    public string NormalizeActivations { get; init; } = DictionaryConfig.NormalizeNone;

    public int ContextSize { get; init; } = 128;
    public bool PrependBos { get; init; } = true;
    public string DatasetPath { get; init; } = "";

    /// <summary>Total latents L·F.</summary>
    public int LatentCount => NLayers * DSae;

    /// <summary>Our name of the activation (relu, jumprelu, topk).</summary>
    public string ActivationName => ActivationNames.First(e => e.Value == Activation).Key;

    public static IReadOnlyCollection<string> Activations => ActivationNames.Keys;

    public static bool TryParseActivation(string name, out CltActivation activation) =>
        ActivationNames.TryGetValue(name == "jump_relu" ? "jumprelu" : name, out activation);

    /// <summary>The full hook name encoder l reads (blocks.{l}.hook_resid_mid).</summary>
    public string InputHookName(int layer) => $"blocks.{layer}.{InputHook}";

    /// <summary>The full hook name output layer l predicts (blocks.{l}.hook_mlp_out).</summary>
    public string OutputHookName(int layer) => $"blocks.{layer}.{OutputHook}";

    public IReadOnlyList<string> InputHookNames => Enumerable.Range(0, NLayers).Select(InputHookName).ToArray();
    public IReadOnlyList<string> OutputHookNames => Enumerable.Range(0, NLayers).Select(OutputHookName).ToArray();

    /// <summary>What is wrong with this config, as messages naming the cfg.json field; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (NLayers <= 0) problems.Add($"n_layers is {NLayers} — expected a positive layer count");
        if (DModel <= 0) problems.Add($"d_model is {DModel} — expected a positive dimension");
        if (DSae <= 0) problems.Add($"d_sae is {DSae} — expected a positive width per layer");
        if (Activation == CltActivation.TopK && (K is not int k || k < 1 || k > DSae))
            problems.Add($"k is {K?.ToString() ?? "missing"} — expected 1 to d_sae ({DSae}) for topk");
        if (Activation != CltActivation.TopK && K is not null) problems.Add($"k is {K} but activation {ActivationName} keeps no fixed count");
        if (!IsHookSuffix(InputHook)) problems.Add($"feature_input_hook '{Clip(InputHook)}' is not a hook name inside a block (expected e.g. {DefaultInputHook})");
        if (!IsHookSuffix(OutputHook)) problems.Add($"feature_output_hook '{Clip(OutputHook)}' is not a hook name inside a block (expected e.g. {DefaultOutputHook})");
        if (NormalizeActivations is not (DictionaryConfig.NormalizeNone or DictionaryConfig.NormalizeExpectedAverage))
            problems.Add($"normalize_activations '{Clip(NormalizeActivations)}' is not supported — expected none or {DictionaryConfig.NormalizeExpectedAverage}");
        if (ContextSize <= 0) problems.Add($"context_size is {ContextSize} — expected a positive token count");
        return problems;
    }

    /// <summary>Throws ArgumentException with the first problem (for configs built in code).</summary>
    public CltConfig EnsureValid()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new ArgumentException($"invalid cross-layer transcoder config: {problems[0]}");
        return this;
    }

    /// <summary>cfg.json as written. circuit-tracer reads no cfg.json (it infers shapes from the weights and takes the
    /// hooks as arguments); ours records what it cannot infer (topk's k, the hooks, the model).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["architecture"] = ArchitectureName,
            ["activation"] = ActivationName,
            ["n_layers"] = NLayers,
            ["d_model"] = DModel,
            ["d_sae"] = DSae,
        };
        if (K is int k) json["k"] = k;
        json["feature_input_hook"] = InputHook;
        json["feature_output_hook"] = OutputHook;
        json["hook_names_in"] = new JsonArray([.. InputHookNames.Select(h => (JsonNode)h)]);
        json["hook_names_out"] = new JsonArray([.. OutputHookNames.Select(h => (JsonNode)h)]);
        json["model_name"] = ModelName;
        json["dtype"] = Dtype;
        json["normalize_activations"] = NormalizeActivations;
        json["context_size"] = ContextSize;
        json["prepend_bos"] = PrependBos;
        json["dataset_path"] = DatasetPath;
        return json;
    }

    public string ToJsonText() => ToJson().ToJsonString(Indented) + "\n";

    /// <summary>Reads and validates a CLT cfg.json; every fault is one line naming the file and the field.</summary>
    public static CltConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no cfg.json — expected a cross-layer transcoder directory", path);
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { MaxDepth = 32 }); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: malformed JSON ({e.Message.ReplaceLineEndings(" ")})"); }
        return Parse(node as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object"), path);
    }

    public static CltConfig Parse(JsonObject json, string path)
    {
        var f = new CfgFields(json, path);
        string architecture = f.String("architecture");
        if (architecture != ArchitectureName)
            throw f.Fault($"architecture '{CfgFields.Show(json["architecture"]).Trim('"')}' is not a cross-layer transcoder — expected '{ArchitectureName}'");
        string activationName = f.String("activation");
        if (!TryParseActivation(activationName, out var activation))
            throw f.Fault($"activation '{CfgFields.Show(json["activation"]).Trim('"')}' is not supported — expected one of {string.Join(", ", Activations)}");
        var config = new CltConfig
        {
            Activation = activation,
            NLayers = f.Positive("n_layers", "layer count"),
            DModel = f.Positive("d_model", "dimension"),
            DSae = f.Positive("d_sae", "width per layer"),
            K = f.OptionalInt("k"),
            InputHook = f.OptionalString("feature_input_hook") ?? DefaultInputHook,
            OutputHook = f.OptionalString("feature_output_hook") ?? DefaultOutputHook,
            ModelName = f.OptionalString("model_name") ?? "",
            Dtype = f.OptionalString("dtype") ?? "float32",
            NormalizeActivations = f.OptionalString("normalize_activations") ?? DictionaryConfig.NormalizeNone,
            ContextSize = f.OptionalInt("context_size") ?? 128,
            PrependBos = f.OptionalBool("prepend_bos") ?? true,
            DatasetPath = f.OptionalString("dataset_path") ?? "",
        };
        var problems = config.Problems();
        if (problems.Count > 0) throw f.Fault(problems[0]);
        CheckHookList(f, json, "hook_names_in", config.InputHookNames);
        CheckHookList(f, json, "hook_names_out", config.OutputHookNames);
        return config;
    }

    /// <summary>The optional full hook lists must agree with the per-block hooks and n_layers (they are written for readers).</summary>
    private static void CheckHookList(CfgFields f, JsonObject json, string key, IReadOnlyList<string> expected)
    {
        if (f.Node(key) is not { } node) return;
        var names = (node as JsonArray)?.Select(n => n is JsonValue v && v.TryGetValue(out string? s) ? s : null).ToArray();
        if (names is null || !names.SequenceEqual(expected))
            throw f.Fault($"{key} is {CfgFields.Show(node)} — expected [{string.Join(", ", expected.Take(3))}{(expected.Count > 3 ? ", …" : "")}] for n_layers {expected.Count}");
    }

    /// <summary>A hook name relative to blocks.{l}: dotted lowercase segments, the last one hook_* (ln2.hook_normalized).</summary>
    private static bool IsHookSuffix(string s) =>
        s.Length is > 0 and <= 100 && !s.StartsWith("blocks.", StringComparison.Ordinal)
        && s.Split('.')[^1].StartsWith("hook_", StringComparison.Ordinal)
        && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.');

    private static string Clip(string s) => (s.Length <= 40 ? s : s[..40] + "…").ReplaceLineEndings(" ");
}
