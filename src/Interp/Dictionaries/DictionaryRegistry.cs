// DictionaryRegistry — the architectures by name (relu, topk, batchtopk, jumprelu, gated, matryoshka-batchtopk), each with how to make a fresh one
// for training and how to build one from stored weights, and the table between our names and the architecture strings
// of cfg.json files (SAELens's: standard, topk, jumprelu, gated, transcoder, skip_transcoder, jumprelu_transcoder,
// jumprelu_skip_transcoder). Training-only forms (batchtopk, matryoshka-batchtopk) are saved as jumprelu. Adding an architecture is adding an entry: there is no if/else chain.
namespace InterpEval.Interp.Dictionaries;

/// <param name="Name">Our name (--arch).</param>
/// <param name="Create">A freshly initialised dictionary for training: (config, seed, device).</param>
/// <param name="FromWeights">A dictionary built from stored weights (taking ownership of them).</param>
/// <param name="StoresThreshold">Whether its weights file holds a threshold [d_sae].</param>
public sealed record DictionaryArchitecture(
    string Name,
    Func<DictionaryConfig, ulong, Device, SparseDictionary> Create,
    Func<DictionaryConfig, DictionaryWeights, Device, SparseDictionary> FromWeights,
    bool StoresThreshold)
{
    /// <summary>The file key of its encoder bias (b_enc; gated: b_gate).</summary>
    public string EncoderBiasKey { get; init; } = DictionaryWeights.BEncKey;

    /// <summary>Its own [d_sae] tensors in the weights file (gated: r_mag, b_mag).</summary>
    public IReadOnlyList<string> ExtraTensors { get; init; } = [];
}

public static class DictionaryRegistry
{
    private static readonly Dictionary<string, DictionaryArchitecture> Architectures = new[]
    {
        new DictionaryArchitecture("relu", ReluDictionary.Create, (c, w, d) => new ReluDictionary(c, w, d), StoresThreshold: false),
        new DictionaryArchitecture("topk", TopKDictionary.Create, (c, w, d) => new TopKDictionary(c, w, d), StoresThreshold: false),
        new DictionaryArchitecture("batchtopk", BatchTopKDictionary.Create, (c, w, d) => new BatchTopKDictionary(c, w, d), StoresThreshold: false),
        new DictionaryArchitecture("jumprelu", JumpReluDictionary.Create, (c, w, d) => new JumpReluDictionary(c, w, d), StoresThreshold: true),
        new DictionaryArchitecture("gated", GatedDictionary.Create, (c, w, d) => new GatedDictionary(c, w, d), StoresThreshold: false)
        {
            EncoderBiasKey = GatedDictionary.BGateKey, ExtraTensors = [GatedDictionary.RMagKey, GatedDictionary.BMagKey],
        },
        new DictionaryArchitecture("matryoshka-batchtopk", MatryoshkaBatchTopKDictionary.Create,
            (c, w, d) => new MatryoshkaBatchTopKDictionary(c, w, d), StoresThreshold: false),
    }.ToDictionary(a => a.Name, StringComparer.Ordinal);

    /// <summary>cfg.json architecture strings we read → our architecture and the kind the string implies (null: the kind
    /// comes from our "kind" field, default sae). SAELens has no topk transcoder, so "topk" defers to the kind field.</summary>
    private static readonly Dictionary<string, (string Architecture, DictionaryKind? Kind)> FileNames = new(StringComparer.Ordinal)
    {
        ["standard"] = ("relu", DictionaryKind.Sae),
        ["relu"] = ("relu", null),
        ["topk"] = ("topk", null),
        ["jumprelu"] = ("jumprelu", DictionaryKind.Sae),
        ["gated"] = ("gated", null),
        ["transcoder"] = ("relu", DictionaryKind.Transcoder),
        ["skip_transcoder"] = ("relu", DictionaryKind.SkipTranscoder),
        ["jumprelu_transcoder"] = ("jumprelu", DictionaryKind.Transcoder),
        ["jumprelu_skip_transcoder"] = ("jumprelu", DictionaryKind.SkipTranscoder),
    };

    /// <summary>What we write to cfg.json for (architecture, kind): the SAELens name that loads it there.</summary>
    private static readonly Dictionary<(string, DictionaryKind), string> SaeLensNames = new()
    {
        [("relu", DictionaryKind.Sae)] = "standard",
        [("relu", DictionaryKind.Transcoder)] = "transcoder",
        [("relu", DictionaryKind.SkipTranscoder)] = "skip_transcoder",
        [("topk", DictionaryKind.Sae)] = "topk",
        [("topk", DictionaryKind.Transcoder)] = "topk",
        [("topk", DictionaryKind.SkipTranscoder)] = "topk",
        [("jumprelu", DictionaryKind.Sae)] = "jumprelu",
        [("gated", DictionaryKind.Sae)] = "gated",
        [("gated", DictionaryKind.Transcoder)] = "gated",
        [("gated", DictionaryKind.SkipTranscoder)] = "gated",
        [("jumprelu", DictionaryKind.Transcoder)] = "jumprelu_transcoder",
        [("jumprelu", DictionaryKind.SkipTranscoder)] = "jumprelu_skip_transcoder",
    };

    /// <summary>Our architecture names, for --arch and messages.</summary>
    public static IReadOnlyCollection<string> Names => Architectures.Keys;

    /// <summary>The architecture strings a cfg.json may hold.</summary>
    public static IReadOnlyCollection<string> FileArchitectures => FileNames.Keys;

    public static bool IsKnown(string name) => Architectures.ContainsKey(name);

    public static DictionaryArchitecture Get(string name) =>
        Architectures.TryGetValue(name, out var a) ? a
            : throw new ArgumentException($"architecture '{name}' is not supported — expected one of {string.Join(", ", Names)}", nameof(name));

    /// <summary>A freshly initialised dictionary of config.Architecture for training.</summary>
    public static SparseDictionary Create(DictionaryConfig config, ulong seed, Device device) =>
        Get(config.EnsureValid().Architecture).Create(config, seed, device);

    /// <summary>The cfg.json architecture string for (architecture, kind); batchtopk has none (it is saved as jumprelu).</summary>
    public static string FileArchitecture(string architecture, DictionaryKind kind) =>
        SaeLensNames.TryGetValue((architecture, kind), out var name) ? name
            : throw new InvalidOperationException($"architecture '{architecture}' has no saved form of its own (a {kind.Name()} must be converted before saving)");

    /// <summary>Our architecture and implied kind for a cfg.json architecture string; an unknown one names the known ones.</summary>
    internal static (string Architecture, DictionaryKind? Kind) ResolveFileArchitecture(string fileName, string path) =>
        FileNames.TryGetValue(fileName, out var entry) ? entry
            : throw new InvalidDataException(
                $"{path}: architecture '{Clip(fileName)}' is not supported — expected one of {string.Join(", ", FileNames.Keys)}");

    private static string Clip(string s) => s.Length <= 40 ? s.ReplaceLineEndings(" ") : s[..40].ReplaceLineEndings(" ") + "…";
}
