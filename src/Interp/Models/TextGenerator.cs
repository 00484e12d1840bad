// TextGenerator — autoregressive generation from a subject model: greedy, or temperature / top-k sampling drawn
// from a seeded generator, with the caller's hooks active at every step (steering). It recomputes the whole
// context each step (no KV cache): simple, exact with hooks, and fast enough for the small models it serves.
namespace InterpEval.Interp.Models;

/// <summary>Temperature 0 = greedy; TopK 0 = no top-k filter.</summary>
public sealed record SamplingOptions(int MaxNewTokens = 32, double Temperature = 0, int TopK = 0, ulong Seed = 0, long? StopToken = null);

public static class TextGenerator
{
    /// <summary>Continues prompt with up to MaxNewTokens tokens; returns only the new tokens.</summary>
    public static long[] Generate(TransformerModel model, IReadOnlyList<long> prompt, SamplingOptions options, ForwardHooks? hooks = null)
    {
        if (prompt.Count == 0) throw new ArgumentException("generation needs at least one prompt token");
        using var generator = new Generator(options.Seed);
        var context = prompt.ToList();
        var produced = new List<long>();
        for (int step = 0; step < options.MaxNewTokens; step++)
        {
            long next = NextToken(model, Window(context, model.Config.NCtx), options, generator, hooks);
            produced.Add(next);
            context.Add(next);
            if (next == options.StopToken) break;
        }
        return produced.ToArray();
    }

    private static long[] Window(List<long> context, int nCtx) =>
        context.Count <= nCtx ? context.ToArray() : context.GetRange(context.Count - nCtx, nCtx).ToArray();

    private static long NextToken(TransformerModel model, long[] context, SamplingOptions o, Generator generator, ForwardHooks? hooks)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        hooks?.ClearCaptured();
        var tokens = Tensor.From<long>(context, [1, context.Length], model.Device);
        var last = model.Forward(tokens, hooks)!.Select(0, 0).Select(0, context.Length - 1);  // [V]
        if (o.Temperature <= 0) return last.ArgMax(0).ToInt64();
        var scaled = last.To(ScalarType.Float64) / o.Temperature;
        if (o.TopK > 0 && o.TopK < scaled.Size(0))
        {
            double kth = scaled.TopK(o.TopK).Values.Select(0, o.TopK - 1).ToDouble();
            scaled = scaled.MaskedFill(scaled.Lt(kth), double.NegativeInfinity);
        }
        return Sample(scaled.Softmax(0).ToArray<double>(), Tensor.Rand([1], generator, ScalarType.Float64).ToDouble());
    }

    // Inverse-CDF draw: the first index whose cumulative probability exceeds u.
    private static long Sample(double[] probabilities, double u)
    {
        double cumulative = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            cumulative += probabilities[i];
            if (u < cumulative) return i;
        }
        return Array.FindLastIndex(probabilities, p => p > 0);
    }
}
