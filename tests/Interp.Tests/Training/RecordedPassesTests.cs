// RecordedPasses: a trainer reading a recording trains exactly as one reading the source — for a budget inside the first
// pass (a prefix) and for one that crosses into the next pass — and asking past the recording is an error.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Training;

public class RecordedPassesTests
{
    private const int Dim = 8;
    private const int Rows = 64;

    private static SparseDictionaryTrainable Make() => new("topk",
        DictionaryRegistry.Create(new DictionaryConfig { Architecture = "topk", DIn = Dim, DSae = 24, K = 3, HookName = TrainingFixtures.Hook }, 3, Device.Cpu),
        TrainingFixtures.Hook, null);

    private static DictionaryTrainerOptions Options(int steps) => new() { Steps = steps, BatchTokens = Rows, LearningRate = 3e-3, SparsityWarmupSteps = 1 };

    [TestCase(3)]
    [TestCase(8)]
    public void TrainingOnTheRecordingEqualsTrainingOnTheSource(int steps)
    {
        // Passes of 5 batches; the recording holds 8 full batches (pass 0 whole, 3 of pass 1).
        var source = TrainingFixtures.Synthetic(Dim, Rows, 5);
        using var recording = RecordedPasses.Record(source, 8, Rows);
        Assert.That(recording.FullBatches, Is.EqualTo(8));
        Assert.That(recording.Rows, Is.EqualTo(8L * Rows));
        using var direct = Make();
        using var replayed = Make();
        new DictionaryTrainer([direct], Options(steps)).Train(source);
        new DictionaryTrainer([replayed], Options(steps)).Train(recording.Passes);
        var a = TrainingFixtures.Snapshot(direct);
        var b = TrainingFixtures.Snapshot(replayed);
        for (int i = 0; i < a.Count; i++) Assert.That(b[i], Is.EqualTo(a[i]), $"parameter {i}");
        using var again = Make();   // the recording survives a trainer disposing its views
        new DictionaryTrainer([again], Options(steps)).Train(recording.Passes);
        Assert.That(TrainingFixtures.Snapshot(again)[0], Is.EqualTo(a[0]));
    }

    [Test]
    public void TrainingPastTheRecordingIsAnError()
    {
        using var recording = RecordedPasses.Record(TrainingFixtures.Synthetic(Dim, Rows, 5), 5, Rows);
        using var d = Make();
        Assert.That(() => new DictionaryTrainer([d], Options(6)).Train(recording.Passes), Throws.InvalidOperationException.With.Message.Contains("record more"));
    }
}
