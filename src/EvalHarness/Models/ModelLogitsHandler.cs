// ModelLogitsHandler — `model logits`: runs the given token ids through a model and writes one float32 tensor
// `logits` [T, vocab] as safetensors (atomically). Bad ids are a usage error naming the offending value.
using System.CommandLine;
using System.Globalization;
using InterpEval.Harness.Cli;
using InterpEval.Harness.Commands;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Models;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Harness.Models;

public sealed class ModelLogitsHandler(Option<string> outOption)
{
    public ExitCode Run(ParseResult parseResult)
    {
        long[] ids = ParseIds(parseResult.GetValue(ModelCommand.TokenIds)!);
        string outPath = parseResult.GetValue(outOption)!;
        using var model = TransformerModel.Load(ModelCommand.ModelDirectory(parseResult), parseResult.GetValue(GlobalOptions.Device));
        if (ids.Any(i => i >= model.Config.VocabSize))
            throw new UsageException($"--token-ids: {ids.First(i => i >= model.Config.VocabSize)} is outside the vocabulary of {model.Config.VocabSize}");
        if (model.Config.Family == ModelFamily.Gpt2 && ids.Length > model.Config.NCtx)
            throw new UsageException($"--token-ids: {ids.Length} tokens exceed the model's context of {model.Config.NCtx}");
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var logits = model.Logits(ids).To(ScalarType.Float32);
        SafeTensorsWriter.Write(outPath, [KeyValuePair.Create("logits", logits)]);
        parseResult.InvocationConfiguration.Output.WriteLine($"wrote logits [{ids.Length}, {model.Config.VocabSize}] to {outPath}");
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
