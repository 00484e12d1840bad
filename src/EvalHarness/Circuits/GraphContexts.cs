// GraphContexts — the top activating contexts of each latent in a graph, for the viewer's node panel: the first
// ContextTokens tokens of the embedded corpus's training split (documents dealt round-robin across domains, each after
// the model's separator) run through the model in context-sized chunks, each graph latent's activations read through the
// replacement coder, and its TopK tokens kept with a window of text around them. Keyed by node_id; it draws nothing.
using InterpEval.Interp;
using InterpEval.Interp.Circuits;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Suites.Probes;
using InterpEval.Torch;

namespace InterpEval.Harness.Circuits;

/// <summary>One context: the text before the token, the token, the text after it, and the latent's activation there.</summary>
public sealed record TopContext(string Before, string Token, string After, double Activation);

public static class GraphContexts
{
    public const int ContextTokens = 8192;
    public const int TopK = 5;

    /// <summary>node_id → its top contexts, for every feature node of the graph.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<TopContext>> For(CircuitSubject subject, AttributionGraph graph, int tokens = ContextTokens)
    {
        var wanted = graph.Nodes.Where(n => n.Kind == NodeKind.Feature).ToArray();
        var result = new Dictionary<string, IReadOnlyList<TopContext>>(StringComparer.Ordinal);
        if (wanted.Length == 0) return result;
        long[] ids = CorpusTokens(subject, tokens);
        int ctx = subject.Model.Config.NCtx, layers = subject.Coder.NLayers;
        var values = wanted.Select(_ => new float[ids.Length]).ToArray();
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        for (int start = 0; start < ids.Length; start += ctx)
        {
            using var chunkScope = DisposeScope.Enter();
            int len = Math.Min(ctx, ids.Length - start);
            var hooks = new ForwardHooks { NeedLogits = false };
            for (int l = 0; l < layers; l++) hooks.Capture(subject.Coder.InputHook(l));
            subject.Model.Forward(Tensor.From<long>(ids.AsSpan(start, len), [1, len], subject.Model.Device), hooks);
            for (int l = 0; l < layers; l++)
            {
                var idx = Enumerable.Range(0, wanted.Length).Where(i => wanted[i].Layer == l).ToArray();
                if (idx.Length == 0) continue;
                var f = subject.Coder.Encode(l, hooks.Captured[subject.Coder.InputHook(l)].Select(0, 0));                // [len, F]
                var cols = f.IndexSelect(1, Tensor.From(idx.Select(i => wanted[i].Index).ToArray(), idx.Length).To(f.Device))
                    .T.Contiguous().To(Device.Cpu).ToArray<float>();                                                       // [n, len]
                for (int j = 0; j < idx.Length; j++) Array.Copy(cols, j * len, values[idx[j]], start, len);
            }
        }
        for (int i = 0; i < wanted.Length; i++)
        {
            var top = Enumerable.Range(0, ids.Length).Where(p => values[i][p] > 0).OrderByDescending(p => values[i][p]).Take(TopK);
            result[wanted[i].Id] = top.Select(p => Context(subject, ids, p, values[i][p])).ToArray();
        }
        return result;
    }

    private static TopContext Context(CircuitSubject subject, long[] ids, int p, double value)
    {
        string Text(int from, int to) => subject.Tokenizer.Decode(ids[Math.Max(0, from)..Math.Min(ids.Length, to)].Select(x => (int)x).ToArray());
        return new TopContext(Text(p - 10, p), Text(p, p + 1), Text(p + 1, p + 4), value);
    }

    private static long[] CorpusTokens(CircuitSubject subject, int limit)
    {
        var corpus = Corpus.Load(EmbeddedAssets.CorpusPath);
        var ids = new List<long>(limit);
        foreach (var doc in ProbeData.Stratified(corpus.Train, 0))
        {
            if (ids.Count >= limit) break;
            if (subject.Separator is int s) ids.Add(s);
            ids.AddRange(subject.Tokenizer.Encode(doc.Text, recognizeSpecialTokens: false).Select(x => (long)x));
        }
        return ids.Take(limit).ToArray();
    }
}
