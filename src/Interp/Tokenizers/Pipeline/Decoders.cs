// Decoders — tokenizer.json "decoder" steps, turning token strings back into bytes: ByteLevel, ByteFallback (<0xXX>),
// Replace, Fuse, Strip, Metaspace and Sequence. Each works on the tokens' UTF-8 bytes (so partial characters survive
// until the end); the caller reads the joined bytes as UTF-8 with U+FFFD for invalid sequences. Left out: WordPiece,
// BPEDecoder (suffix), CTC.
using System.Text;

namespace InterpEval.Interp.Tokenizers.Pipeline;

internal interface ITokenDecoder
{
    /// <summary>
    /// Rewrites the tokens in place. <paramref name="runningText"/>: the tokens are a piece of running text (one token's
    /// bytes), so first-token rules (Metaspace's, Strip's) do not apply.
    /// </summary>
    void Decode(List<byte[]> tokens, bool runningText);
}

internal sealed record ByteLevelDecoder : ITokenDecoder
{
    public void Decode(List<byte[]> tokens, bool runningText)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            string s = Encoding.UTF8.GetString(tokens[i]);
            if (ByteUnicodeMap.TryToBytes(s, out var bytes)) tokens[i] = bytes;
        }
    }
}

internal sealed record ByteFallbackDecoder : ITokenDecoder
{
    public void Decode(List<byte[]> tokens, bool runningText)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Length == 6 && t[0] == '<' && t[1] == '0' && t[2] == 'x' && t[5] == '>'
                && byte.TryParse(Encoding.ASCII.GetString(t, 3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b))
                tokens[i] = [b];
        }
    }
}

internal sealed record FuseDecoder : ITokenDecoder
{
    public void Decode(List<byte[]> tokens, bool runningText)
    {
        if (tokens.Count < 2) return;
        byte[] all = tokens.SelectMany(t => t).ToArray();
        tokens.Clear();
        tokens.Add(all);
    }
}

internal sealed record ReplaceDecoder(string Pattern, string Content) : ITokenDecoder
{
    private readonly byte[] pattern = Encoding.UTF8.GetBytes(Pattern);
    private readonly byte[] content = Encoding.UTF8.GetBytes(Content);

    public void Decode(List<byte[]> tokens, bool runningText)
    {
        for (int i = 0; i < tokens.Count; i++) tokens[i] = Replace(tokens[i], pattern, content);
    }

    public static byte[] Replace(byte[] token, byte[] pattern, byte[] content)
    {
        if (pattern.Length == 0 || token.AsSpan().IndexOf(pattern) < 0) return token;
        var result = new List<byte>(token.Length);
        for (int at = 0; at < token.Length;)
        {
            if (token.AsSpan(at).StartsWith(pattern)) { result.AddRange(content); at += pattern.Length; }
            else result.Add(token[at++]);
        }
        return result.ToArray();
    }
}

/// <summary>Strip: remove up to Start leading and Stop trailing copies of one character from each token.</summary>
internal sealed record StripDecoder(char Content, int Start, int Stop) : ITokenDecoder
{
    public void Decode(List<byte[]> tokens, bool runningText)
    {
        if (runningText) return;
        byte[] c = Encoding.UTF8.GetBytes(Content.ToString());
        for (int i = 0; i < tokens.Count; i++)
        {
            var span = tokens[i].AsSpan();
            for (int n = 0; n < Start && span.StartsWith(c); n++) span = span[c.Length..];
            for (int n = 0; n < Stop && span.EndsWith(c); n++) span = span[..^c.Length];
            tokens[i] = span.ToArray();
        }
    }
}

/// <summary>Metaspace: the replacement character becomes a space; the first token loses the space it was given.</summary>
internal sealed record MetaspaceDecoder(string Replacement, PrependScheme Scheme) : ITokenDecoder
{
    public void Decode(List<byte[]> tokens, bool runningText)
    {
        byte[] pattern = Encoding.UTF8.GetBytes(Replacement);
        for (int i = 0; i < tokens.Count; i++)
        {
            var t = ReplaceDecoder.Replace(tokens[i], pattern, " "u8.ToArray());
            if (i == 0 && !runningText && Scheme != PrependScheme.Never && t.Length > 0 && t[0] == ' ') t = t[1..];
            tokens[i] = t;
        }
    }
}

internal sealed record SequenceDecoder(IReadOnlyList<ITokenDecoder> Steps) : ITokenDecoder
{
    public void Decode(List<byte[]> tokens, bool runningText)
    {
        foreach (var step in Steps) step.Decode(tokens, runningText);
    }
}
