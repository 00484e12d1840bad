// TokenConceptStatistics — P(concept | token id) counted over labelled corpus tokens (the training split), for labelling
// text a model generated when a concept has no exact rule (german, json_key, …): a generated token carries the concept
// when its id was seen at least MinCount times and carried it at least Threshold of those times. Context is ignored:
// it is a per-token-id estimate, exact only for the concepts that have a rule (ConceptRules).
namespace InterpEval.Interp.Data;

public sealed class TokenConceptStatistics
{
    private readonly long[] _seen;          // [V]
    private readonly long[,] _carried;      // [V, C]

    public TokenConceptStatistics(LabelledTokens tokens, int vocabSize, int minCount = 5, double threshold = 0.5)
    {
        Concepts = tokens.Concepts;
        MinCount = minCount;
        Threshold = threshold;
        _seen = new long[vocabSize];
        _carried = new long[vocabSize, Concepts.Count];
        for (int t = 0; t < tokens.Count; t++)
        {
            if (tokens.IsSeparator[t]) continue;
            long id = tokens.Ids[t];
            _seen[id]++;
            for (ulong m = tokens.Masks[t]; m != 0; m &= m - 1) _carried[id, System.Numerics.BitOperations.TrailingZeroCount(m)]++;
        }
    }

    public ConceptSet Concepts { get; }
    public int MinCount { get; }
    public double Threshold { get; }

    /// <summary>Times the token id occurred in the counted tokens.</summary>
    public long Seen(long id) => _seen[id];

    /// <summary>P(concept | token id); 0 for an id never seen.</summary>
    public double Probability(long id, int concept) => _seen[id] == 0 ? 0 : (double)_carried[id, concept] / _seen[id];

    /// <summary>Whether a token with this id is taken to carry the concept.</summary>
    public bool Carries(long id, int concept) => _seen[id] >= MinCount && Probability(id, concept) >= Threshold;
}
