// PostProcessors — tokenizer.json "post_processor" for a single sequence: TemplateProcessing (Llama 3's and Gemma's
// BOS), BertProcessing and RobertaProcessing ([cls] A [sep]), ByteLevel (ids unchanged) and Sequence. Pairs, type ids
// and offsets are left out.
namespace InterpEval.Interp.Tokenizers.Pipeline;

internal interface IPostProcessor
{
    List<int> Process(List<int> ids);
}

/// <summary>One item of a template: a special token's ids, or the sequence itself (Ids null).</summary>
internal readonly record struct TemplateItem(int[]? Ids);

internal sealed record TemplatePostProcessor(IReadOnlyList<TemplateItem> Single) : IPostProcessor
{
    public List<int> Process(List<int> ids)
    {
        var result = new List<int>(ids.Count + Single.Count);
        foreach (var item in Single)
            if (item.Ids is { } special) result.AddRange(special);
            else result.AddRange(ids);
        return result;
    }
}

internal sealed record IdentityPostProcessor : IPostProcessor
{
    public List<int> Process(List<int> ids) => ids;
}

internal sealed record SequencePostProcessor(IReadOnlyList<IPostProcessor> Steps) : IPostProcessor
{
    public List<int> Process(List<int> ids)
    {
        foreach (var step in Steps) ids = step.Process(ids);
        return ids;
    }
}
