// DictionaryKind — what a dictionary predicts: its own input (sae), another hook point (transcoder), or another hook
// point plus a learned linear skip from its input (skip-transcoder). Cross-layer transcoders are a different shape
// (many encoders, many decoders) and live elsewhere.
namespace InterpEval.Interp.Dictionaries;

public enum DictionaryKind
{
    /// <summary>Reconstructs the hook it reads: x̂ = f W_dec + b_dec.</summary>
    Sae,

    /// <summary>Reads one hook (MLP input) and predicts another (MLP output): ŷ = f W_dec + b_dec.</summary>
    Transcoder,

    /// <summary>A transcoder plus a learned linear skip: ŷ = f W_dec + b_dec + x W_skipᵀ (SAELens's W_skip, [d_out, d_in]).</summary>
    SkipTranscoder,
}

public static class DictionaryKinds
{
    private static readonly Dictionary<string, DictionaryKind> ByName = new(StringComparer.Ordinal)
    {
        ["sae"] = DictionaryKind.Sae,
        ["transcoder"] = DictionaryKind.Transcoder,
        ["skip-transcoder"] = DictionaryKind.SkipTranscoder,
    };

    /// <summary>Every kind name, for messages and --help.</summary>
    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>The name written to cfg.json and accepted by --kind ("skip-transcoder").</summary>
    public static string Name(this DictionaryKind kind) => ByName.First(e => e.Value == kind).Key;

    public static bool TryParse(string name, out DictionaryKind kind) => ByName.TryGetValue(name, out kind);

    /// <summary>True when the output lives in a different hook than the input (b_dec is an output-space bias).</summary>
    public static bool IsTranscoder(this DictionaryKind kind) => kind != DictionaryKind.Sae;
}
