// The activation store: rows are the model's hook activations with excluded tokens dropped, aligned across hooks,
// shuffled as a permutation (nothing lost or duplicated), deterministic for a seed, batched as asked.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tests.Models;

namespace InterpEval.Interp.Tests.Activations;

public class ActivationStoreTests() : TinyModelFixture("gpt2")
{
    private const long Separator = 0;

    // 10 windows of 8 random tokens; every 5th token is the separator.
    private static long[] Stream()
    {
        var rng = new Random(11);
        return Enumerable.Range(0, 80).Select(i => i % 5 == 0 ? Separator : rng.NextInt64(1, 40)).ToArray();
    }

    private ActivationStoreOptions Options(bool shuffle) => new(
        [HookNames.ResidPre(1), HookNames.MlpOut(1)], ContextLength: 8, SequencesPerForward: 3, BufferTokens: 24, BatchTokens: 10,
        ExcludeToken: Separator, Shuffle: shuffle, Seed: 4);

    private List<(double[] Pre, double[] Out)> Rows(bool shuffle, ActivationStoreOptions? options = null)
    {
        var rows = new List<(double[], double[])>();
        foreach (var batch in new ActivationStore(Model, Stream(), options ?? Options(shuffle)).Batches())
            using (batch)
            {
                var pre = batch.Activations[HookNames.ResidPre(1)].Values();
                var post = batch.Activations[HookNames.MlpOut(1)].Values();
                long d = Model.Config.DModel;
                for (int r = 0; r < batch.Rows; r++) rows.Add((pre[(int)(r * d)..(int)((r + 1) * d)], post[(int)(r * d)..(int)((r + 1) * d)]));
            }
        return rows;
    }

    [Test]
    public void UnshuffledRowsAreTheHookValuesWithoutSeparators()
    {
        var stream = Stream();
        var rows = Rows(shuffle: false);
        Assert.That(rows, Has.Count.EqualTo(stream.Count(t => t != Separator)));
        var hooks = new ForwardHooks().Capture(HookNames.ResidPre(1));
        Model.Forward(Tensor.From<long>(stream, [10, 8]), hooks);
        var expected = hooks.Captured[HookNames.ResidPre(1)].Reshape(80, -1);
        int row = 0;
        for (int i = 0; i < 80; i++)
        {
            if (stream[i] == Separator) continue;
            Assert.That(rows[row++].Pre, Is.EqualTo(expected.Select(0, i).Values()).Within(1e-6), $"token {i}");
        }
    }

    [Test]
    public void PositionZeroIsDroppedAndAPrefixStartsEveryWindow()
    {
        // prefix 0 (the separator, as BOS) + 7 stream tokens per window: 11 windows of the 80 tokens (77 used)
        var stream = Stream();
        var options = Options(shuffle: false) with { ExcludeFirstPosition = true, WindowPrefix = Separator };
        var rows = Rows(shuffle: false, options);
        var ids = new List<long>();
        for (int w = 0; w < 11; w++) ids.AddRange([Separator, .. stream.AsSpan(w * 7, 7).ToArray()]);
        var hooks = new ForwardHooks().Capture(HookNames.ResidPre(1));
        Model.Forward(Tensor.From<long>(ids.ToArray(), [11, 8]), hooks);
        var expected = hooks.Captured[HookNames.ResidPre(1)].Reshape(88, -1);
        var kept = Enumerable.Range(0, 88).Where(i => i % 8 != 0 && ids[i] != Separator).ToList();
        Assert.That(rows, Has.Count.EqualTo(kept.Count));
        for (int r = 0; r < kept.Count; r++)
            Assert.That(rows[r].Pre, Is.EqualTo(expected.Select(0, kept[r]).Values()).Within(1e-6), $"row {r} (position {kept[r]})");

        // without a prefix, position 0 of a window that starts mid-document is dropped too
        var plain = Rows(shuffle: false, Options(shuffle: false) with { ExcludeFirstPosition = true });
        Assert.That(plain, Has.Count.EqualTo(Enumerable.Range(0, 80).Count(i => i % 8 != 0 && stream[i] != Separator)));
    }

    [Test]
    public void ShuffleIsAPermutationThatKeepsHooksAligned()
    {
        var plain = Rows(shuffle: false);
        var shuffled = Rows(shuffle: true);
        Assert.That(shuffled, Has.Count.EqualTo(plain.Count));
        Assert.That(shuffled.Select(r => r.Pre[0]), Is.Not.EqualTo(plain.Select(r => r.Pre[0])), "the order changed");
        // Same multiset of (resid_pre, mlp_out) pairs: sorted by the resid_pre row, the pairs agree one for one.
        static string Key(double[] row) => string.Join(",", row.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var a = plain.OrderBy(r => Key(r.Pre), StringComparer.Ordinal).ToList();
        var b = shuffled.OrderBy(r => Key(r.Pre), StringComparer.Ordinal).ToList();
        for (int i = 0; i < a.Count; i++)
        {
            Assert.That(b[i].Pre, Is.EqualTo(a[i].Pre));
            Assert.That(b[i].Out, Is.EqualTo(a[i].Out), "mlp_out row travels with its resid_pre row");
        }
        Assert.That(Rows(shuffle: true).Select(r => r.Pre[0]), Is.EqualTo(shuffled.Select(r => r.Pre[0])), "same seed, same order");
    }

    [Test]
    public void BatchesHaveTheRequestedSizeAndLiveHandlesStayFlat()
    {
        long before = Tensor.SettledLiveCount;
        Assert.That(DisposeScope.Current!.Count, Is.EqualTo(0));
        var sizes = new List<long>();
        foreach (var batch in new ActivationStore(Model, Stream(), Options(true)).Batches())
            using (batch) sizes.Add(batch.Rows);
        Assert.That(sizes.Take(sizes.Count - 1), Is.All.EqualTo(10));
        Assert.That(sizes.Sum(), Is.EqualTo(64));
        Assert.That(Tensor.LiveCount, Is.EqualTo(before), "the store released everything it made");
        Assert.That(DisposeScope.Current!.Count, Is.EqualTo(0), "and left nothing in the caller's scope");
    }

    [Test]
    public void BadOptionsAreClearErrors()
    {
        Assert.Throws<ArgumentException>(() => new ActivationStore(Model, Stream(), Options(true) with { Hooks = ["blocks.9.hook_resid_pre"] }).Batches().First());
        var e = Assert.Throws<ArgumentException>(() => new ActivationStore(Model, Stream(), Options(true) with { BufferTokens = 12 }).Batches().First());
        Assert.That(e!.Message, Does.Contain("two batches"));
    }
}
