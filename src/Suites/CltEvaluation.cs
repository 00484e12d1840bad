// CltEvaluation — the reconstruction, sparsity and fidelity measurements of a cross-layer transcoder (one dictionary, L
// encoders, decoders into every later MLP output), which the suites' RunClt turn into records (CltSuiteInput). Per-layer
// records are named "{metric}/layer{l}" with the same formulas as the single-dictionary suites (docs/metrics.md), plus
// overall fvu (Σ residuals / Σ total variances over layers) and l0 (latents per token over all layers). Fidelity is the
// full replacement model: every MLP output replaced at once by the CLT's prediction from the replaced model's own
// encoder inputs. Separator positions are excluded exactly as elsewhere.
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Suites;

public static class CltEvaluation
{
    /// <summary>Why the CLT does not fit the model; null when it does.</summary>
    public static string? Problem(CrossLayerTranscoder clt, TransformerModel model)
    {
        var c = clt.Config;
        if (c.NLayers != model.Config.NLayers) return $"the CLT has {c.NLayers} layers but the model has {model.Config.NLayers}";
        if (c.DModel != model.Config.DModel) return $"the CLT is {c.DModel} wide but the model's d_model is {model.Config.DModel}";
        foreach (string hook in Enumerable.Range(0, c.NLayers).SelectMany(l => new[] { c.InputHookName(l), c.OutputHookName(l) }))
            if (!model.HookPoints.Contains(hook)) return $"the model has no hook point '{hook}' (CLT cfg.json)";
        return null;
    }

    /// <summary>Every CLT record: reconstruction and sparsity per layer, then the replacement model's fidelity.</summary>
    public static IReadOnlyList<MetricRecord> Run(string subject, CrossLayerTranscoder clt, TransformerModel model, ITokenizer tokenizer,
        Corpus corpus, SuiteOptions options, CancellationToken cancellation = default)
    {
        if (Problem(clt, model) is { } problem) throw new InvalidDataException(problem);
        var input = new CltSuiteInput(subject, clt, model, tokenizer, corpus, options);
        var (reconstruction, sparsity) = input.Layers(cancellation);
        return [.. ReconstructionRecords(subject, reconstruction), .. SparsityRecords(subject, sparsity), .. ReplacementRecords(input, cancellation)];
    }

    /// <summary>Per-layer reconstruction and sparsity statistics over the batches.</summary>
    public static (ReconstructionStats[] Reconstruction, SparsityStats[] Sparsity) MeasureLayers(CrossLayerTranscoder clt, TransformerModel model,
        IEnumerable<EvalBatch> batches, CancellationToken cancellation = default)
    {
        int layers = clt.NLayers;
        var reconstruction = Enumerable.Range(0, layers).Select(_ => new ReconstructionStats()).ToArray();
        var sparsity = Enumerable.Range(0, layers).Select(_ => new SparsityStats(clt.DSae)).ToArray();
        var c = clt.Config;
        foreach (var batch in batches)
        {
            using (batch)
            using (DisposeScope.Enter())
            using (Autograd.NoGrad())
            {
                cancellation.ThrowIfCancellationRequested();
                var hooks = new ForwardHooks { NeedLogits = false }.Capture([.. Enumerable.Range(0, layers).SelectMany(l => new[] { c.InputHookName(l), c.OutputHookName(l) })]);
                model.Forward(batch.Tokens, hooks);
                var rows = batch.KeptRows();                                                 // [N]
                Tensor Rows(string hook) => hooks.Captured[hook].Reshape(-1, clt.DModel).IndexSelect(0, rows);  // [N, D]
                var inputs = Enumerable.Range(0, layers).Select(l => Rows(c.InputHookName(l))).ToArray();
                var features = clt.Encode(inputs);                                           // [N, F] per layer
                var predictions = clt.Decode(features);                                      // [N, D] per layer
                for (int l = 0; l < layers; l++)
                {
                    reconstruction[l].Add(Rows(c.OutputHookName(l)), predictions[l]);
                    sparsity[l].Add(features[l]);
                }
            }
        }
        if (reconstruction[0].Count == 0) throw new InvalidDataException("no evaluation tokens: the validation split gave no position that counts");
        return (reconstruction, sparsity);
    }

    /// <summary>Clean vs full replacement model (every MLP output replaced by the CLT at once).</summary>
    public static FidelityStats MeasureReplacement(CrossLayerTranscoder clt, TransformerModel model, IEnumerable<EvalBatch> batches,
        CancellationToken cancellation = default)
    {
        var stats = new FidelityStats();
        foreach (var batch in batches)
        {
            using (batch)
            using (DisposeScope.Enter())
            using (Autograd.NoGrad())
            {
                cancellation.ThrowIfCancellationRequested();
                var clean = NextTokenScores.LogProbs(model.Forward(batch.Tokens)!, batch);
                var latents = new List<Tensor>();
                try
                {
                    var replaced = NextTokenScores.LogProbs(model.Forward(batch.Tokens, Splice(clt, batch.Keep.Unsqueeze(-1), latents))!, batch);
                    stats.Add(clean, replaced, null, null, NextTokenScores.Targets(batch));
                }
                finally
                {
                    foreach (var t in latents) t.Dispose();
                }
            }
        }
        if (stats.Count == 0) throw new InvalidDataException("no evaluation tokens: the validation split gave no prediction that counts");
        return stats;
    }

    /// <summary>Hooks that encode each layer's input as the replaced model computes it and replace each MLP output (at kept
    /// positions [S, T, 1]) by Σ_{s ≤ l} f_s W_dec,s→l + b_dec,l. Layers after l contribute nothing to output l, so
    /// Decode runs with their latents zero. Latents outlive the block that computes them (each block frees its own
    /// temporaries), so they are kept outside every scope and added to `latents`, which the caller disposes.</summary>
    public static ForwardHooks Splice(CrossLayerTranscoder clt, Tensor keep, List<Tensor> latents)
    {
        var hooks = new ForwardHooks();
        var features = new Tensor?[clt.NLayers];
        for (int layer = 0; layer < clt.NLayers; layer++)
        {
            int l = layer;
            hooks.Replace(clt.Config.InputHookName(l), v =>
            {
                var f = clt.EncodeLayer(l, v.Reshape(-1, clt.DModel)).DetachFromScopes();   // [S·T, F]
                latents.Add(f);
                features[l] = f;
                return v;
            });
            hooks.Replace(clt.Config.OutputHookName(l), v =>
            {
                long n = features[0]!.Size(0);
                var upTo = Enumerable.Range(0, clt.NLayers)
                    .Select(s => s <= l ? features[s]! : Tensor.Zeros([n, clt.DSae], device: v.Device)).ToArray();
                var yHat = clt.Decode(upTo)[l].View(v.Shape);                                // [S, T, D]
                return Tensor.Where(keep, yHat, v);
            });
        }
        return hooks;
    }

    /// <summary>The evaluation batches of the validation split (the same windows as the single-dictionary suites).</summary>
    public static IEnumerable<EvalBatch> Batches(TransformerModel model, ITokenizer tokenizer, Corpus corpus, SuiteOptions options)
    {
        var separator = DocumentSeparator.For(model.Config, tokenizer);
        var stream = EvalTokens.ValidationStream(corpus, tokenizer, separator.Id, options.Tokens);
        return EvalTokens.Batches(stream, separator.Id, Math.Min(options.ContextLength, model.Config.NCtx), options.SequencesPerBatch, model.Device,
            separator.PrependToWindows);
    }

    /// <summary>The replacement model's fidelity records (every MLP output replaced by the CLT at once).</summary>
    public static IReadOnlyList<MetricRecord> ReplacementRecords(CltSuiteInput input, CancellationToken cancellation = default) =>
        FidelitySuite.ReplacementRecords(input.Subject,
            MeasureReplacement(input.Clt, input.Model, Batches(input.Model, input.Tokenizer, input.Corpus, input.Options), cancellation));

    /// <summary>fvu and fve pooled over layers (Σ residuals / Σ total variances), then each layer's reconstruction records.</summary>
    public static IEnumerable<MetricRecord> ReconstructionRecords(string subject, ReconstructionStats[] reconstruction)
    {
        double residual = reconstruction.Sum(s => s.Fvu * s.TotalVariance), total = reconstruction.Sum(s => s.TotalVariance);
        yield return new(ReconstructionSuite.SuiteName, subject, "fvu", residual / total, "fraction", MetricDirection.Lower);
        yield return new(ReconstructionSuite.SuiteName, subject, "fve", 1 - residual / total, "fraction", MetricDirection.Higher);
        for (int l = 0; l < reconstruction.Length; l++)
            foreach (var r in ReconstructionSuite.Records(subject, reconstruction[l], l)) yield return r;
    }

    /// <summary>l0 over all layers (latents per token), then each layer's sparsity records.</summary>
    public static IEnumerable<MetricRecord> SparsityRecords(string subject, SparsityStats[] sparsity)
    {
        yield return new(SparsitySuite.SuiteName, subject, "l0", sparsity.Sum(s => s.L0.Mean), "latents/token", MetricDirection.None);
        for (int l = 0; l < sparsity.Length; l++)
            foreach (var r in SparsitySuite.Result(subject, sparsity[l]).Records) yield return r with { Name = $"{r.Name}/layer{l}" };
    }
}
