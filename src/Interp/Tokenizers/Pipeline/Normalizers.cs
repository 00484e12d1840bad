// Normalizers — tokenizer.json "normalizer" steps, applied to each stretch of text between added tokens before
// pre-tokenisation: NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace and Sequence. Offsets through a
// normalizer are not tracked (see ITokenizer.EncodeWithOffsets).
using System.Text;

namespace InterpEval.Interp.Tokenizers.Pipeline;

/// <summary>A text → text step of a Hugging Face tokenizer.</summary>
internal interface INormalizer
{
    string Normalize(string text);
}

/// <summary>Unicode normalization with our own tables (UnicodeNormalization), since .NET's needs ICU.</summary>
internal sealed record UnicodeNormalizer(NormalizationForm Form) : INormalizer
{
    public string Normalize(string text) => UnicodeNormalization.Normalize(text, Form);
}

/// <summary>Lowercase: Unicode simple lowercase mapping per code point (Rust's char::to_lowercase minus its special cases).</summary>
internal sealed record LowercaseNormalizer : INormalizer
{
    public string Normalize(string text) => text.ToLowerInvariant();
}

/// <summary>Strip: remove White_Space from the left and/or right end.</summary>
internal sealed record StripNormalizer(bool Left, bool Right) : INormalizer
{
    public string Normalize(string text)
    {
        int start = 0, end = text.Length;
        if (Left) while (start < end && char.IsWhiteSpace(text[start])) start++;
        if (Right) while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return text[start..end];
    }
}

/// <summary>Prepend: put a string before non-empty text (Llama 2's "▁").</summary>
internal sealed record PrependNormalizer(string Prefix) : INormalizer
{
    public string Normalize(string text) => text.Length == 0 ? text : Prefix + text;
}

/// <summary>Replace every match of a literal or regex with content.</summary>
internal sealed record ReplaceNormalizer(string? Literal, UnicodeRegex? Regex, string Content) : INormalizer
{
    public string Normalize(string text)
    {
        if (Literal is not null) return Literal.Length == 0 ? text : text.Replace(Literal, Content, StringComparison.Ordinal);
        var sb = new StringBuilder(text.Length);
        int at = 0;
        foreach (var (start, end) in Regex!.Matches(text))
        {
            sb.Append(text, at, start - at).Append(Content);
            at = end;
        }
        return sb.Append(text, at, text.Length - at).ToString();
    }
}

internal sealed record SequenceNormalizer(IReadOnlyList<INormalizer> Steps) : INormalizer
{
    public string Normalize(string text)
    {
        foreach (var step in Steps) text = step.Normalize(text);
        return text;
    }
}
