// EvalActivations — a dictionary's input and target activations on the evaluation tokens: the input hook (cfg
// hook_name) and, for transcoders, the output hook (hook_name_out), at the positions that count only, rows aligned.
// The forward stops after the last block it needs (no logits). It computes no metric.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Suites;

/// <param name="X">Input activations [N, D_in].</param>
/// <param name="Y">Target activations [N, D_out] (X itself for an sae).</param>
public sealed record ActivationRows(Tensor X, Tensor Y);

public static class EvalActivations
{
    /// <summary>Why the dictionary's hooks cannot be read from the model; null when they can.</summary>
    public static string? HookProblem(SparseDictionary dictionary, TransformerModel model)
    {
        var c = dictionary.Config;
        if (c.HookName.Length == 0) return "the dictionary's cfg.json names no hook_name";
        if (!model.HookPoints.Contains(c.HookName)) return $"the model has no hook point '{c.HookName}' (cfg.json hook_name)";
        if (c.Kind.IsTranscoder())
        {
            if (string.IsNullOrEmpty(c.HookNameOut)) return "the transcoder's cfg.json names no hook_name_out";
            if (!model.HookPoints.Contains(c.HookNameOut)) return $"the model has no hook point '{c.HookNameOut}' (cfg.json hook_name_out)";
        }
        return null;
    }

    /// <summary>The hook a dictionary's prediction stands for: hook_name_out for a transcoder, hook_name for an sae.</summary>
    public static string TargetHook(SparseDictionary dictionary) =>
        dictionary.Kind.IsTranscoder() ? dictionary.Config.HookNameOut! : dictionary.Config.HookName;

    /// <summary>Input and target rows of one batch at its kept positions, in the caller's dispose scope.</summary>
    public static ActivationRows Rows(TransformerModel model, SparseDictionary dictionary, EvalBatch batch)
    {
        string inHook = dictionary.Config.HookName, outHook = TargetHook(dictionary);
        var hooks = new ForwardHooks { NeedLogits = false }.Capture(inHook, outHook);
        using (Autograd.NoGrad()) model.Forward(batch.Tokens, hooks);
        var rows = batch.KeptRows();                                                         // [N]
        var x = Flat(hooks.Captured[inHook], dictionary.DIn, inHook).IndexSelect(0, rows);   // [N, D_in]
        var y = inHook == outHook ? x : Flat(hooks.Captured[outHook], dictionary.DOut, outHook).IndexSelect(0, rows);  // [N, D_out]
        return new ActivationRows(x, y);
    }

    /// <summary>The rows of every evaluation batch. Each is yielded inside a dispose scope that closes when the caller asks
    /// for the next one: tensors the caller makes while handling a batch are freed with it (keep results as managed values).</summary>
    public static IEnumerable<ActivationRows> Stream(SuiteInput input, CancellationToken cancellation)
    {
        foreach (var batch in EvalTokens.Batches(input))
        {
            using (batch)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = DisposeScope.Enter();
                yield return Rows(input.Model!, input.Dictionary, batch);
            }
        }
    }

    private static Tensor Flat(Tensor t, int width, string hook)
    {
        if (t.Size(-1) != width)
            throw new InvalidDataException($"hook {hook} is {t.Size(-1)} wide but the dictionary expects {width} (cfg.json d_in/d_out)");
        return t.Reshape(-1, width);
    }
}
