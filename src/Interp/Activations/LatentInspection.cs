// LatentInspection — a dictionary's top active latents at each token of a prompt (what `inspect` shows): one forward
// pass to the dictionary's hook, encode, the largest activations per position. Leading positions the caller marks
// (a document separator) are read but not reported. Printing is the tool's.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Torch;

namespace InterpEval.Interp.Activations;

public sealed record TokenLatents(int Position, long Id, string Token, IReadOnlyList<LatentValue> Latents);

public sealed record LatentValue(int Latent, double Value);

public static class LatentInspection
{
    /// <summary>Per token of ids after the first `skip` (position 0 = ids[skip]): up to `top` latents with activation
    /// &gt; 0, largest first. ids must fit the model's context.</summary>
    public static List<TokenLatents> TopLatents(TransformerModel model, SparseDictionary dictionary, ITokenizer tokenizer, long[] ids, int skip, int top)
    {
        if (ids.Length > model.Config.NCtx) throw new ArgumentException($"{ids.Length} tokens exceed the model's context of {model.Config.NCtx}");
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var x = LatentHarvester.Capture(model, Tensor.From<long>(ids, [1, ids.Length], model.Device), dictionary.Config.HookName);  // [1, T, D]
        var f = dictionary.Encode(x.Select(0, 0)).To(Device.Cpu);                                                                  // [T, F]
        var best = f.TopK(Math.Min(top, dictionary.DSae), 1);
        float[] values = best.Values.ToArray<float>();
        long[] latents = best.Indices.ToArray<long>();
        int k = (int)best.Values.Size(1);
        var rows = new List<TokenLatents>();
        for (int t = skip; t < ids.Length; t++)
        {
            var active = Enumerable.Range(t * k, k).Where(e => values[e] > 0).Select(e => new LatentValue((int)latents[e], values[e])).ToList();
            rows.Add(new TokenLatents(t - skip, ids[t], tokenizer.TokenText((int)ids[t]), active));
        }
        return rows;
    }
}
