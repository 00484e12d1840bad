// LatentCalibration — the scale a steered latent is clamped against (α × its maximum activation, Templeton et al.
// 2024): the largest value a latent takes on corpus training text, separator positions left out. `steer` calibrates
// on the first N tokens of the training split in stratified order (documents dealt round-robin across domains, so
// every domain is seen). It clamps nothing (LatentClamp does).
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Suites.Probes;
using SparseLatents = InterpEval.Interp.Activations.SparseLatents;

namespace InterpEval.Suites.Steering;

public static class LatentCalibration
{
    /// <summary>The latent's largest activation over the first `tokens` tokens of the corpus's training split.</summary>
    public static double MaxActivation(TransformerModel model, SparseDictionary dictionary, ITokenizer tokenizer, int? separator, Corpus corpus,
        int latent, int tokens)
    {
        var labeller = new TokenLabeller(tokenizer, ConceptSet.ForCorpus(corpus));
        var stream = labeller.Stream(ProbeData.Stratified(corpus.Train, 0), separator, tokens);
        var harvest = LatentHarvester.Harvest(model, dictionary, stream.Ids, model.Config.NCtx, 8);
        return MaxActivation(harvest.Latents, latent, stream.IsSeparator);
    }

    /// <summary>The latent's largest activation over the rows not marked as separators; 0 when it never fires there.</summary>
    public static double MaxActivation(SparseLatents latents, int latent, IReadOnlyList<bool> isSeparator)
    {
        var (rows, values) = latents.Column(latent);
        double max = 0;
        for (int e = 0; e < rows.Count; e++)
            if (!isSeparator[rows[e]]) max = Math.Max(max, values[e]);
        return max;
    }
}
