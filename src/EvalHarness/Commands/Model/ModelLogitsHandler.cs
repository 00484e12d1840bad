// ModelLogitsHandler — `model logits`: runs the given token ids through a model and writes one float32 tensor
// `logits` [T, vocab] as safetensors (atomically). Bad ids are a usage error naming the offending value.
using System.Globalization;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Models;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Harness.Commands.Model;

/// <param name="Model">The model directory.</param>
/// <param name="TokenIds">Comma-separated token ids.</param>
/// <param name="Out">The output .safetensors file.</param>
/// <param name="Device">Where tensors live.</param>
public sealed record ModelLogitsOptions(string Model, string TokenIds, string Out, Device Device);

public sealed class ModelLogitsHandler(TextWriter stdout)
{
    public ExitCode Run(ModelLogitsOptions o)
    {
        long[] ids = ParseIds(o.TokenIds);
        string outPath = o.Out;
        using var model = TransformerModel.Load(o.Model, o.Device);
        if (ids.Any(i => i >= model.Config.VocabSize))
            throw new UsageException($"--token-ids: {ids.First(i => i >= model.Config.VocabSize)} is outside the vocabulary of {model.Config.VocabSize}");
        if (model.Config.Family == ModelFamily.Gpt2 && ids.Length > model.Config.NCtx)
            throw new UsageException($"--token-ids: {ids.Length} tokens exceed the model's context of {model.Config.NCtx}");
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var logits = model.Logits(ids).To(ScalarType.Float32);
        SafeTensorsWriter.Write(outPath, [KeyValuePair.Create("logits", logits)]);
        stdout.WriteLine($"wrote logits [{ids.Length}, {model.Config.VocabSize}] to {outPath}");
        return ExitCode.Ok;
    }

    public static long[] ParseIds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var ids = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
                throw new UsageException($"--token-ids: '{parts[i]}' is not a non-negative whole number (expected e.g. 5,17,3)");
        return ids;
    }
}
