// TensorInfo — one validated header entry of a safetensors file: name, dtype, shape and where its bytes lie.
// It holds no data; SafeTensorsFile.Load reads the bytes.
using System.Globalization;

namespace InterpEval.Torch.SafeTensors;

public sealed class TensorInfo
{
    private readonly long[] _shape;

    internal TensorInfo(string name, ScalarType dtype, long[] shape, long begin, long end)
    {
        Name = name;
        Dtype = dtype;
        _shape = shape;
        Begin = begin;
        End = end;
    }

    public string Name { get; }

    public ScalarType Dtype { get; }

    /// <summary>Row-major shape; empty for a 0-dim scalar.</summary>
    public IReadOnlyList<long> Shape => _shape;

    internal ReadOnlySpan<long> ShapeSpan => _shape;

    /// <summary>First byte, relative to the start of the data section (data_offsets[0]).</summary>
    public long Begin { get; }

    /// <summary>One past the last byte, relative to the start of the data section (data_offsets[1]).</summary>
    public long End { get; }

    public long ByteLength => End - Begin;

    public long NumEl => ByteLength / Dtype.ElementSize();

    public override string ToString() =>
        FormattableString.Invariant($"{Name}: {SafeTensorsDType.Name(Dtype)} [{string.Join(", ", _shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))}] bytes [{Begin}, {End})");
}
