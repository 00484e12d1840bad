// DictionaryConfig — the facts of a dictionary that cfg.json carries: architecture, kind, widths, the hook points it
// reads and predicts, and the SAELens bookkeeping fields. It reads SAELens's layouts (the flat one of SAELens < 6 and
// the 6.x one with a "metadata" object) and writes the flat one, which both load. Every fault on load is one line
// naming the file and the field. Training hyperparameters (coefficients, learning rates) are not kept here.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace InterpEval.Interp.Dictionaries;

public sealed record DictionaryConfig
{
    public const string NormalizeNone = "none";

    /// <summary>SAELens's name for "activations were scaled by a constant so E‖x‖² = d_in during training".</summary>
    public const string NormalizeExpectedAverage = "expected_average_only_in";

    private static readonly string[] NormalizeModes = [NormalizeNone, NormalizeExpectedAverage];

    /// <summary>SAELens's dtype names (its DTYPE_MAP); weights are always computed in float32 here.</summary>
    private static readonly string[] Dtypes =
        ["float32", "float64", "float16", "bfloat16", "torch.float32", "torch.float64", "torch.float16", "torch.bfloat16"];

    private readonly int? _dOut;
    private readonly bool? _applyBDecToInput;

    /// <summary>Our architecture name: relu, topk, batchtopk or jumprelu (cfg.json holds SAELens's name for it).</summary>
    public required string Architecture { get; init; }

    /// <summary>What the dictionary predicts: its input (sae), another hook (transcoder), or another hook plus a skip.</summary>
    public DictionaryKind Kind { get; init; } = DictionaryKind.Sae;

    /// <summary>Width of the activations read (cfg.json d_in).</summary>
    public required int DIn { get; init; }

    /// <summary>Number of latents (cfg.json d_sae).</summary>
    public required int DSae { get; init; }

    /// <summary>Width of the prediction (cfg.json d_out, transcoders only); d_in for an sae.</summary>
    public int DOut { get => _dOut ?? DIn; init => _dOut = value; }

    /// <summary>Active latents per token (topk) or per token on average over a batch (batchtopk); null otherwise.</summary>
    public int? K { get; init; }

    /// <summary>SAELens's dtype string, kept for the record; weights load as float32 whatever it says.</summary>
    public string Dtype { get; init; } = "float32";

    /// <summary>SAELens's device string, kept for the record; Load takes the device to use.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The subject model the dictionary was trained on.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The hook point read, named like TransformerLens (blocks.2.ln2.hook_normalized).</summary>
    public string HookName { get; init; } = "";

    /// <summary>The layer of HookName (SAELens requires one; 0 for hooks outside the blocks).</summary>
    public int HookLayer { get; init; }

    /// <summary>SAELens's hook_head_index; always null for the hooks this tool reads.</summary>
    public int? HookHeadIndex { get; init; }

    /// <summary>The hook point a transcoder predicts (blocks.2.hook_mlp_out); null for an sae.</summary>
    public string? HookNameOut { get; init; }

    /// <summary>The layer of HookNameOut.</summary>
    public int? HookLayerOut { get; init; }

    /// <summary>Subtract b_dec from the input before encoding (SAELens's default for SAEs); always false for transcoders,
    /// whose b_dec lives in the output space.</summary>
    public bool ApplyBDecToInput { get => _applyBDecToInput ?? !Kind.IsTranscoder(); init => _applyBDecToInput = value; }

    /// <summary>"none", or "expected_average_only_in" while a scale is in force (a saved dictionary is always folded: "none").</summary>
    public string NormalizeActivations { get; init; } = NormalizeNone;

    /// <summary>Tokens per training sequence.</summary>
    public int ContextSize { get; init; } = 128;

    /// <summary>Whether training sequences started with BOS.</summary>
    public bool PrependBos { get; init; } = true;

    /// <summary>Where the training tokens came from (free text).</summary>
    public string DatasetPath { get; init; } = "";

    /// <summary>The architecture a dictionary was trained as when it is saved as another ("batchtopk" saved as jumprelu).</summary>
    public string? ConvertedFrom { get; init; }

    /// <summary>Nested prefix widths of a Matryoshka dictionary, ascending, the last = d_sae (cfg.json
    /// matryoshka_widths); null otherwise.</summary>
    public IReadOnlyList<int>? MatryoshkaWidths { get; init; }

    /// <summary>Whether the architecture keeps K latents (topk, batchtopk, matryoshka-batchtopk).</summary>
    public bool UsesK => Architecture is "topk" or "batchtopk" or "matryoshka-batchtopk";

    /// <summary>What is wrong with this config, as messages naming the cfg.json field; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!DictionaryRegistry.IsKnown(Architecture))
            problems.Add($"architecture '{Architecture}' is not supported — expected one of {string.Join(", ", DictionaryRegistry.Names)}");
        if (DIn <= 0) problems.Add($"d_in is {DIn} — expected a positive dimension");
        if (DSae <= 0) problems.Add($"d_sae is {DSae} — expected a positive width");
        if (DOut <= 0) problems.Add($"d_out is {DOut} — expected a positive dimension");
        if (!Kind.IsTranscoder() && DOut != DIn) problems.Add($"d_out is {DOut} but an sae predicts its own {DIn}-wide input");
        if (UsesK && (K is not int k || k < 1 || k > DSae)) problems.Add($"k is {K?.ToString() ?? "missing"} — expected 1 to d_sae ({DSae}) for {Architecture}");
        if (Kind.IsTranscoder() && ApplyBDecToInput) problems.Add("apply_b_dec_to_input is true for a transcoder — expected false (its b_dec is an output-space bias)");
        if (!NormalizeModes.Contains(NormalizeActivations))
            problems.Add($"normalize_activations '{NormalizeActivations}' is not supported — expected {string.Join(" or ", NormalizeModes)}");
        if (!Dtypes.Contains(Dtype)) problems.Add($"dtype '{Dtype}' is not supported — expected one of {string.Join(", ", Dtypes.Take(4))}");
        if (MatryoshkaWidths is { } widths && (widths.Count == 0 || widths[^1] != DSae || widths.Zip(widths.Skip(1)).Any(p => p.First >= p.Second) || widths[0] < 1))
            problems.Add($"matryoshka_widths [{string.Join(", ", widths)}] — expected ascending positive widths ending at d_sae ({DSae})");
        if (ContextSize <= 0) problems.Add($"context_size is {ContextSize} — expected a positive token count");
        return problems;
    }

    /// <summary>Throws ArgumentException with the first problem (for configs built in code).</summary>
    public DictionaryConfig EnsureValid()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new ArgumentException($"invalid dictionary config: {problems[0]}");
        return this;
    }

    /// <summary>cfg.json as written: SAELens's flat (pre-6.0) field set, which SAELens 5.x and 6.x both load, plus our
    /// own fields (kind, hook_name_out, converted_from), which SAELens ignores. A batchtopk config has no saved form
    /// (the dictionary saves itself as a jumprelu) and throws.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["architecture"] = DictionaryRegistry.FileArchitecture(Architecture, Kind),
            ["d_in"] = DIn,
            ["d_sae"] = DSae,
        };
        if (Kind.IsTranscoder()) json["d_out"] = DOut;
        json["dtype"] = Dtype;
        json["device"] = Device;
        json["model_name"] = ModelName;
        json["hook_name"] = HookName;
        json["hook_layer"] = HookLayer;
        json["hook_head_index"] = HookHeadIndex;
        json["activation_fn_str"] = UsesK ? "topk" : "relu";
        json["activation_fn_kwargs"] = UsesK ? new JsonObject { ["k"] = K } : new JsonObject();
        if (UsesK) json["k"] = K;
        json["apply_b_dec_to_input"] = ApplyBDecToInput;
        json["finetuning_scaling_factor"] = false;
        json["sae_lens_training_version"] = null;
        json["prepend_bos"] = PrependBos;
        json["dataset_path"] = DatasetPath;
        json["dataset_trust_remote_code"] = true;
        json["context_size"] = ContextSize;
        json["normalize_activations"] = NormalizeActivations;
        json["neuronpedia_id"] = null;
        json["model_from_pretrained_kwargs"] = new JsonObject();
        json["seqpos_slice"] = new JsonArray((JsonNode?)null);
        json["kind"] = Kind.Name();
        if (Kind.IsTranscoder())
        {
            json["hook_name_out"] = HookNameOut;
            json["hook_layer_out"] = HookLayerOut;
        }
        if (ConvertedFrom is not null) json["converted_from"] = ConvertedFrom;
        if (MatryoshkaWidths is { } widths) json["matryoshka_widths"] = new JsonArray(widths.Select(w => (JsonNode)w).ToArray());
        return json;
    }

    /// <summary>Reads and validates a cfg.json; every fault is one line naming the file and the field.</summary>
    public static DictionaryConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no cfg.json — expected a dictionary directory (cfg.json + sae_weights.safetensors)", path);
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { MaxDepth = 32 }); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: malformed JSON ({e.Message.ReplaceLineEndings(" ")})"); }
        return Parse(node as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object"), path);
    }

    public static DictionaryConfig Parse(JsonObject json, string path)
    {
        var f = new CfgFields(json, path);
        string fileArchitecture = f.String("architecture");
        var (architecture, impliedKind) = DictionaryRegistry.ResolveFileArchitecture(fileArchitecture, path);
        DictionaryKind kind = ReadKind(f, fileArchitecture, impliedKind);
        if (f.OptionalBool("finetuning_scaling_factor") == true)
            throw f.Fault("finetuning_scaling_factor is true — not supported (expected false: no per-latent output scale)");
        if (f.OptionalString("reshape_activations") is { } reshape && reshape != "none")
            throw f.Fault($"reshape_activations '{reshape}' is not supported — expected none");
        var config = new DictionaryConfig
        {
            Architecture = architecture,
            Kind = kind,
            DIn = f.Positive("d_in", "dimension"),
            DSae = f.Positive("d_sae", "width"),
            K = ReadK(f, architecture),
            Dtype = f.OptionalString("dtype") ?? "float32",
            Device = f.OptionalString("device") ?? "cpu",
            ModelName = f.OptionalString("model_name") ?? "",
            HookName = f.OptionalString("hook_name") ?? "",
            HookLayer = f.OptionalInt("hook_layer") ?? 0,
            HookHeadIndex = f.OptionalInt("hook_head_index"),
            HookNameOut = f.OptionalString("hook_name_out"),
            HookLayerOut = f.OptionalInt("hook_layer_out"),
            NormalizeActivations = ReadNormalize(f),
            ContextSize = f.OptionalInt("context_size") ?? 128,
            PrependBos = f.OptionalBool("prepend_bos") ?? true,
            DatasetPath = f.OptionalString("dataset_path") ?? "",
            ConvertedFrom = f.OptionalString("converted_from"),
            MatryoshkaWidths = ReadWidths(f),
        };
        // Fields whose default depends on the kind are set only when the file says something else, so that a config
        // built in code and the same config read back from disk are equal.
        int? dOut = f.OptionalPositive("d_out", "dimension");
        if (kind.IsTranscoder()) config = config with { DOut = dOut ?? throw f.Fault("missing field 'd_out' (a transcoder's output width)") };
        else if (dOut is int o && o != config.DIn) throw f.Fault($"d_out is {o} but an sae predicts its own {config.DIn}-wide input");
        if (f.OptionalBool("apply_b_dec_to_input") is bool apply && apply != config.ApplyBDecToInput)
            config = config with { ApplyBDecToInput = apply };
        var problems = config.Problems();
        if (problems.Count > 0) throw f.Fault(problems[0]);
        return config;
    }

    /// <summary>Our kind field when present (it must agree with a SAELens name that implies a kind), else the implied one.</summary>
    private static DictionaryKind ReadKind(CfgFields f, string fileArchitecture, DictionaryKind? implied)
    {
        string? name = f.OptionalString("kind");
        if (name is null) return implied ?? DictionaryKind.Sae;
        if (!DictionaryKinds.TryParse(name, out var kind))
            throw f.Fault($"kind '{name}' is not known — expected one of {string.Join(", ", DictionaryKinds.Names)}");
        if (implied is { } i && i != kind)
            throw f.Fault($"kind '{name}' contradicts architecture '{fileArchitecture}', which is a {i.Name()}");
        return kind;
    }

    /// <summary>k from SAELens 5's activation_fn_kwargs.k or SAELens 6's top-level k.</summary>
    private static int? ReadK(CfgFields f, string architecture)
    {
        JsonNode? node = (f.Node("activation_fn_kwargs") as JsonObject)?["k"] ?? f.Node("k");
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue(out double d) && d == Math.Floor(d) && d is >= 1 and <= int.MaxValue) return (int)d;
        throw f.Fault($"k is {CfgFields.Show(node)} — expected a positive integer for {architecture}");
    }

    /// <summary>matryoshka_widths: a list of positive integers, or absent.</summary>
    private static IReadOnlyList<int>? ReadWidths(CfgFields f)
    {
        var node = f.Node("matryoshka_widths");
        if (node is null) return null;
        if (node is not JsonArray list || list.Any(n => n is not JsonValue v || !v.TryGetValue(out int _)))
            throw f.Fault($"matryoshka_widths is {CfgFields.Show(node)} — expected a list of widths");
        return list.Select(n => n!.GetValue<int>()).ToArray();
    }

    /// <summary>normalize_activations, with SAELens's legacy spellings: null is none, a boolean is none / the April-update mode.</summary>
    private static string ReadNormalize(CfgFields f) => f.Node("normalize_activations") switch
    {
        null => NormalizeNone,
        JsonValue v when v.TryGetValue(out bool b) => b ? NormalizeExpectedAverage : NormalizeNone,
        _ => f.OptionalString("normalize_activations")!,
    };
}
