// FeatureSummary — what the feature browser shows for each latent: density on corpus tokens, top activating contexts
// (with the latent's value at every context token), top output tokens (decoder row through the unembedding, W_dec,i ·
// W_U, the model's UnembeddingMatrix; the final norm is ignored) and nearest latents by decoder cosine (DecoderCosines).
// It computes; the tool's feature browser renders.
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Torch;

namespace InterpEval.Interp.Activations;

public sealed record ContextToken(string Text, double Value);

public sealed record TopContext(double Value, IReadOnlyList<ContextToken> Tokens, int Focus);

public sealed record OutputToken(string Text, double Logit);

public sealed record Neighbour(int Latent, double Cosine);

public sealed record LatentSummary(int Latent, double Density, double Max, IReadOnlyList<TopContext> Contexts,
    IReadOnlyList<OutputToken> OutputTokens, IReadOnlyList<Neighbour> Neighbours);

public static class FeatureSummary
{
    public const int Contexts = 8, Window = 8, OutputTokens = 10, Neighbours = 5;

    /// <summary>Summaries of latents 0 … count−1 over the labelled stream's latents.</summary>
    public static List<LatentSummary> Build(TransformerModel model, SparseDictionary dictionary, ITokenizer tokenizer, LabelledTokens stream,
        SparseLatents latents, int count)
    {
        var subject = new Subject(model, dictionary, tokenizer);
        var evaluated = stream.IsSeparator.LongCount(s => !s);
        var outputs = TopOutputTokens(subject, count);
        var neighbours = NearestByDecoderCosine(subject, count);
        var summaries = new List<LatentSummary>();
        for (int j = 0; j < count; j++)
        {
            var (rows, values) = latents.Column(j);
            var active = Enumerable.Range(0, rows.Count).Where(e => values[e] > 0 && !stream.IsSeparator[rows[e]]).ToArray();
            var top = active.OrderByDescending(e => values[e]).ThenBy(e => rows[e]).Take(Contexts)
                .Select(e => Context(subject, stream, latents, j, rows[e], values[e])).ToList();
            summaries.Add(new LatentSummary(j, evaluated == 0 ? 0 : active.Length / (double)evaluated,
                active.Length == 0 ? 0 : active.Max(e => (double)values[e]), top, outputs[j], neighbours[j]));
        }
        return summaries;
    }

    private static TopContext Context(Subject subject, LabelledTokens stream, SparseLatents latents, int j, int row, double value)
    {
        int from = row, to = Math.Min(stream.Count - 1, row + 2);
        while (from > 0 && row - from < Window && !stream.IsSeparator[from - 1]) from--;
        var tokens = Enumerable.Range(from, to - from + 1).TakeWhile(r => r <= row || !stream.IsSeparator[r])
            .Select(r => new ContextToken(subject.Tokenizer.TokenText((int)stream.Ids[r]), latents.At(r, j))).ToList();
        return new TopContext(value, tokens, row - from);
    }

    private sealed record Subject(TransformerModel Model, SparseDictionary Dictionary, ITokenizer Tokenizer);

    // W_dec [F, D] · W_U [D, V] for the shown latents: the ten largest logits each. Empty when the decoder does not write
    // to a d_model-wide stream.
    private static List<OutputToken>[] TopOutputTokens(Subject subject, int count)
    {
        var result = Enumerable.Range(0, count).Select(_ => new List<OutputToken>()).ToArray();
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var unembeddingDV = subject.Model.UnembeddingMatrix;                                         // [D, V]
        if (unembeddingDV.Size(0) != subject.Dictionary.DOut) return result;
        var logits = subject.Dictionary.WDec.Narrow(0, 0, count).Mm(unembeddingDV);                    // [n, V]
        var best = logits.TopK(Math.Min(OutputTokens, logits.Size(1)), 1);
        float[] values = best.Values.To(Device.Cpu).ToArray<float>();
        long[] ids = best.Indices.To(Device.Cpu).ToArray<long>();
        int k = (int)best.Values.Size(1);
        for (int j = 0; j < count; j++)
            for (int i = 0; i < k; i++) result[j].Add(new OutputToken(subject.Tokenizer.TokenText((int)ids[j * k + i]), values[j * k + i]));
        return result;
    }

    private static List<Neighbour>[] NearestByDecoderCosine(Subject subject, int count)
    {
        var wDec = subject.Dictionary.WDec;                                                              // [F, D]
        int k = (int)Math.Min(Neighbours, wDec.Size(0) - 1);
        if (k < 1) return [.. Enumerable.Range(0, count).Select(_ => new List<Neighbour>())];
        using var scope = DisposeScope.Enter();
        DecoderNeighbours best = DecoderCosines.Nearest(wDec.Narrow(0, 0, count), wDec, k, excludeSelf: true);
        return [.. Enumerable.Range(0, count).Select(j => Enumerable.Range(j * k, k).Select(e => new Neighbour(best.Index[e], best.Cosine[e])).ToList())];
    }
}
