// SafeTensorsHeader — validates the 8-byte length prefix and parses the JSON header of a safetensors file, with the
// rules of the reference implementation (huggingface/safetensors, tensor.rs: read_metadata and Metadata::validate),
// plus duplicate keys rejected. Every fault is a SafeTensorsFormatException. It reads no tensor data.
using System.Text.Json;
using System.Text.Unicode;
using static System.FormattableString;

namespace InterpEval.Torch.SafeTensors;

internal sealed class SafeTensorsHeader
{
    /// <summary>Bytes of the little-endian u64 header length that opens every file.</summary>
    public const int PrefixBytes = 8;

    /// <summary>The reference's MAX_HEADER_SIZE: a longer header is refused before it is read.</summary>
    public const ulong MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    /// <summary>Deep enough for any valid header (depth 3), shallow enough that nesting cannot exhaust the stack.</summary>
    private const int MaxJsonDepth = 16;

    /// <summary>How many dims of a shape a message prints before eliding the rest.</summary>
    private const int MaxDimsShown = 8;

    private SafeTensorsHeader(Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
        Names = tensors.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }

    /// <summary>Tensor names in ordinal order.</summary>
    public IReadOnlyList<string> Names { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Checks the length prefix n against the file length; returns n once it is known to fit the file.</summary>
    public static long CheckLength(string path, ulong n, long fileLength)
    {
        if (fileLength < PrefixBytes)
            throw Fault(path, Invariant($"file is {fileLength} bytes, shorter than the 8-byte header length"));
        if (n > (ulong)(fileLength - PrefixBytes))
            throw Fault(path, Invariant($"header length {n} runs past the end of the {fileLength}-byte file"));
        if (n > MaxHeaderBytes)
            throw Fault(path, Invariant($"header length {n} exceeds the {MaxHeaderBytes}-byte limit"));
        return (long)n;
    }

    /// <summary>Parses the header bytes and checks every entry against a data section of dataLength bytes.</summary>
    public static SafeTensorsHeader Parse(string path, byte[] json, long dataLength)
    {
        using JsonDocument doc = ParseJson(path, json);
        var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
        {
            if (!seen.Add(p.Name)) throw Fault(path, $"duplicate key {Q(p.Name)} in header");
            if (p.Name == MetadataKey) ReadMetadata(path, p.Value, metadata);
            else entries.Add(ReadEntry(path, p.Name, p.Value));
        }
        CheckLayout(path, entries, dataLength);
        foreach (Entry s in entries)
            tensors.Add(s.Name, new TensorInfo(s.Name, s.Dtype, s.Shape, (long)s.Begin, (long)s.End));
        return new SafeTensorsHeader(tensors, metadata);
    }

    /// <summary>One entry as read, offsets still unsigned until the layout check bounds them by the data length.</summary>
    private readonly record struct Entry(string Name, ScalarType Dtype, long[] Shape, ulong Begin, ulong End);

    private static JsonDocument ParseJson(string path, byte[] json)
    {
        if (!Utf8.IsValid(json)) throw Fault(path, "header is not valid UTF-8");
        if (json.Length == 0) throw Fault(path, "header is empty — expected a JSON object");
        if (json[0] != (byte)'{') throw Fault(path, "header is not a JSON object (it must start with '{')");
        var options = new JsonDocumentOptions { MaxDepth = MaxJsonDepth, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false };
        try
        {
            return JsonDocument.Parse(json, options);
        }
        catch (JsonException e)
        {
            throw Fault(path, $"header is not valid JSON: {e.Message}", e);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return; // the reference reads "__metadata__": null as absent
        if (value.ValueKind != JsonValueKind.Object)
            throw Fault(path, $"{MetadataKey} is {Kind(value)}, not an object of strings");
        foreach (JsonProperty p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw Fault(path, $"{MetadataKey} value for {Q(p.Name)} is {Kind(p.Value)}, not a string");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!))
                throw Fault(path, $"duplicate key {Q(p.Name)} in {MetadataKey}");
        }
    }

    private static Entry ReadEntry(string path, string name, JsonElement entry)
    {
        string q = Q(name);
        if (entry.ValueKind != JsonValueKind.Object)
            throw Fault(path, $"entry {q} is {Kind(entry)}, not an object with dtype, shape and data_offsets");
        JsonElement? dtype = null, shape = null, offsets = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty p in entry.EnumerateObject())
        {
            if (!seen.Add(p.Name)) throw Fault(path, $"duplicate key {Q(p.Name)} in entry {q}");
            switch (p.Name)
            {
                case "dtype": dtype = p.Value; break;
                case "shape": shape = p.Value; break;
                case "data_offsets": offsets = p.Value; break;
                default: break; // other keys are ignored, as the reference ignores them
            }
        }
        if (dtype is not { } d) throw Fault(path, $"entry {q} lacks \"dtype\"");
        if (shape is not { } s) throw Fault(path, $"entry {q} lacks \"shape\"");
        if (offsets is not { } o) throw Fault(path, $"entry {q} lacks \"data_offsets\"");

        if (d.ValueKind != JsonValueKind.String) throw Fault(path, $"dtype of {q} is {Kind(d)}, not a string");
        ScalarType type = SafeTensorsDType.Parse(path, name, d.GetString()!);
        long[] dims = ReadShape(path, q, s);
        (ulong begin, ulong end) = ReadOffsets(path, q, o);
        if (begin > end)
            throw Fault(path, Invariant($"data_offsets [{begin}, {end}] of {q} end before they begin"));
        long bytes = ByteSize(path, q, dims, type);
        if (end - begin != (ulong)bytes)
            throw Fault(path, Invariant($"{q} is {d.GetString()} {Dims(dims)} = {bytes} bytes but its data_offsets [{begin}, {end}] span {end - begin}"));
        return new Entry(name, type, dims, begin, end);
    }

    private static long[] ReadShape(string path, string q, JsonElement shape)
    {
        if (shape.ValueKind != JsonValueKind.Array) throw Fault(path, $"shape of {q} is {Kind(shape)}, not an array");
        var dims = new long[shape.GetArrayLength()];
        int i = 0;
        foreach (JsonElement e in shape.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
                throw Fault(path, Invariant($"shape of {q} has {Q(e.GetRawText())} at index {i}, not a non-negative integer"));
            dims[i++] = v;
        }
        return dims;
    }

    private static (ulong Begin, ulong End) ReadOffsets(string path, string q, JsonElement offsets)
    {
        if (offsets.ValueKind == JsonValueKind.Array && offsets.GetArrayLength() == 2
            && offsets[0].ValueKind == JsonValueKind.Number && offsets[0].TryGetUInt64(out ulong begin)
            && offsets[1].ValueKind == JsonValueKind.Number && offsets[1].TryGetUInt64(out ulong end))
            return (begin, end);
        throw Fault(path, $"data_offsets of {q} is {Q(offsets.GetRawText())}, not two non-negative integers [begin, end]");
    }

    /// <summary>numel × element size, refusing shapes whose size does not fit in 63 bits (the reference checks for
    /// overflow the same way, in the same order).</summary>
    private static long ByteSize(string path, string q, long[] dims, ScalarType type)
    {
        try
        {
            long numel = 1;
            foreach (long dim in dims) numel = checked(numel * dim);
            return checked(numel * type.ElementSize());
        }
        catch (OverflowException)
        {
            throw Fault(path, $"shape {Dims(dims)} of {q} overflows: its size in bytes does not fit in 63 bits");
        }
    }

    /// <summary>The reference's layout rule: sorted by offsets, each tensor begins where the previous one ended
    /// (the first at 0) and the last ends where the file ends. No gaps, no overlaps, no unused bytes.</summary>
    private static void CheckLayout(string path, List<Entry> entries, long dataLength)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin)
            : a.End != b.End ? a.End.CompareTo(b.End)
            : string.CompareOrdinal(a.Name, b.Name));
        ulong covered = 0;
        foreach (Entry s in entries)
        {
            if (s.Begin != covered)
            {
                string where = covered == 0 ? "the data section begins at 0" : Invariant($"the previous tensor ends at {covered}");
                throw Fault(path, Invariant($"overlapping or non-contiguous data_offsets for {Q(s.Name)}: it begins at {s.Begin} but {where}"));
            }
            covered = s.End;
        }
        if (covered != (ulong)dataLength)
            throw Fault(path, Invariant($"data section is {dataLength} bytes but tensors cover {covered}"));
    }

    private static SafeTensorsFormatException Fault(string path, string fault, Exception? inner = null) => new(path, fault, inner);

    private static string Q(string text) => SafeTensorsFormatException.Quote(text);

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "undefined",
    };

    /// <summary>"[2, 3]", eliding long shapes so a hostile header cannot make a huge message.</summary>
    private static string Dims(long[] dims) =>
        "[" + string.Join(", ", dims.Take(MaxDimsShown).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            + (dims.Length > MaxDimsShown ? Invariant($", … ({dims.Length} dims)") : "") + "]";
}
