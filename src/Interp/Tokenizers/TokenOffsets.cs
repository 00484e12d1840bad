// TokenOffsets — token ids with the UTF-8 byte range each token covers in the text it came from, so labels given as
// byte spans (the corpus's LabelSpan) can be carried onto tokens. It holds no text and no labels.
namespace InterpEval.Interp.Tokenizers;

/// <param name="Ids">Token ids, in order.</param>
/// <param name="Starts">Start byte of token i (inclusive).</param>
/// <param name="Ends">End byte of token i (exclusive); Ends[i] == Starts[i + 1].</param>
public sealed record TokenOffsets(int[] Ids, int[] Starts, int[] Ends)
{
    public int Count => Ids.Length;
}
