// ActivationStore — streams activations of one or more hook points from a subject model for dictionary training:
// windows of a token stream are run through the model in batches (no-grad, stopping after the last hook's block),
// positions holding the BOS/separator token are dropped, and so is position 0 of every window when asked (it starts
// mid-document, or holds a BOS prepended to every window, and is the attention sink), and rows are shuffled at token level through a bounded
// mixing buffer (refilled when half drained, as SAELens's mixing buffer). Memory is bounded by the buffer, not the
// corpus. Rows of all hooks stay aligned (row i of every hook comes from the same token). With CacheDirectory set, the
// first pass also writes the harvested rows (before shuffling) as shards and later passes read them instead of running
// the model (ActivationCache); the batches are the same either way.
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Activations;

public sealed record ActivationStoreOptions(
    IReadOnlyList<string> Hooks,
    int ContextLength = 128,
    int SequencesPerForward = 32,
    int BufferTokens = 65536,
    int BatchTokens = 4096,
    long? ExcludeToken = null,
    bool Shuffle = true,
    ulong Seed = 0,
    string? CacheDirectory = null,
    bool ExcludeFirstPosition = false,
    long? WindowPrefix = null);

/// <summary>One training batch: for each hook, activations [N, d] of the same N tokens.</summary>
public sealed record ActivationBatch(IReadOnlyDictionary<string, Tensor> Activations) : IDisposable
{
    public long Rows => Activations.Values.First().Size(0);

    public void Dispose()
    {
        foreach (var t in Activations.Values) t.Dispose();
    }
}

public sealed class ActivationStore(TransformerModel model, long[] tokens, ActivationStoreOptions options)
{
    /// <summary>Batches until the stream is exhausted (one pass); the caller disposes each batch.</summary>
    public IEnumerable<ActivationBatch> Batches()
    {
        Validate();
        using var generator = new Generator(options.Seed);
        var buffer = new Dictionary<string, Tensor>();
        try
        {
            foreach (var harvested in Harvests())
            {
                Append(buffer, harvested);
                while (buffer.Count > 0 && buffer.Values.First().Size(0) >= options.BufferTokens)
                    foreach (var batch in Drain(buffer, generator, keep: options.BufferTokens / 2)) yield return batch;
            }
            foreach (var batch in Drain(buffer, generator, keep: 0)) yield return batch;
        }
        finally
        {
            foreach (var t in buffer.Values) t.Dispose();
        }
    }

    private void Validate()
    {
        if (options.Hooks.Count == 0) throw new ArgumentException("the activation store needs at least one hook");
        foreach (var h in options.Hooks)
            if (!model.HookPoints.Contains(h)) throw new ArgumentException($"unknown hook point '{h}' — see `interp-eval model info`");
        if (options.BatchTokens < 1 || options.BufferTokens < 2 * options.BatchTokens)
            throw new ArgumentException($"the buffer ({options.BufferTokens} tokens) must hold at least two batches of {options.BatchTokens}");
    }

    // The harvested rows in stream order: from the model, or from the cache when one is complete (writing one as the
    // model runs when it is not; the manifest goes last, so a pass stopped early leaves an incomplete cache).
    private IEnumerable<Dictionary<string, Tensor>> Harvests()
    {
        if (options.CacheDirectory is null)
        {
            foreach (var rows in ModelHarvests()) yield return rows;
            yield break;
        }
        var cache = ActivationCache.Open(options.CacheDirectory, model, tokens, options);
        if (cache.IsComplete)
        {
            foreach (var rows in cache.ReadShards(options.Hooks, model.Device)) yield return rows;
            yield break;
        }
        var rowsPerShard = new List<long>();
        foreach (var rows in ModelHarvests())
        {
            cache.WriteShard(rowsPerShard.Count, rows);
            rowsPerShard.Add(rows.Values.First().Size(0));
            yield return rows;
        }
        cache.Complete(rowsPerShard);
    }

    // Consecutive windows of the stream, SequencesPerForward at a time. No dispose scope is open across a yield (the
    // consumer's tensors must not land in a scope of ours).
    // With WindowPrefix, each window is that token followed by the next ContextLength − 1 stream tokens.
    private IEnumerable<Dictionary<string, Tensor>> ModelHarvests()
    {
        int stride = Stride, perForward = options.SequencesPerForward;
        for (long start = 0; start + stride <= tokens.LongLength; start += (long)stride * perForward)
            yield return Harvest(start, (int)Math.Min(perForward, (tokens.LongLength - start) / stride));
    }

    private int Stride => options.ContextLength - (options.WindowPrefix is null ? 0 : 1);

    /// <summary>`sequences` windows [S·T] from stream position `start` (with the prefix token first when set).</summary>
    private long[] WindowIds(long start, int sequences)
    {
        int t = options.ContextLength, stride = Stride;
        var ids = new long[sequences * t];
        for (int s = 0; s < sequences; s++)
        {
            var window = ids.AsSpan(s * t, t);
            if (options.WindowPrefix is long prefix) window[0] = prefix;
            tokens.AsSpan(checked((int)(start + (long)s * stride)), stride).CopyTo(window[(t - stride)..]);
        }
        return ids;
    }

    // Each hook's rows [n, d] for `sequences` windows from `start`, excluded tokens dropped; owned by the caller.
    private Dictionary<string, Tensor> Harvest(long start, int sequences)
    {
        int t = options.ContextLength;
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var ids = Tensor.From<long>(WindowIds(start, sequences), [sequences, t], model.Device);                // [S, T]
        var hooks = new ForwardHooks { NeedLogits = false }.Capture(options.Hooks.ToArray());
        model.Forward(ids, hooks);
        var keep = KeptRows(ids);                                                                            // kept row indices, or null = all
        var rows = new Dictionary<string, Tensor>();
        foreach (var h in options.Hooks)
        {
            var flat = hooks.Captured[h].Reshape(sequences * (long)t, -1);                                   // [S·T, d]
            rows[h] = (keep is null ? flat.Contiguous() : flat.IndexSelect(0, keep)).DetachFromScopes();
        }
        return rows;
    }

    /// <summary>Row indices of [S, T] ids to keep: not the excluded token, not position 0 when ExcludeFirstPosition.</summary>
    private Tensor? KeptRows(Tensor ids)
    {
        if (options.ExcludeToken is null && !options.ExcludeFirstPosition) return null;
        var keep = options.ExcludeToken is long x ? ids.Ne(x) : Tensor.Ones(ids.Shape, ScalarType.Bool, ids.Device);     // [S, T]
        if (options.ExcludeFirstPosition) keep.Narrow(1, 0, 1).Fill_(0);
        return keep.Reshape(-1).Nonzero().Reshape(-1);
    }

    private static void Append(Dictionary<string, Tensor> buffer, Dictionary<string, Tensor> rows)
    {
        foreach (var (h, r) in rows)
        {
            if (buffer.TryGetValue(h, out var old))
            {
                buffer[h] = Tensor.Cat([old, r]).DetachFromScopes();
                old.Dispose();
                r.Dispose();
            }
            else buffer[h] = r;
        }
    }

    // Shuffles the buffer's rows (one permutation for all hooks), emits full batches until `keep` rows remain
    // (all rows, the last batch possibly short, when keep is 0), and keeps the rest for mixing with new rows.
    private IEnumerable<ActivationBatch> Drain(Dictionary<string, Tensor> buffer, Generator generator, long keep)
    {
        if (buffer.Count == 0) return [];
        using var scope = DisposeScope.Enter();
        long n = buffer.Values.First().Size(0);
        var order = options.Shuffle ? Tensor.RandPerm(n, generator, model.Device) : Tensor.Arange(0, n, 1, ScalarType.Int64, model.Device);
        long emit = keep == 0 ? n : (n - keep) / options.BatchTokens * options.BatchTokens;
        var batches = new List<ActivationBatch>();
        for (long start = 0; start < emit; start += options.BatchTokens)
        {
            var rows = order.Narrow(0, start, Math.Min(options.BatchTokens, emit - start));
            batches.Add(new ActivationBatch(buffer.ToDictionary(kv => kv.Key, kv => kv.Value.IndexSelect(0, rows).DetachFromScopes())));
        }
        var rest = order.Narrow(0, emit, n - emit);
        foreach (var h in buffer.Keys.ToList())
        {
            var old = buffer[h];
            buffer[h] = old.IndexSelect(0, rest).DetachFromScopes();
            old.Dispose();
        }
        if (emit == n)
        {
            foreach (var t in buffer.Values) t.Dispose();
            buffer.Clear();
        }
        return batches;
    }
}
