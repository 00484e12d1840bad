// ITokenizer — what the commands and suites need from a tokenizer, whichever file layout it came from: text → ids (with
// or without the post-processor's BOS/EOS), ids → text, each token's bytes, and byte offsets. Implemented by
// ByteLevelBpeTokenizer (GPT-2's layouts) and HuggingFaceTokenizer (any supported tokenizer.json). No truncation or
// padding.
namespace InterpEval.Interp.Tokenizers;

public interface ITokenizer
{
    /// <summary>One more than the largest token id.</summary>
    int VocabSize { get; }

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c>, if the vocabulary has it (GPT-2's and Qwen's document separator).</summary>
    int? EndOfTextId { get; }

    /// <summary>
    /// Token ids of <paramref name="text"/> without the post-processor's BOS/EOS (Hugging Face's
    /// <c>add_special_tokens=False</c>). Special tokens' text becomes their ids unless <paramref name="recognizeSpecialTokens"/>
    /// is false, when it is encoded like any other text.
    /// </summary>
    int[] Encode(string text, bool recognizeSpecialTokens = true);

    /// <summary>Appends the ids of <paramref name="text"/> (as <see cref="Encode(string, bool)"/>) to <paramref name="ids"/>.</summary>
    void Encode(ReadOnlySpan<char> text, List<int> ids, bool recognizeSpecialTokens = true);

    /// <summary>Token ids as the model expects them: <see cref="Encode(string, bool)"/> wrapped by the post-processor
    /// (Llama 3's and Gemma's BOS); the same ids when the tokenizer has no such template.</summary>
    int[] EncodeWithSpecialTokens(string text);

    /// <summary>
    /// Ids of <paramref name="text"/> (special tokens not recognised, no BOS) with each token's byte range in the text's
    /// UTF-8. Throws InvalidOperationException when the tokens' bytes do not tile the text (a normalizer changed it).
    /// </summary>
    TokenOffsets EncodeWithOffsets(string text);

    /// <summary>The text of <paramref name="ids"/>, invalid UTF-8 becoming U+FFFD.</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>The bytes one token stands for in running text (GPT-2's "Ġthe" and Gemma's "▁the" are both " the").</summary>
    ReadOnlySpan<byte> TokenBytes(int id);

    /// <summary>One token's text for display; a token holding part of a UTF-8 sequence shows U+FFFD.</summary>
    string TokenText(int id);
}
