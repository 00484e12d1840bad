// LatentHarvester — runs a token stream through the subject model in consecutive windows, reads the dictionary's input
// hook and keeps the dictionary's latents sparse (SparseLatents), optionally with the raw hook activations beside them
// (probes compare the two). Rows are the stream's positions, separators included (callers skip them). No shuffling,
// no caching, no gradients.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Activations;

/// <param name="Latents">Latent activations, one row per stream position.</param>
/// <param name="Raw">Raw activations at the dictionary's input hook, row-major [N, d_in]; null unless asked for.</param>
public sealed record HarvestedLatents(SparseLatents Latents, float[]? Raw, int RawWidth);

public static class LatentHarvester
{
    /// <summary>Latents (and raw activations when keepRaw) of every position of <paramref name="ids"/>.</summary>
    public static HarvestedLatents Harvest(TransformerModel model, SparseDictionary dictionary, IReadOnlyList<long> ids,
        int contextLength, int sequencesPerBatch, bool keepRaw = false, CancellationToken cancellation = default)
    {
        string hook = dictionary.Config.HookName;
        if (!model.HookPoints.Contains(hook))
            throw new ArgumentException($"the dictionary reads hook '{hook}', which the model does not have — see `interp-eval model info`");
        contextLength = Math.Min(contextLength, model.Config.NCtx);
        var rowStart = new List<int> { 0 };
        var latent = new List<int>();
        var value = new List<float>();
        var raw = keepRaw ? new List<float>() : null;
        for (int start = 0; start < ids.Count; start += contextLength * sequencesPerBatch)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(contextLength * sequencesPerBatch, ids.Count - start);
            HarvestChunk(model, dictionary, ids, start, count, contextLength, rowStart, latent, value, raw);
        }
        return new HarvestedLatents(new SparseLatents(dictionary.DSae, rowStart.ToArray(), latent.ToArray(), value.ToArray()),
            raw?.ToArray(), dictionary.DIn);
    }

    // Positions [start, start + count) as full windows plus one shorter last window; appends their rows in order.
    private static void HarvestChunk(TransformerModel model, SparseDictionary dictionary, IReadOnlyList<long> ids, int start, int count,
        int contextLength, List<int> rowStart, List<int> latent, List<float> value, List<float>? raw)
    {
        for (int done = 0; done < count;)
        {
            int windows = Math.Max(1, (count - done) / contextLength);
            int width = Math.Min(contextLength, count - done);
            using var scope = DisposeScope.Enter();
            using var noGrad = Autograd.NoGrad();
            var window = new long[windows * width];
            for (int i = 0; i < window.Length; i++) window[i] = ids[start + done + i];
            var tokens = Tensor.From<long>(window, [windows, width], model.Device);                   // [W, T]
            var captured = Capture(model, tokens, dictionary.Config.HookName);                          // [W, T, D_in]
            if (captured.Size(-1) != dictionary.DIn)
                throw new ArgumentException($"hook '{dictionary.Config.HookName}' is {captured.Size(-1)} wide but the dictionary's d_in is {dictionary.DIn}");
            var x = captured.Reshape(-1, dictionary.DIn);                                               // [W·T, D_in]
            AppendSparse(dictionary.Encode(x), rowStart, latent, value);
            raw?.AddRange(x.To(ScalarType.Float32).To(Device.Cpu).Contiguous().ToArray<float>());
            done += windows * width;
        }
    }

    /// <summary>The activations at one hook for tokens [B, T] → [B, T, d].</summary>
    public static Tensor Capture(TransformerModel model, Tensor tokens, string hook)
    {
        var hooks = new ForwardHooks { NeedLogits = false }.Capture(hook);
        model.Forward(tokens, hooks);
        return hooks.Captured[hook];
    }

    private static void AppendSparse(Tensor f, List<int> rowStart, List<int> latent, List<float> value)
    {
        var cpu = f.To(Device.Cpu).Contiguous();                                                      // [n, F]
        var nonzero = cpu.Ne(0).Nonzero().ToArray<long>();                                             // [nnz, 2], row-major order
        var values = cpu.MaskedSelect(cpu.Ne(0)).ToArray<float>();                                     // [nnz]
        int rows = (int)cpu.Size(0);
        var perRow = new int[rows];
        for (int e = 0; e < values.Length; e++)
        {
            perRow[nonzero[2 * e]]++;
            latent.Add((int)nonzero[2 * e + 1]);
            value.Add(values[e]);
        }
        for (int r = 0; r < rows; r++) rowStart.Add(rowStart[^1] + perRow[r]);
    }
}
