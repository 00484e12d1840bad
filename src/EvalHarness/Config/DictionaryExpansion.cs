// DictionaryExpansion — turns a dictionary entry with "layers" ("all" or a list of layer numbers) into one entry per
// layer once the subject model's depth is known: id "{id}-l{layer}", hook the kind's default at that layer (sae:
// hook_resid_post; transcoders: ln2.hook_normalized → that layer's hook_mlp_out). It trains and loads nothing.
using System.Text.Json.Nodes;
using InterpEval.Interp.Models;

namespace InterpEval.Harness.Config;

public static class DictionaryExpansion
{
    /// <summary>Every entry, per-layer entries expanded in layer order in place; InvalidDataException naming the entry on a bad "layers".</summary>
    public static IReadOnlyList<DictionarySpec> Expand(IReadOnlyList<DictionarySpec> specs, int modelLayers)
    {
        List<DictionarySpec> expanded = [.. specs.SelectMany(s => s.Layers is null ? [s] : PerLayer(s, modelLayers))];
        if (expanded.GroupBy(d => d.Id).FirstOrDefault(g => g.Count() > 1) is { } dup)
            throw new InvalidDataException($"config: dictionaries: two are named '{dup.Key}' (after expanding \"layers\")");
        return expanded;
    }

    /// <summary>The checks that need no model: "layers" is "all" or a non-empty list of distinct non-negative integers,
    /// on a trained sae or transcoder with no hook of its own.</summary>
    public static string? Problem(DictionarySpec spec)
    {
        if (spec.Layers is null) return null;
        if (spec.Kind == "clt") return "a clt already spans every layer; give no \"layers\"";
        if (spec.Path is not null) return "\"layers\" trains one dictionary per layer; give no \"path\"";
        if (spec.Hook is not null || spec.HookOut is not null) return "\"layers\" sets each layer's hook; give no \"hook\"/\"hook_out\"";
        if (spec.Layers is JsonValue v && v.TryGetValue(out string? all) && all == "all") return null;
        if (spec.Layers is not JsonArray { Count: > 0 } list) return "layers must be \"all\" or a non-empty list of layer numbers";
        var seen = new HashSet<int>();
        foreach (JsonNode? n in list)
        {
            if (n is not JsonValue e || !e.TryGetValue(out int layer) || layer < 0) return $"layers: '{n?.ToJsonString()}' is not a layer number";
            if (!seen.Add(layer)) return $"layers: layer {layer} is listed twice";
        }
        return null;
    }

    private static IEnumerable<DictionarySpec> PerLayer(DictionarySpec spec, int modelLayers)
    {
        IEnumerable<int> layers = spec.Layers is JsonArray list ? list.Select(n => n!.GetValue<int>()) : Enumerable.Range(0, modelLayers);
        foreach (int layer in layers)
        {
            if (layer >= modelLayers)
                throw new InvalidDataException($"config: dictionaries[{spec.Id}].layers: layer {layer} — the model has {modelLayers} layers (0..{modelLayers - 1})");
            string hook = spec.Kind == "sae" ? HookNames.ResidPost(layer) : HookNames.Ln2Normalized(layer);
            yield return spec with { Id = $"{spec.Id}-l{layer}", Hook = hook, HookOut = spec.Kind == "sae" ? null : HookNames.MlpOut(layer), Layers = null };
        }
    }
}
