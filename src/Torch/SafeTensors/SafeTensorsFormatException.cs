// SafeTensorsFormatException — a .safetensors file that breaks the format, reported as one line "<path>: <fault>".
// It covers the file's contents only: a missing or unreadable file stays the IOException that File raised.
using System.Globalization;
using System.Text;

namespace InterpEval.Torch.SafeTensors;

/// <summary>A corrupt or hostile safetensors file: <see cref="Exception.Message"/> is one line, "path: fault".
/// An IOException (System.IO.InvalidDataException is sealed), so one catch handles missing and corrupt files alike.</summary>
public sealed class SafeTensorsFormatException : IOException
{
    public SafeTensorsFormatException(string path, string fault, Exception? inner = null)
        : base($"{path}: {OneLine(fault)}", inner)
    {
        Path = path;
        Fault = OneLine(fault);
    }

    /// <summary>The file as the caller named it.</summary>
    public string Path { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string Fault { get; }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>Longest text (tensor name, dtype, JSON fragment) quoted from a file into a message.</summary>
    private const int MaxQuoted = 80;

    /// <summary>Quotes text taken from the file for a message: control characters escaped, at most 80 characters,
    /// so a hostile name can neither break the one-line message nor blow it up.</summary>
    internal static string Quote(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, MaxQuoted) + 8).Append('\'');
        foreach (char c in text.Length > MaxQuoted ? text.AsSpan(0, MaxQuoted) : text.AsSpan())
        {
            if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        if (text.Length > MaxQuoted) sb.Append('…');
        return sb.Append('\'').ToString();
    }
}
