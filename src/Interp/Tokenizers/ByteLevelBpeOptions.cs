// Switches of a byte-level BPE that Hugging Face's tokenizer.json can set; GPT-2 uses the defaults.
// Only what changes ids; offsets, truncation, padding and post-processing are not modelled.
namespace InterpEval.Interp.Tokenizers;

/// <summary>Encoding switches beyond the vocabulary itself.</summary>
public sealed record ByteLevelBpeOptions
{
    /// <summary>GPT-2 as OpenAI ships it: no prefix space, merges always applied.</summary>
    public static readonly ByteLevelBpeOptions Gpt2 = new();

    /// <summary>
    /// tokenizer.json pre_tokenizer.add_prefix_space: put a space before each stretch of text between special
    /// tokens that does not start with one.
    /// </summary>
    public bool AddPrefixSpace { get; init; }

    /// <summary>tokenizer.json model.ignore_merges: a pre-token that is itself in the vocabulary becomes that one token.</summary>
    public bool IgnoreMerges { get; init; }
}
