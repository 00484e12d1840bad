// LabelledTokens — a token stream (documents joined by a separator token, as the subject model was trained) with the
// concepts each token carries as a ConceptSet mask. Separator positions carry no concept and are marked so evaluation
// can drop them. It holds no activations and does no tokenisation (TokenLabeller builds it).
namespace InterpEval.Interp.Data;

/// <param name="Ids">Token ids of the stream [N].</param>
/// <param name="Masks">Concept mask of each token [N] (bit i = Concepts.Names[i]).</param>
/// <param name="IsSeparator">True where the stream holds the separator token between documents [N].</param>
/// <param name="Concepts">What the mask bits mean.</param>
public sealed record LabelledTokens(long[] Ids, ulong[] Masks, bool[] IsSeparator, ConceptSet Concepts)
{
    public int Count => Ids.Length;

    /// <summary>Tokens carrying each concept (separators excluded), by concept index.</summary>
    public long[] CountsPerConcept()
    {
        var counts = new long[Concepts.Count];
        for (int t = 0; t < Masks.Length; t++)
            for (ulong m = Masks[t]; m != 0; m &= m - 1) counts[System.Numerics.BitOperations.TrailingZeroCount(m)]++;
        return counts;
    }

    /// <summary>The first n tokens (n ≤ Count).</summary>
    public LabelledTokens Take(int n) =>
        n >= Count ? this : new LabelledTokens(Ids[..n], Masks[..n], IsSeparator[..n], Concepts);
}
