// DictEncodeHandler — `dict encode` and `dict decode`: read one named tensor from a safetensors file, check it against
// the dictionary (name, dtype, rank, width), run Encode or Decode in row chunks without gradients, and write one float32
// tensor atomically. Every bad input is one line and exit 2. Not here: batching across files, other dtypes out.
using System.Globalization;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Harness.Commands.Dict;

/// <param name="Dict">The dictionary directory.</param>
/// <param name="Input">The input .safetensors file.</param>
/// <param name="Out">The output .safetensors file.</param>
/// <param name="Decode">Latents in, prediction out (`dict decode`); false: activations in, latents out.</param>
/// <param name="Device">Where tensors live.</param>
public sealed record DictEncodeOptions(string Dict, string Input, string Out, bool Decode, Device Device);

public sealed class DictEncodeHandler(TextWriter stdout)
{
    public const string ActivationsKey = "activations";
    public const string FeaturesKey = "feature_acts";

    /// <summary>Rows per chunk: bounds the dense [rows, d_sae] intermediates.</summary>
    private const long ChunkRows = 4096;

    public ExitCode Run(DictEncodeOptions o)
    {
        (string dictDir, string input, string output, bool decode) = (o.Dict, o.Input, o.Out, o.Decode);
        using var dictionary = SparseDictionary.Load(dictDir, o.Device);
        var (inKey, outKey) = decode ? (FeaturesKey, ActivationsKey) : (ActivationsKey, FeaturesKey);
        int width = decode ? dictionary.DSae : dictionary.DIn;
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var x = ReadInput(input, inKey, width, decode ? "d_sae" : "d_in");                    // [N, width]
        var result = Apply(dictionary, x.To(dictionary.Device), decode);                       // [N, d_sae | d_out]
        SafeTensorsWriter.Write(output, [KeyValuePair.Create(outKey, result)]);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {outKey} [{result.Size(0)}, {result.Size(1)}] float32 to {output}"));
        return ExitCode.Ok;
    }

    /// <summary>The input tensor as float32 [N, width]; faults name the file, the tensor and what was expected.</summary>
    public static Tensor ReadInput(string path, string key, int width, string widthName)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: input file does not exist", path);
        using var file = SafeTensorsFile.Open(path);
        if (!file.Contains(key))
            throw new InvalidDataException($"{path}: no tensor '{key}' (found {(file.Names.Count == 0 ? "none" : string.Join(", ", file.Names))}) — expected '{key}' [N, {width}]");
        var info = file.Info(key);
        if (!info.Dtype.IsFloatingPoint())
            throw new InvalidDataException($"{path}: tensor '{key}' has dtype {SafeTensorsDType.Name(info.Dtype)} — expected a floating-point type");
        if (info.Shape.Count != 2 || info.Shape[1] != width)
            throw new InvalidDataException($"{path}: tensor '{key}' has shape [{string.Join(", ", info.Shape)}], expected [N, {width}] ({widthName} of the dictionary)");
        using var scope = DisposeScope.Enter();
        var x = file.Load(key).To(ScalarType.Float32);
        if (x.IsFinite().All().ToInt64() == 0)
        {
            long bad = x.IsFinite().LogicalNot().Sum().ToInt64();
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: tensor '{key}' holds {bad} NaN or infinite values — refusing to encode them (latents of NaN are NaN)"));
        }
        return scope.MoveOut(x);
    }

    private static Tensor Apply(SparseDictionary dictionary, Tensor x, bool decode)
    {
        long n = x.Size(0);
        var chunks = new List<Tensor>();
        for (long start = 0; start < n; start += ChunkRows)
        {
            var rows = x.Narrow(0, start, Math.Min(ChunkRows, n - start));
            chunks.Add((decode ? dictionary.Decode(rows) : dictionary.Encode(rows)).To(ScalarType.Float32).To(Device.Cpu));
        }
        long width = decode ? dictionary.DOut : dictionary.DSae;
        return chunks.Count == 0 ? Tensor.Zeros([0, width]) : chunks.Count == 1 ? chunks[0].Contiguous() : Tensor.Cat(chunks, 0);
    }
}
