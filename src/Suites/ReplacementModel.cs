// ReplacementModel — finds and checks a set of per-layer transcoders that forms a full replacement model of a subject model: one per
// layer, layer l reading blocks.{l}.ln2.hook_normalized and predicting blocks.{l}.hook_mlp_out. The splicing itself is
// FidelitySuite.Splice; cross-layer transcoders (one dictionary, many decoders) are not handled here.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Suites;

public static class ReplacementModel
{
    /// <summary>The transcoders among `dictionaries` that replace every MLP of the model, in layer order (the first
    /// reading each layer's ln2.hook_normalized and predicting its hook_mlp_out); null when some layer has none.</summary>
    public static IReadOnlyList<SparseDictionary>? LayerSet(IEnumerable<SparseDictionary> dictionaries, TransformerModel model)
    {
        var byLayer = new List<SparseDictionary>();
        for (int l = 0; l < model.Config.NLayers; l++)
        {
            var match = dictionaries.FirstOrDefault(d => d.Kind.IsTranscoder()
                && d.Config.HookName == HookNames.Ln2Normalized(l) && d.Config.HookNameOut == HookNames.MlpOut(l));
            if (match is null) return null;
            byLayer.Add(match);
        }
        return Problem(byLayer, model) is null ? byLayer : null;
    }

    /// <summary>What is wrong with the set, or null when it replaces every MLP of the model.</summary>
    public static string? Problem(IReadOnlyList<SparseDictionary> transcoders, TransformerModel model)
    {
        int layers = model.Config.NLayers;
        if (transcoders.Count != layers)
            return $"the full replacement model needs one transcoder per layer: got {transcoders.Count} for {layers} layers";
        for (int l = 0; l < layers; l++)
        {
            var c = transcoders[l].Config;
            if (!c.Kind.IsTranscoder()) return $"replacement layer {l}: a {c.Kind.Name()} is not a transcoder";
            if (c.HookName != HookNames.Ln2Normalized(l) || c.HookNameOut != HookNames.MlpOut(l))
                return $"replacement layer {l}: reads {c.HookName} → {c.HookNameOut}, expected {HookNames.Ln2Normalized(l)} → {HookNames.MlpOut(l)}";
        }
        return null;
    }
}
