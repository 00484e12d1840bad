// AuxK revives dead latents: a topk dictionary whose second half of latents starts with encoder columns 100× too
// small (they never win the top-k, so without AuxK they get no gradient and stay dead) is trained with AuxK on and
// off; AuxK on must leave far fewer dead. Also the default dead-after window scales with the budget.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Training;

public class AuxKRevivalTests
{
    private const int Dim = 16, Width = 64, Rows = 256;

    private static SparseDictionaryTrainable Crippled(string id, double auxK)
    {
        var config = new DictionaryConfig { Architecture = "topk", DIn = Dim, DSae = Width, K = 4, HookName = TrainingFixtures.Hook };
        var d = TopKDictionary.Create(config, 5, Device.Cpu);
        d.AuxKCoefficient = auxK;
        using (DisposeScope.Enter())
        using (Autograd.NoGrad())
        {
            var scale = Tensor.From(Enumerable.Range(0, Width).Select(i => i < Width / 2 ? 1f : 0.01f).ToArray());   // [F]
            d.WEnc.Mul_(scale);
        }
        return new SparseDictionaryTrainable(id, d, TrainingFixtures.Hook);
    }

    [Test]
    public void AuxKLowersTheDeadFractionOfDictionaryBuiltToKillLatents()
    {
        using var on = Crippled("auxk-on", 1.0 / 32);
        using var off = Crippled("auxk-off", 0);
        var options = new DictionaryTrainerOptions { Steps = 150, BatchTokens = Rows, LearningRate = 3e-3, DeadAfterTokens = 4 * Rows };
        var dead = new DictionaryTrainer([on, off], options).Train(TrainingFixtures.Synthetic(Dim, Rows, 50))
            .ToDictionary(s => s.Id, s => s.DeadFraction);
        TestContext.Out.WriteLine($"dead: AuxK on {dead["auxk-on"]:P1}, off {dead["auxk-off"]:P1}");
        Assert.That(dead["auxk-off"], Is.GreaterThanOrEqualTo(0.45), "without AuxK the crippled half stays dead");
        Assert.That(dead["auxk-on"], Is.LessThan(dead["auxk-off"] - 0.25), "AuxK revives at least a quarter of the latents");
    }

    [TestCase(100, 4096, 40_960)]                 // 409,600 tokens: a tenth
    [TestCase(100_000, 4096, 10_000_000)]         // 409.6 M tokens: capped at 10 M
    public void DefaultDeadAfterIsATenthOfTheBudgetCappedAtTenMillion(int steps, int batch, long expected) =>
        Assert.That(new DictionaryTrainerOptions { Steps = steps, BatchTokens = batch }.DeadAfter, Is.EqualTo(expected));

    [Test]
    public void AGivenDeadAfterWins() =>
        Assert.That(new DictionaryTrainerOptions { Steps = 100, BatchTokens = 4096, DeadAfterTokens = 123 }.DeadAfter, Is.EqualTo(123));
}
