// SafeTensorsWriter — writes named tensors (any device, any layout) to a .safetensors file atomically: a temp file
// in the same directory, flushed, then renamed over the target. It never updates a file in place or appends.
using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using static System.FormattableString;

namespace InterpEval.Torch.SafeTensors;

public static class SafeTensorsWriter
{
    /// <summary>Tensors up to this size are copied out in one ToBytes; larger ones in slices of this size, which keeps
    /// every managed buffer under the 2 GiB array limit.</summary>
    private const long DefaultChunkBytes = 1L << 30;

    /// <summary>Writes the tensors (and optional string metadata) to path, replacing any existing file only once the
    /// new one is complete. On failure the old file is untouched and no temp file is left behind.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors, metadata, DefaultChunkBytes, beforeTensor: null);

    /// <summary>The writer with its seams exposed for tests: the slice size for large tensors, and a callback run
    /// before each tensor's data is written (after the header), to inject a failure mid-write.</summary>
    internal static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata,
        long chunkBytes, Action<string>? beforeTensor)
    {
        List<Entry> entries = Plan(tensors);
        byte[] header = HeaderBytes(entries, metadata);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{path}: directory {dir} does not exist");
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                var prefix = new byte[SafeTensorsHeader.PrefixBytes];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (Entry e in entries)
                {
                    beforeTensor?.Invoke(e.Name);
                    WriteData(stream, e, chunkBytes);
                    if (stream.Position != prefix.Length + header.Length + e.End)
                        throw new InvalidOperationException($"tensor {SafeTensorsFormatException.Quote(e.Name)} changed size while it was being written");
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception failure)
        {
            DeleteTemp(path, temp, failure);
            throw;
        }
    }

    /// <summary>Removes the temp file of a failed write (a no-op when it was never created); if even that fails, says
    /// so in one line that keeps the original cause.</summary>
    private static void DeleteTemp(string path, string temp, Exception failure)
    {
        try
        {
            File.Delete(temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: write failed ({failure.Message}) and its temp file {temp} could not be removed ({e.Message})", failure);
        }
    }

    /// <summary>One tensor to write, with its place in the data section.</summary>
    private sealed record Entry(string Name, Tensor Tensor, ScalarType Dtype, long[] Shape, long Bytes)
    {
        public long Begin { get; set; }

        public long End => Begin + Bytes;
    }

    /// <summary>Checks names and dtypes, then lays tensors out by descending element size, then name (the reference's
    /// order): every tensor then starts at a multiple of its element size, and the layout is deterministic.</summary>
    private static List<Entry> Plan(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            if (name == SafeTensorsHeader.MetadataKey)
                throw new ArgumentException($"'{SafeTensorsHeader.MetadataKey}' is reserved for the header's metadata and cannot name a tensor", nameof(tensors));
            if (!names.Add(name))
                throw new ArgumentException($"tensor name {SafeTensorsFormatException.Quote(name)} is given twice", nameof(tensors));
            ScalarType dtype = tensor.Dtype;
            _ = SafeTensorsDType.Name(dtype); // throws for a dtype the format cannot hold
            entries.Add(new Entry(name, tensor, dtype, tensor.Shape, tensor.NumEl * dtype.ElementSize()));
        }
        entries.Sort((a, b) => a.Dtype.ElementSize() != b.Dtype.ElementSize()
            ? b.Dtype.ElementSize().CompareTo(a.Dtype.ElementSize())
            : string.CompareOrdinal(a.Name, b.Name));
        long offset = 0;
        foreach (Entry e in entries)
        {
            e.Begin = offset;
            offset = e.End;
        }
        return entries;
    }

    /// <summary>The JSON header (metadata first, then tensors by name), padded with spaces to a multiple of 8 bytes
    /// so that the data section starts 8-byte aligned.</summary>
    private static byte[] HeaderBytes(List<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    ArgumentNullException.ThrowIfNull(value, nameof(metadata));
                    w.WriteString(key, value);
                }
                w.WriteEndObject();
            }
            foreach (Entry e in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", SafeTensorsDType.Name(e.Dtype));
                w.WriteStartArray("shape");
                foreach (long dim in e.Shape) w.WriteNumberValue(dim);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(e.Begin);
                w.WriteNumberValue(e.End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        if ((ulong)padded > SafeTensorsHeader.MaxHeaderBytes)
            throw new ArgumentException(Invariant($"the header would be {padded} bytes, over the {SafeTensorsHeader.MaxHeaderBytes}-byte limit that readers accept"), "tensors");
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    /// <summary>Copies one tensor's row-major bytes into the stream, in slices when it is larger than chunkBytes.</summary>
    private static void WriteData(Stream stream, Entry e, long chunkBytes)
    {
        if (e.Bytes <= chunkBytes)
        {
            stream.Write(e.Tensor.ToBytes());
            return;
        }
        int elementSize = e.Dtype.ElementSize();
        long numel = e.Bytes / elementSize;
        long perSlice = Math.Max(1, chunkBytes / elementSize);
        using Tensor detached = e.Tensor.Detach();
        using Tensor flat = detached.Reshape(-1);
        for (long start = 0; start < numel; start += perSlice)
        {
            using Tensor slice = flat.Narrow(0, start, Math.Min(perSlice, numel - start));
            stream.Write(slice.ToBytes());
        }
    }
}
