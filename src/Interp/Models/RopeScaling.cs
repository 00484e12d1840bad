// RopeScaling — config.json's rope_scaling for the Llama family: "linear" (every frequency divided by factor) and
// "llama3" (Llama 3.1's wavelength-dependent scaling, as transformers' _compute_llama3_parameters). Other types are
// refused by name rather than computed wrongly.
using System.Text.Json.Nodes;

namespace InterpEval.Interp.Models;

public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor = 1, double HighFreqFactor = 4, double OriginalContext = 8192)
{
    public static RopeScaling? Parse(JsonNode? node, string path)
    {
        if (node is null) return null;
        if (node is not JsonObject o) throw new InvalidDataException($"{path}: rope_scaling should be an object or null");
        string type = (string?)(o["rope_type"] ?? o["type"]) ?? throw new InvalidDataException($"{path}: rope_scaling has no rope_type");
        double Number(string key, double? fallback = null) =>
            o[key] is JsonValue v && v.TryGetValue(out double d) ? d
            : fallback ?? throw new InvalidDataException($"{path}: rope_scaling.{key} is missing or not a number");
        return type switch
        {
            "default" => null,
            "linear" => new RopeScaling(type, Number("factor")),
            "llama3" => new RopeScaling(type, Number("factor"), Number("low_freq_factor"), Number("high_freq_factor"), Number("original_max_position_embeddings")),
            _ => throw new InvalidDataException($"{path}: rope_scaling type '{type}' is not supported — expected linear or llama3"),
        };
    }

    /// <summary>The scaled inverse frequency for one unscaled inverse frequency.</summary>
    public double Scale(double invFreq)
    {
        if (Type == "linear") return invFreq / Factor;
        double wavelength = 2 * Math.PI / invFreq;
        double lowWavelength = OriginalContext / LowFreqFactor, highWavelength = OriginalContext / HighFreqFactor;
        if (wavelength < highWavelength) return invFreq;                                  // high frequencies: unchanged
        if (wavelength > lowWavelength) return invFreq / Factor;                          // low frequencies: scaled
        double smooth = (OriginalContext / wavelength - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
        return (1 - smooth) * invFreq / Factor + smooth * invFreq;
    }

    public JsonObject ToJson() => Type == "linear"
        ? new JsonObject { ["rope_type"] = Type, ["factor"] = Factor }
        : new JsonObject
        {
            ["rope_type"] = Type, ["factor"] = Factor, ["low_freq_factor"] = LowFreqFactor, ["high_freq_factor"] = HighFreqFactor,
            ["original_max_position_embeddings"] = OriginalContext,
        };
}
