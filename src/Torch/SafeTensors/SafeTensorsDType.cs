// SafeTensorsDType — the format's dtype strings ("F32", "BF16", …) and the ScalarTypes they name. Only dtypes that
// libtorch and this binding can hold are mapped; U16/U32/U64 and the F8 variants are reported as unsupported.
namespace InterpEval.Torch.SafeTensors;

public static class SafeTensorsDType
{
    private static readonly (string Name, ScalarType Type)[] Table =
    [
        ("F64", ScalarType.Float64),
        ("F32", ScalarType.Float32),
        ("F16", ScalarType.Float16),
        ("BF16", ScalarType.BFloat16),
        ("I64", ScalarType.Int64),
        ("I32", ScalarType.Int32),
        ("I16", ScalarType.Int16),
        ("I8", ScalarType.Int8),
        ("U8", ScalarType.UInt8),
        ("BOOL", ScalarType.Bool),
    ];

    /// <summary>Every dtype string this binding reads and writes, for messages.</summary>
    public static string Supported { get; } = string.Join(", ", Table.Select(e => e.Name));

    /// <summary>The dtype string for a scalar type ("F32" for Float32).</summary>
    public static string Name(ScalarType type)
    {
        foreach (var (name, t) in Table)
            if (t == type) return name;
        throw new ArgumentException($"scalar type {type} has no safetensors dtype (supported: {Supported})", nameof(type));
    }

    /// <summary>The scalar type a dtype string names; false for unknown strings (matching is exact, as in the spec).</summary>
    public static bool TryParse(string dtype, out ScalarType type)
    {
        foreach (var (name, t) in Table)
        {
            if (string.Equals(name, dtype, StringComparison.Ordinal))
            {
                type = t;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>The scalar type of one header entry, or a format error naming the file, the tensor and the dtype.</summary>
    internal static ScalarType Parse(string path, string tensor, string dtype) =>
        TryParse(dtype, out var type)
            ? type
            : throw new SafeTensorsFormatException(path,
                $"tensor {SafeTensorsFormatException.Quote(tensor)} has unsupported dtype {SafeTensorsFormatException.Quote(dtype)} (supported: {Supported})");
}
