// DictionaryCacheTests — the cache key: equal for equal inputs, different when anything that determines the weights
// differs (tool version, model, corpus, the dictionary's spec, its training settings, the seed, the world size of a
// data-parallel training), and blind to what does not (where the spec was read from, its training block, which
// TrainingSettings already carries).
using InterpEval.Harness.Config;
using InterpEval.Harness.Runs;

namespace InterpEval.Harness.Tests.Runs;

[TestFixture]
public sealed class DictionaryCacheTests
{
    private static readonly DictionarySpec Spec = new("topk-64", Width: 64, K: 8);
    private static readonly TrainingSettings Training = new(Steps: 40);

    private static string Key(string tool = "0.1.0", string model = "m", string corpus = "c", DictionarySpec? spec = null,
        TrainingSettings? training = null, ulong seed = 3, int worldSize = 1) =>
        DictionaryCache.Key(tool, model, corpus, spec ?? Spec, training ?? Training, seed, worldSize);

    [Test]
    public void Equal_inputs_give_the_same_64_hex_key() =>
        Assert.That(Key(), Is.EqualTo(Key()).And.Length.EqualTo(64).And.Match("^[0-9a-f]+$"));

    [Test]
    public void Every_input_that_determines_the_weights_changes_the_key()
    {
        string[] keys =
        [
            Key(), Key(tool: "0.2.0"), Key(model: "m2"), Key(corpus: "c2"), Key(spec: Spec with { Width = 128 }),
            Key(spec: Spec with { K = 16 }), Key(spec: Spec with { Architecture = "relu" }), Key(training: Training with { Steps = 41 }),
            Key(training: Training with { LearningRate = Training.LearningRate * 2 }), Key(seed: 4), Key(worldSize: 2), Key(worldSize: 4),
        ];
        Assert.That(keys.Distinct().Count(), Is.EqualTo(keys.Length));
    }

    [Test]
    public void Where_the_spec_came_from_does_not_change_the_key() =>
        Assert.That(Key(spec: Spec with { Path = "elsewhere", Training = new() { ["steps"] = 40 } }), Is.EqualTo(Key()));

    [Test]
    public void Entries_are_named_by_id_and_the_key_prefix()
    {
        var cache = new DictionaryCache(Path.Combine("cache-root"));
        Assert.That(cache.EntryFor("topk-64", Key()), Is.EqualTo(Path.Combine("cache-root", "topk-64-" + Key()[..16])));
    }
}
