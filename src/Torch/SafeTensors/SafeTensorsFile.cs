// SafeTensorsFile — an open .safetensors file: the header is read and validated on Open, the file is memory-mapped
// read-only, and a tensor's bytes are copied out only when it is loaded. Writing is SafeTensorsWriter's; slicing
// a tensor on load and sharing memory with the mapping are left out (every Load is a copy).
using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;
using static System.FormattableString;

namespace InterpEval.Torch.SafeTensors;

/// <summary>Not thread-safe to dispose while another thread loads; concurrent Loads are fine.</summary>
public sealed class SafeTensorsFile : IDisposable
{
    private readonly SafeTensorsHeader _header;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private bool _disposed;

    private SafeTensorsFile(string path, SafeTensorsHeader header, long dataOffset, MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        Path = path;
        _header = header;
        DataOffset = dataOffset;
        _map = map;
        _view = view;
    }

    /// <summary>The file as the caller named it (messages use this).</summary>
    public string Path { get; }

    /// <summary>Where the data section starts in the file: 8 + the header length.</summary>
    public long DataOffset { get; }

    /// <summary>Tensor names in ordinal order.</summary>
    public IReadOnlyList<string> Names => _header.Names;

    /// <summary>The header's "__metadata__" (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Opens, validates and maps a file; a corrupt file throws <see cref="SafeTensorsFormatException"/>,
    /// a missing or unreadable one the usual IOException.</summary>
    public static SafeTensorsFile Open(string path)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        MemoryMappedFile? map = null;
        try
        {
            long length = RandomAccess.GetLength(handle);
            ulong n = length >= SafeTensorsHeader.PrefixBytes ? BinaryPrimitives.ReadUInt64LittleEndian(ReadAt(path, handle, 0, SafeTensorsHeader.PrefixBytes)) : 0;
            long headerLength = SafeTensorsHeader.CheckLength(path, n, length);
            long dataOffset = SafeTensorsHeader.PrefixBytes + headerLength;
            var header = SafeTensorsHeader.Parse(path, ReadAt(path, handle, SafeTensorsHeader.PrefixBytes, (int)headerLength), length - dataOffset);
            map = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new SafeTensorsFile(path, header, dataOffset, map, view);
        }
        catch
        {
            if (map is null) handle.Dispose();
            else map.Dispose();
            throw;
        }
    }

    /// <summary>Opens a file and loads every tensor; the caller owns (disposes) them.</summary>
    public static Dictionary<string, Tensor> LoadAll(string path, Device? device = null)
    {
        using var file = Open(path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (string name in file.Names) tensors.Add(name, file.Load(name, device));
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return tensors;
    }

    public bool Contains(string name) => _header.Tensors.ContainsKey(name);

    /// <summary>The header entry of a tensor; KeyNotFoundException naming the file when there is none.</summary>
    public TensorInfo Info(string name) =>
        _header.Tensors.TryGetValue(name, out var info) ? info : throw new KeyNotFoundException(
            Invariant($"{Path}: no tensor named {SafeTensorsFormatException.Quote(name)}; the file holds {Names.Count}: {Preview(Names)}"));

    /// <summary>Copies one tensor's bytes out of the mapping into a new tensor on device (CPU by default).
    /// Nothing else is read; the tensor shares no memory with the file.</summary>
    public unsafe Tensor Load(string name, Device? device = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TensorInfo info = Info(name);
        SafeMemoryMappedViewHandle view = _view.SafeMemoryMappedViewHandle;
        byte* start = null;
        view.AcquirePointer(ref start);
        try
        {
            byte* data = start + _view.PointerOffset + DataOffset + info.Begin;
            return Tensor.FromBytes(data, info.ByteLength, info.Dtype, info.ShapeSpan, device);
        }
        finally
        {
            view.ReleasePointer();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.Dispose();
        _map.Dispose();
    }

    /// <summary>Reads exactly count bytes at offset; a file that shrinks under us is a format fault, not a crash.</summary>
    private static byte[] ReadAt(string path, SafeFileHandle handle, long offset, int count)
    {
        var buffer = new byte[count];
        int done = 0;
        while (done < count)
        {
            int read = RandomAccess.Read(handle, buffer.AsSpan(done), offset + done);
            if (read == 0) throw new SafeTensorsFormatException(path, Invariant($"file ended at byte {offset + done} while reading {count} bytes at {offset}"));
            done += read;
        }
        return buffer;
    }

    private static string Preview(IReadOnlyList<string> names)
    {
        const int shown = 5;
        string head = string.Join(", ", names.Take(shown).Select(SafeTensorsFormatException.Quote));
        return names.Count > shown ? head + ", …" : names.Count == 0 ? "(none)" : head;
    }
}
