// GPT-2's bytes_to_unicode table: every byte gets a printable character, so BPE symbols are plain strings
// ("Ġthe" is " the"). Only the table and its inverse; tokenisation itself is in ByteLevelBpeTokenizer.
using System.Text;

namespace InterpEval.Interp.Tokenizers;

/// <summary>The byte ↔ character table of OpenAI's GPT-2 encoder (<c>bytes_to_unicode</c> in encoder.py).</summary>
public static class ByteUnicodeMap
{
    // Printable bytes map to themselves; the other 68 bytes map, in byte order, to U+0100, U+0101, ...
    private static readonly byte[] gptOrder = BuildOrder();
    private static readonly char[] byteToChar = BuildByteToChar(gptOrder);
    private static readonly short[] charToByte = BuildCharToByte(byteToChar);

    /// <summary>
    /// The 256 bytes in the order OpenAI's table lists them: '!'..'~', '¡'..'¬', '®'..'ÿ', then the rest in
    /// byte order. GPT-2's token id i (i &lt; 256) is the byte <c>GptOrder[i]</c>; trained vocabularies keep it.
    /// </summary>
    public static ReadOnlySpan<byte> GptOrder => gptOrder;

    /// <summary>The character that stands for <paramref name="b"/> in a BPE symbol.</summary>
    public static char ToChar(byte b) => byteToChar[b];

    /// <summary>The byte that <paramref name="c"/> stands for, if it is one of the 256 table characters.</summary>
    public static bool TryToByte(char c, out byte b)
    {
        int v = c < charToByte.Length ? charToByte[c] : -1;
        b = (byte)Math.Max(v, 0);
        return v >= 0;
    }

    /// <summary>The BPE symbol for a byte string, e.g. the bytes of " the" → "Ġthe".</summary>
    public static string ToSymbol(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (byte b in bytes) sb.Append(byteToChar[b]);
        return sb.ToString();
    }

    /// <summary>The byte string of a BPE symbol; false when a character is outside the table.</summary>
    public static bool TryToBytes(string symbol, out byte[] bytes)
    {
        bytes = new byte[symbol.Length];
        for (int i = 0; i < symbol.Length; i++)
            if (!TryToByte(symbol[i], out bytes[i])) return false;
        return true;
    }

    private static bool IsPrintable(int b) => b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';

    private static byte[] BuildOrder()
    {
        var order = new List<byte>(256);
        for (int b = 0; b < 256; b++) if (IsPrintable(b)) order.Add((byte)b);
        for (int b = 0; b < 256; b++) if (!IsPrintable(b)) order.Add((byte)b);
        return order.ToArray();
    }

    private static char[] BuildByteToChar(byte[] order)
    {
        var map = new char[256];
        int n = 0;
        foreach (byte b in order) map[b] = IsPrintable(b) ? (char)b : (char)(256 + n++);
        return map;
    }

    private static short[] BuildCharToByte(char[] map)
    {
        var inverse = new short[256 + 68];
        Array.Fill(inverse, (short)-1);
        for (int b = 0; b < 256; b++) inverse[map[b]] = (short)b;
        return inverse;
    }
}
