// The embedded corpus: it loads, covers every domain and both splits, its spans sit on UTF-8 character boundaries,
// and its labels are exact where a generator wrote them (each span re-checked by an independent parser). Also the
// one-line errors for malformed JSONL. Rebuild determinism is checked by hand (docs/corpus.md), not here.
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using InterpEval.Interp.Data;

namespace InterpEval.Interp.Tests.Data;

public class CorpusTests
{
    private static readonly Lazy<Corpus> Embedded = new(() => Corpus.Load(EmbeddedAssets.CorpusPath));
    private static Corpus C => Embedded.Value;

    private static readonly string[] AllDomains =
        ["prose", "multilingual", "code", "dna", "base64", "hex", "arithmetic", "json", "dates"];
    private static readonly string[] AllLabels =
    [
        "code_string", "code_comment", "digits", "capitalized_word", "dna", "base64", "hex", "arithmetic",
        "json_key", "json_string", "date",
    ];
    // The generator's eight formats (eng/corpus/generate.py format_date); rule-based dates use a subset.
    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss'Z'", "MMMM d, yyyy", "d MMMM yyyy", "MMM d, yyyy", "MM/dd/yyyy",
        "dd.MM.yyyy", "ddd, dd MMM yyyy HH:mm:ss 'GMT'",
    ];

    /// <summary>Every span with the given label, as (document, decoded span text, bytes after the span).</summary>
    private static IEnumerable<(CorpusDocument Doc, string Text, byte[] Utf8, LabelSpan Span)> Spans(string label)
    {
        foreach (var doc in C.Documents)
        {
            byte[]? utf8 = null;
            foreach (var span in doc.SpansLabelled(label))
            {
                utf8 ??= doc.Utf8();
                yield return (doc, Encoding.UTF8.GetString(utf8, span.StartByte, span.ByteLength), utf8, span);
            }
        }
    }

    private static void AllHold(string label, Func<string, bool> holds, int atLeast = 100)
    {
        var all = Spans(label).ToList();
        Assert.That(all, Has.Count.GreaterThanOrEqualTo(atLeast), $"{label} spans");
        var bad = all.Where(s => !holds(s.Text)).Select(s => $"{s.Doc.Id}: '{s.Text}'").Take(5).ToList();
        Assert.That(bad, Is.Empty, $"{label} spans that fail the check");
    }

    [Test]
    public void EmbeddedCorpusLoadsFromNextToTheAssembly()
    {
        Assert.That(EmbeddedAssets.CorpusPath,
            Is.EqualTo(Path.Combine(AppContext.BaseDirectory, "embedded", "corpus", "corpus.jsonl.gz")));
        Assert.That(File.ReadAllText(EmbeddedAssets.CorpusNoticePath), Does.Contain("source: web"));
        Assert.That(C.Documents, Has.Count.GreaterThan(2000));
        Assert.That(C.Documents.Select(d => d.Id).Distinct().Count(), Is.EqualTo(C.Documents.Count), "ids are unique");
        Assert.That(C.Labels, Is.EquivalentTo(AllLabels));
    }

    [Test]
    public void EveryDomainIsPresentInBothSplits()
    {
        Assert.That(C.Domains, Is.EquivalentTo(AllDomains));
        foreach (var domain in AllDomains)
        {
            Assert.That(C.Train.Count(d => d.Domain == domain), Is.GreaterThan(0), $"{domain} train");
            Assert.That(C.Validation.Count(d => d.Domain == domain), Is.GreaterThan(0), $"{domain} validation");
        }
    }

    [Test]
    public void LanguagesCoverSeveralScriptsAndTwoProgrammingLanguages()
    {
        var multilingual = C.Documents.Where(d => d.Domain == "multilingual").ToList();
        Assert.That(multilingual.Select(d => d.Language).Distinct().Count(), Is.GreaterThanOrEqualTo(4));
        Assert.That(C.Documents.Where(d => d.Domain == "prose").Select(d => d.Language).Distinct(), Is.EqualTo(new[] { "en" }));
        Assert.That(C.Documents.Where(d => d.Domain == "code").Select(d => d.Language).Distinct(),
            Is.EquivalentTo(new[] { "python", "javascript" }));
        (string Script, int First, int Last)[] scripts =
            [("Cyrillic", 0x0400, 0x04FF), ("Greek", 0x0370, 0x03FF), ("Arabic", 0x0600, 0x06FF),
             ("Devanagari", 0x0900, 0x097F), ("Han", 0x4E00, 0x9FFF)];
        foreach (var (script, first, last) in scripts)
            Assert.That(multilingual.Any(d => d.Text.Any(ch => ch >= first && ch <= last)), Is.True, script);
        Assert.That(C.Documents.Where(d => d.Domain is "dna" or "hex" or "json").All(d => d.Language is null), Is.True);
    }

    [Test]
    public void ValidationIsAStableFivePercentHashOfTheId()
    {
        Assert.That(C.Train, Is.Not.Empty);
        double fraction = (double)C.Validation.Count / C.Documents.Count;
        Assert.That(fraction, Is.InRange(0.03, 0.08));
        var misplaced = C.Documents.Where(doc =>
        {
            ulong h = BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(doc.Id)));
            return doc.Split != (h % 20 == 0 ? CorpusSplit.Validation : CorpusSplit.Train);
        }).Select(doc => doc.Id);
        Assert.That(misplaced, Is.Empty);
    }

    [Test]
    public void SpansLieWithinTheTextOnCharacterBoundaries()
    {
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var bad = new List<string>();
        int checkedSpans = 0;
        foreach (var doc in C.Documents)
        {
            byte[] utf8 = doc.Utf8();
            foreach (var s in doc.Spans)
            {
                checkedSpans++;
                bool inside = s.StartByte >= 0 && s.StartByte < s.EndByte && s.EndByte <= utf8.Length;
                bool boundaries = inside && (s.EndByte == utf8.Length || (utf8[s.EndByte] & 0xC0) != 0x80);
                try { if (boundaries) strict.GetString(utf8, s.StartByte, s.ByteLength); }
                catch (DecoderFallbackException) { boundaries = false; }
                if (!boundaries) bad.Add($"{doc.Id}: {s} of {utf8.Length} bytes");
            }
        }
        Assert.That(checkedSpans, Is.GreaterThan(100_000));
        Assert.That(bad.Take(5), Is.Empty);
    }

    [Test]
    public void DnaSpansAreOnlyAcgt() => AllHold("dna", s => s.All(c => c is 'A' or 'C' or 'G' or 'T'));

    [Test]
    public void HexSpansParseAsHex() => AllHold("hex", s =>
    {
        try { return Convert.FromHexString(s).Length == s.Length / 2; }
        catch (FormatException) { return false; }
    });

    [Test]
    public void Base64SpansDecodeAndReencodeIdentically() => AllHold("base64", s =>
    {
        try { return Convert.ToBase64String(Convert.FromBase64String(s)) == s; }
        catch (FormatException) { return false; }
    });

    private static readonly Regex EquationRe =
        new(@"^(-?\d+(?:\.\d+)?) ?([-+*/×÷]) ?(-?\d+(?:\.\d+)?) ?= ?(-?\d+(?:\.\d+)?)$", RegexOptions.CultureInvariant);

    /// <summary>a op b = c in exact decimal arithmetic (division checked as c·b = a).</summary>
    internal static bool IsTrueEquation(string s)
    {
        var m = EquationRe.Match(s);
        if (!m.Success) return false;
        decimal a = decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        decimal b = decimal.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        decimal c = decimal.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch
        {
            "+" => a + b == c,
            "-" => a - b == c,
            "*" or "×" => a * b == c,
            _ => b != 0 && c * b == a,
        };
    }

    [Test]
    public void EquationCheckerRejectsFalseEquations()
    {
        Assert.That(IsTrueEquation("37 + 58 = 95"), Is.True);
        Assert.That(IsTrueEquation("-8721 / 969 = -9"), Is.True);
        Assert.That(IsTrueEquation("22.27 - 12.61 = 9.66"), Is.True);
        Assert.That(IsTrueEquation("37 + 58 = 96"), Is.False);
        Assert.That(IsTrueEquation("7 ÷ 2 = 3"), Is.False);
    }

    [Test]
    public void ArithmeticSpansAreTrueEquations() => AllHold("arithmetic", IsTrueEquation);

    [Test]
    public void DateSpansParseAsRealDates() => AllHold("date", s =>
        DateTime.TryParseExact(s, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _));

    [Test]
    public void DigitSpansAreAsciiDigitRuns() => AllHold("digits", s => s.All(char.IsAsciiDigit));

    [Test]
    public void CapitalizedWordsAreOneCapitalThenLowercase() => AllHold("capitalized_word", s =>
    {
        var runes = s.EnumerateRunes().Select(Rune.GetUnicodeCategory).ToList();
        return runes.Count >= 2
            && runes[0] is UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter
            && runes.Skip(1).All(c => c == UnicodeCategory.LowercaseLetter);
    });

    [Test]
    public void JsonKeysAndStringsAreJsonStringLiterals()
    {
        foreach (var label in new[] { "json_key", "json_string" })
        {
            var all = Spans(label).ToList();
            Assert.That(all, Has.Count.GreaterThan(1000), label);
            var bad = new List<string>();
            foreach (var (doc, text, utf8, span) in all)
            {
                try { JsonSerializer.Deserialize<string>(text); }
                catch (JsonException) { bad.Add($"{doc.Id}: not a JSON string: {text}"); }
                int next = span.EndByte;
                while (next < utf8.Length && utf8[next] is (byte)' ' or (byte)'\n') next++;
                bool colonFollows = next < utf8.Length && utf8[next] == (byte)':';
                if (colonFollows != (label == "json_key")) bad.Add($"{doc.Id}: {label} {text} (colon follows: {colonFollows})");
            }
            Assert.That(bad.Take(5), Is.Empty, label);
        }
    }

    [Test]
    public void PythonCommentsAreHashCommentsAndStringsAreQuoted()
    {
        var python = Spans("code_comment").Where(s => s.Doc.Language == "python").ToList();
        Assert.That(python, Has.Count.GreaterThan(200));
        Assert.That(python.Where(s => !s.Text.StartsWith('#') || s.Text.Contains('\n')).Select(s => s.Text), Is.Empty);
        var strings = Spans("code_string").Where(s => s.Doc.Language == "python").ToList();
        var pyString = new Regex(@"^[rRbBuUfF]{0,2}(""""""|'''|""|')[\s\S]*\1$");
        Assert.That(strings.Where(s => !pyString.IsMatch(s.Text)).Select(s => s.Text).Take(5), Is.Empty);
        Assert.That(strings.Any(s => s.Text.StartsWith("\"\"\"") && s.Text.Contains('\n')), Is.True, "docstrings are strings");
    }

    [Test]
    public void JavaScriptCommentsAndStringsHaveTheirDelimiters()
    {
        var comments = Spans("code_comment").Where(s => s.Doc.Language == "javascript").ToList();
        Assert.That(comments, Has.Count.GreaterThan(200));
        Assert.That(comments.Where(s => !(s.Text.StartsWith("//") && !s.Text.Contains('\n') ||
                                          s.Text.StartsWith("/*") && s.Text.EndsWith("*/"))).Select(s => s.Text), Is.Empty);
        var strings = Spans("code_string").Where(s => s.Doc.Language == "javascript").ToList();
        bool Delimited(string t) =>
            t.Length >= 2 && (t[0] is '\'' or '"' ? t[^1] == t[0] : t[0] is '`' or '}' && (t[^1] == '`' || t.EndsWith("${")));
        Assert.That(strings.Where(s => !Delimited(s.Text)).Select(s => s.Text).Take(5), Is.Empty);
    }

    // ------------------------------------------------------------------ malformed files

    private const string Good = """{"id":"a","domain":"prose","language":"en","source":"t","split":"train","text":"Hi 42","spans":[[3,5,"digits"]]}""";

    private static string WriteGzip(params string[] lines)
    {
        string path = Path.Combine(Path.GetTempPath(), $"interp-corpus-{Guid.NewGuid():N}.jsonl.gz");
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
        return path;
    }

    [Test]
    public void AWellFormedFileLoads()
    {
        string path = WriteGzip(Good);
        try
        {
            var corpus = Corpus.Load(path);
            Assert.That(corpus.Documents.Single().Spans, Is.EqualTo(new[] { new LabelSpan(3, 5, "digits") }));
            Assert.That(corpus.Validation, Is.Empty);
        }
        finally { File.Delete(path); }
    }

    [TestCase("{\"id\":", "malformed JSON")]
    [TestCase("[1,2]", "expected a JSON object")]
    [TestCase("""{"id":"b","domain":"prose","language":"en","source":"t","split":"train","spans":[]}""", "missing field 'text'")]
    [TestCase("""{"id":"b","domain":"prose","language":7,"source":"t","split":"train","text":"x","spans":[]}""", "field 'language'")]
    [TestCase("""{"id":"b","domain":"prose","language":"en","source":"t","split":"test","text":"x","spans":[]}""", "split is 'test'")]
    [TestCase("""{"id":"b","domain":"prose","language":"en","source":"t","split":"train","text":"x","spans":[[0,9,"digits"]]}""", "lies outside")]
    [TestCase("""{"id":"b","domain":"prose","language":"en","source":"t","split":"train","text":"é","spans":[[1,2,"x"]]}""", "cuts a UTF-8 character")]
    [TestCase("""{"id":"b","domain":"prose","language":"en","source":"t","split":"train","text":"x","spans":[[0,1]]}""", "expected [startByte, endByte")]
    [TestCase("""{"id":"a","domain":"prose","language":"en","source":"t","split":"train","text":"x","spans":[]}""", "duplicate id 'a'")]
    [TestCase("", "empty line")]
    public void AMalformedLineGivesAOneLineErrorNamingTheLine(string badLine, string fault)
    {
        string path = WriteGzip(Good, badLine, Good.Replace("\"a\"", "\"c\""));
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => Corpus.Load(path));
            Assert.That(e!.Message, Does.StartWith($"{path}:2: "));
            Assert.That(e.Message, Does.Contain(fault));
            Assert.That(e.Message, Does.Not.Contain("\n"), "one line");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void APlainTextFileIsRejectedAsNotGzip()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, Good);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => Corpus.Load(path));
            Assert.That(e!.Message, Does.Contain("not gzip-compressed"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void AMissingFileIsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => Corpus.Load(Path.Combine(Path.GetTempPath(), "no-such-corpus.jsonl.gz")));
}
