// HarvestBenchmark — tokens/s for harvesting one hook from a subject model: batches of random token ids through
// the forward under no-grad, stopping after the hook's block, keeping the hook's activations. Best of timed repeats
// after one warm-up. eng/bench_harvest.py runs the same procedure in PyTorch. It measures; it never prints.
using System.Diagnostics;
using InterpEval.Interp.Models;
using InterpEval.Torch;

namespace InterpEval.Harness.Bench;

public sealed record HarvestSettings(string ModelDirectory, string? Hook, int Batch, int Sequence, int Repeats, Device Device, ulong Seed = 0);

public sealed record HarvestResult(HarvestSettings Settings, string Hook, int Layer, IReadOnlyList<double> SecondsPerBatch, int Threads)
{
    public double BestSeconds => SecondsPerBatch.Min();

    public double TokensPerSecond => Settings.Batch * (double)Settings.Sequence / BestSeconds;
}

public sealed class HarvestBenchmark(HarvestSettings settings)
{
    public HarvestResult Measure()
    {
        using var model = TransformerModel.Load(settings.ModelDirectory, settings.Device);
        string hook = settings.Hook ?? HookNames.ResidPost(model.Config.NLayers / 2);
        if (!model.HookPoints.Contains(hook)) throw new ArgumentException($"--hook: '{hook}' is not a hook point of this model (see `interp-eval model info`)");
        if (settings.Sequence > model.Config.NCtx) throw new ArgumentException($"--seq {settings.Sequence} exceeds the model's context of {model.Config.NCtx}");
        using var generator = new Generator(settings.Seed);
        using var tokens = Tensor.RandInt(0, model.Config.VocabSize, [settings.Batch, settings.Sequence], generator, device: settings.Device);
        Harvest(model, tokens, hook);
        var seconds = new double[settings.Repeats];
        for (int r = 0; r < seconds.Length; r++)
        {
            var clock = Stopwatch.StartNew();
            Harvest(model, tokens, hook);
            seconds[r] = clock.Elapsed.TotalSeconds;
        }
        return new HarvestResult(settings, hook, HookNames.LayerOf(hook, model.Config.NLayers), seconds, TorchRuntime.NumThreads);
    }

    private static void Harvest(TransformerModel model, Tensor tokens, string hook)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var hooks = new ForwardHooks { NeedLogits = false }.Capture(hook);
        model.Forward(tokens, hooks);
        _ = hooks.Captured[hook].Select(0, 0).Select(0, 0).Select(0, 0).ToDouble();   // wait for the device
    }
}
