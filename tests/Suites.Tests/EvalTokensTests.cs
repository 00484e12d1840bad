// EvalTokensTests — the evaluation windows: budget, window shape, the short tail, separator positions excluded, and
// the validation stream joined as the training stream is.
using InterpEval.Interp.Models.Training;

namespace InterpEval.Suites.Tests;

public class EvalTokensTests
{
    [Test]
    public void WindowsAreConsecutiveWithAShortTailAndSeparatorsExcluded()
    {
        long[] stream = [9, 1, 2, 3, 9, 4, 5, 6, 7, 9, 8];          // separator 9
        var batches = EvalTokens.Batches(stream, separator: 9, context: 4, perBatch: 2, Device.Cpu).ToList();
        try
        {
            Assert.That(batches.Select(b => b.Tokens.ShapeString), Is.EqualTo(new[] { "[2, 4]", "[1, 3]" }));
            using var scope = DisposeScope.Enter();
            Assert.That(batches[0].Tokens.Reshape(-1).ToArray<long>(), Is.EqualTo(stream[..8]));
            Assert.That(batches[1].Tokens.Reshape(-1).ToArray<long>(), Is.EqualTo(stream[8..]));
            Assert.That(batches[0].Keep.Reshape(-1).ToArray<bool>(), Is.EqualTo(new[] { false, true, true, true, false, true, true, true }));
            // the tail window [7, 9, 8] starts mid-document: its position 0 (7) is not kept either
            Assert.That(batches[1].Keep.Reshape(-1).ToArray<bool>(), Is.EqualTo(new[] { false, false, true }));
            Assert.That(batches[0].KeptCount + batches[1].KeptCount, Is.EqualTo(7));
            // Predictions that count: positions 0..T−2 that are not separators; window 0 predicts from 1, 2; window 1 from 5, 6.
            Assert.That(batches[0].PredictedRows().ToArray<long>(), Is.EqualTo(new long[] { 1, 2, 4, 5 }));
            Assert.That(batches[0].Targets().ToArray<long>(), Is.EqualTo(new long[] { 1, 2, 3, 4, 5, 6 }));
        }
        finally
        {
            foreach (var b in batches) b.Dispose();
        }
    }

    [Test]
    public void WithBosPrependedEveryWindowStartsWithItAndPositionZeroIsNotKept()
    {
        long[] stream = [1, 2, 3, 4, 5, 6, 7, 8];                     // BOS 0 (a Llama-style tokenizer adds it)
        var batches = EvalTokens.Batches(stream, separator: 0, context: 4, perBatch: 8, Device.Cpu, prependSeparator: true).ToList();
        try
        {
            using var scope = DisposeScope.Enter();
            Assert.That(batches.Select(b => b.Tokens.ShapeString), Is.EqualTo(new[] { "[2, 4]", "[1, 3]" }));
            Assert.That(batches[0].Tokens.Reshape(-1).ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 2, 3, 0, 4, 5, 6 }));
            Assert.That(batches[1].Tokens.Reshape(-1).ToArray<long>(), Is.EqualTo(new long[] { 0, 7, 8 }));
            Assert.That(batches[0].Keep.Reshape(-1).ToArray<bool>(), Is.EqualTo(new[] { false, true, true, true, false, true, true, true }));
        }
        finally
        {
            foreach (var b in batches) b.Dispose();
        }
    }

    [Test]
    public void ATailOfOneTokenIsDropped()
    {
        var batches = EvalTokens.Batches([1, 2, 3, 4, 5], separator: 0, context: 4, perBatch: 8, Device.Cpu).ToList();
        Assert.That(batches.Count, Is.EqualTo(1));
        batches[0].Dispose();
    }

    [Test]
    public void TheValidationStreamIsJoinedLikeTheTrainingStreamAndCutToTheBudget()
    {
        using var tiny = new TinySubject();
        long[] full = EmbeddedModelBuilder.Stream(tiny.Corpus.Validation, tiny.Tokenizer, tiny.Separator);
        long[] cut = EvalTokens.ValidationStream(tiny.Corpus, tiny.Tokenizer, tiny.Separator, limit: 50);
        Assert.That(full.Length, Is.GreaterThan(50));
        Assert.That(cut, Is.EqualTo(full[..50]));
        Assert.That(cut[0], Is.EqualTo(tiny.Separator));
    }

    [Test]
    public void MissingPiecesAreNamed()
    {
        using var tiny = new TinySubject();
        using var d = TinySubject.Zero("blocks.0.hook_resid_post");
        Assert.That(EvalTokens.Missing(tiny.Input(d) with { Model = null }), Is.EqualTo("needs a subject model"));
        Assert.That(EvalTokens.Missing(tiny.Input(d) with { Corpus = null }), Is.EqualTo("needs a corpus"));
        Assert.That(EvalTokens.Missing(tiny.Input(d)), Is.Null);
    }
}
