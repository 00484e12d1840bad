// ConceptRules — exact detectors for the generated domains whose form is a rule (dna, hex, base64), used to label text
// a model generated (steering), where no corpus span exists. Each finds byte ranges of the text; tokens overlapping a
// range carry the concept (TokenLabeller's rule). Patterns are ASCII, so they run over the bytes read as Latin-1 and a
// match index is a byte offset. Concepts without a rule are labelled from corpus statistics (TokenConceptStatistics).
using System.Text.RegularExpressions;

namespace InterpEval.Interp.Data;

public static partial class ConceptRules
{
    /// <summary>The concepts that have a rule.</summary>
    public static IReadOnlyCollection<string> Names => Detectors.Keys;

    private static readonly Dictionary<string, Func<string, IEnumerable<(int Start, int End)>>> Detectors = new(StringComparer.Ordinal)
    {
        // A run of at least 8 bases, upper-case ACGT only (the corpus writes sequences and primers that way).
        ["dna"] = text => Matches(Dna(), text),
        // A hex-digit group of at least 4 digits, one case, holding both a digit and a letter a–f, not inside a word.
        ["hex"] = text => Matches(Hex(), text).Where(m => HasDigitAndLetter(text, m)),
        // A base64 string of at least 16 alphabet characters (+ padding) mixing upper case, lower case and digits.
        ["base64"] = text => Matches(Base64(), text).Where(m => MixesClasses(text, m)),
    };

    public static bool Has(string concept) => Detectors.ContainsKey(concept);

    /// <summary>Byte ranges [start, end) of <paramref name="utf8"/> where the concept's rule matches.</summary>
    public static IReadOnlyList<(int Start, int End)> Find(string concept, ReadOnlySpan<byte> utf8)
    {
        var detect = Detectors.TryGetValue(concept, out var d) ? d : throw new ArgumentException($"concept '{concept}' has no rule");
        return detect(System.Text.Encoding.Latin1.GetString(utf8)).ToList();
    }

    [GeneratedRegex("[ACGT]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex Dna();

    [GeneratedRegex("(?<![0-9A-Za-z_])(?:[0-9a-f]{4,}|[0-9A-F]{4,})(?![0-9A-Za-z_])", RegexOptions.CultureInvariant)]
    private static partial Regex Hex();

    [GeneratedRegex("(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{16,}={0,2}", RegexOptions.CultureInvariant)]
    private static partial Regex Base64();

    private static IEnumerable<(int, int)> Matches(Regex regex, string text) =>
        regex.Matches(text).Select(m => (m.Index, m.Index + m.Length));

    private static bool HasDigitAndLetter(string text, (int Start, int End) m)
    {
        var s = text.AsSpan(m.Start, m.End - m.Start);
        return s.IndexOfAnyInRange('0', '9') >= 0 && (s.IndexOfAnyInRange('a', 'f') >= 0 || s.IndexOfAnyInRange('A', 'F') >= 0);
    }

    private static bool MixesClasses(string text, (int Start, int End) m)
    {
        var s = text.AsSpan(m.Start, m.End - m.Start);
        return s.IndexOfAnyInRange('A', 'Z') >= 0 && s.IndexOfAnyInRange('a', 'z') >= 0 && s.IndexOfAnyInRange('0', '9') >= 0;
    }
}
