// Corpus — the labelled multi-domain corpus (embedded/corpus/corpus.jsonl.gz): loads and validates the gzip JSONL,
// one document per line, and offers split and label views. It does not tokenize, sample or build the corpus
// (eng/corpus/build_corpus.py does; docs/corpus.md describes the format and the label rules).
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace InterpEval.Interp.Data;

public sealed class Corpus
{
    public IReadOnlyList<CorpusDocument> Documents { get; }
    public IReadOnlyList<CorpusDocument> Train { get; }
    public IReadOnlyList<CorpusDocument> Validation { get; }
    /// <summary>Distinct span labels, ordinal order.</summary>
    public IReadOnlyList<string> Labels { get; }
    /// <summary>Distinct document domains, ordinal order.</summary>
    public IReadOnlyList<string> Domains { get; }

    public Corpus(IEnumerable<CorpusDocument> documents)
    {
        Documents = documents.ToArray();
        Train = Documents.Where(d => d.Split == CorpusSplit.Train).ToArray();
        Validation = Documents.Where(d => d.Split == CorpusSplit.Validation).ToArray();
        Labels = Documents.SelectMany(d => d.Spans).Select(s => s.Label).Distinct().Order(StringComparer.Ordinal).ToArray();
        Domains = Documents.Select(d => d.Domain).Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Streams a gzip-compressed JSONL corpus. Any fault is an InvalidDataException of one line,
    /// "PATH:LINE: fault"; a missing file is a FileNotFoundException.</summary>
    public static Corpus Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such corpus file", path);
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        if (file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
            throw new InvalidDataException($"{path}: not gzip-compressed — expected a .jsonl.gz corpus");
        file.Position = 0;
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, new UTF8Encoding(false, throwOnInvalidBytes: true));
        return Read(reader, path);
    }

    /// <summary>Reads JSONL from any reader; `name` prefixes error messages.</summary>
    public static Corpus Read(TextReader reader, string name)
    {
        var documents = new List<CorpusDocument>();
        var lineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        int lineNumber = 0;
        try
        {
            for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                lineNumber++;
                var document = ParseLine(line);
                if (!lineOfId.TryAdd(document.Id, lineNumber))
                    throw new LineFault($"duplicate id '{document.Id}' (first on line {lineOfId[document.Id]})");
                documents.Add(document);
            }
        }
        catch (LineFault e) { throw new InvalidDataException($"{name}:{lineNumber}: {e.Message}"); }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException)
        {
            throw new InvalidDataException($"{name}:{lineNumber + 1}: unreadable ({OneLine(e.Message)}) — the file is corrupt; rebuild it");
        }
        if (documents.Count == 0) throw new InvalidDataException($"{name}: no documents");
        return new Corpus(documents);
    }

    private sealed class LineFault(string message) : Exception(message);

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    private static CorpusDocument ParseLine(string line)
    {
        if (line.Length == 0) throw new LineFault("empty line — expected one JSON object per line");
        JsonDocument json;
        try { json = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new LineFault($"malformed JSON ({OneLine(e.Message)})"); }
        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new LineFault($"expected a JSON object, found {root.ValueKind}");
            string id = RequiredString(root, "id");
            var split = RequiredString(root, "split") switch
            {
                "train" => CorpusSplit.Train,
                "validation" => CorpusSplit.Validation,
                var other => throw new LineFault($"split is '{other}' — expected train or validation"),
            };
            string text = RequiredString(root, "text");
            var spans = ParseSpans(Field(root, "spans"), Encoding.UTF8.GetBytes(text));
            return new CorpusDocument(id, RequiredString(root, "domain"), OptionalString(root, "language"),
                RequiredString(root, "source"), split, text, spans);
        }
    }

    private static JsonElement Field(JsonElement root, string key) =>
        root.TryGetProperty(key, out var value) ? value : throw new LineFault($"missing field '{key}'");

    private static string RequiredString(JsonElement root, string key)
    {
        var value = Field(root, key);
        if (value.ValueKind != JsonValueKind.String) throw new LineFault($"field '{key}' should be a string, found {value.ValueKind}");
        return value.GetString()!;
    }

    private static string? OptionalString(JsonElement root, string key)
    {
        var value = Field(root, key);
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            _ => throw new LineFault($"field '{key}' should be a string or null, found {value.ValueKind}"),
        };
    }

    private static LabelSpan[] ParseSpans(JsonElement spans, byte[] utf8)
    {
        if (spans.ValueKind != JsonValueKind.Array) throw new LineFault($"field 'spans' should be an array, found {spans.ValueKind}");
        var result = new LabelSpan[spans.GetArrayLength()];
        int k = 0;
        foreach (var item in spans.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() != 3
                || !item[0].TryGetInt32(out int start) || !item[1].TryGetInt32(out int end)
                || item[2].ValueKind != JsonValueKind.String || item[2].GetString()!.Length == 0)
                throw new LineFault($"span {k} is {OneLine(item.GetRawText())} — expected [startByte, endByte, \"label\"]");
            if (start < 0 || end <= start || end > utf8.Length)
                throw new LineFault($"span {k} [{start}, {end}) lies outside the text's {utf8.Length} UTF-8 bytes or is empty");
            if (!IsCharBoundary(utf8, start) || !IsCharBoundary(utf8, end))
                throw new LineFault($"span {k} [{start}, {end}) cuts a UTF-8 character — offsets must fall between characters");
            if (k > 0 && start < result[k - 1].StartByte)
                throw new LineFault($"span {k} starts at byte {start}, before span {k - 1} — spans must be sorted by start");
            result[k++] = new LabelSpan(start, end, item[2].GetString()!);
        }
        return result;
    }

    private static bool IsCharBoundary(byte[] utf8, int offset) => offset == utf8.Length || (utf8[offset] & 0xC0) != 0x80;
}
