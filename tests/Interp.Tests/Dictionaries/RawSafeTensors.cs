// RawSafeTensors — an independent safetensors writer for tests: the header JSON and little-endian bytes are put
// together by hand, without SafeTensorsWriter, so that files "written by someone else" (SAELens's layout) are read
// back through code paths they did not share with our writer.
using System.Buffers.Binary;
using System.Text;

namespace InterpEval.Interp.Tests.Dictionaries;

internal static class RawSafeTensors
{
    public sealed record Entry(string Name, string Dtype, long[] Shape, byte[] Data);

    public static Entry F32(string name, long[] shape, params float[] values)
    {
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        return new(name, "F32", shape, data);
    }

    public static Entry F16(string name, long[] shape, params float[] values)
    {
        var data = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(i * 2), (Half)values[i]);
        return new(name, "F16", shape, data);
    }

    public static Entry I32(string name, long[] shape, params int[] values)
    {
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i * 4), values[i]);
        return new(name, "I32", shape, data);
    }

    /// <summary>Header {"name": {"dtype", "shape", "data_offsets"}, …} in the given order, space-padded to 8 bytes.</summary>
    public static void Write(string path, params Entry[] entries)
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var e in entries)
        {
            if (header.Length > 1) header.Append(',');
            header.Append($"\"{e.Name}\":{{\"dtype\":\"{e.Dtype}\",\"shape\":[{string.Join(",", e.Shape)}],\"data_offsets\":[{offset},{offset + e.Data.Length}]}}");
            offset += e.Data.Length;
        }
        header.Append('}');
        while ((header.Length + 8) % 8 != 0) header.Append(' ');
        byte[] json = Encoding.UTF8.GetBytes(header.ToString());
        using var stream = File.Create(path);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
        stream.Write(prefix);
        stream.Write(json);
        foreach (var e in entries) stream.Write(e.Data);
    }
}
