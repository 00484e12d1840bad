// DataParallelTrainBenchmark — the training step of `bench train` (forward, objective, backward, Adam, topk's decoder
// constraint) on one rank of a data-parallel job or alone, on the same random global batch: rank r of W trains on rows
// r·B/W … (r+1)·B/W and all-reduces its gradients through DataParallelSync (DDP's bucketed recipe) between backward and
// the optimiser step. It records each timed step's seconds and the seconds spent inside the all-reduces. It measures and
// returns; it never prints, and it leaves launching the ranks to BenchTrainWorldHandler.
using System.Diagnostics;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;
using InterpEval.Torch;
using InterpEval.Torch.Distributed;
using InterpEval.Torch.Optim;

namespace InterpEval.Harness.Bench;

/// <summary>One process's timings.</summary>
/// <param name="WorldSize">Ranks of the job (1 = alone on the whole batch).</param>
/// <param name="Threads">libtorch threads of this process.</param>
/// <param name="StepSeconds">Wall seconds of each timed step.</param>
/// <param name="CommunicationSeconds">Of each timed step, the seconds inside the gradient all-reduces (0 alone); they
/// include waiting for the slower rank.</param>
public sealed record WorldStepTimes(int WorldSize, int Threads, IReadOnlyList<double> StepSeconds, IReadOnlyList<double> CommunicationSeconds, double FinalLoss)
{
    public double MeanSeconds => StepSeconds.Average();
    public double MeanCommunicationSeconds => CommunicationSeconds.Average();
    public double CommunicationShare => MeanCommunicationSeconds / MeanSeconds;
}

public static class DataParallelTrainBenchmark
{
    /// <summary>Times settings.Steps steps after settings.WarmupSteps untimed ones; group null trains alone on the whole batch.</summary>
    public static WorldStepTimes Measure(TrainSettings settings, ProcessGroup? group)
    {
        settings.Validate();
        int world = group?.WorldSize ?? 1, rank = group?.Rank ?? 0;
        if (settings.Batch % world != 0)
            throw new ArgumentException($"--batch {settings.Batch} does not split evenly over --world-size {world} — use a multiple of {world}");
        using var dictionary = TrainBenchmark.CreateTrainable(settings);
        using var adam = new Adam(dictionary.Parameters, new AdamOptions(LearningRate: 1e-4));
        using var generator = new Generator(settings.Seed + 1);
        using var all = Tensor.Randn([settings.Batch, settings.DIn], generator, ScalarType.Float32, settings.Device);  // [B, D] the global batch
        long rows = settings.Batch / world;
        using var x = all.Narrow(0, rank * rows, rows).Contiguous();                                                   // [B/W, D] this rank's share
        var sync = group is null ? null : new DataParallelSync(group);

        double loss = 0;
        for (int i = 0; i < settings.WarmupSteps; i++) loss = Step(dictionary, adam, x, sync);
        group?.Barrier();                                                                                        // the ranks start timing together
        var seconds = new double[settings.Steps];
        var communication = new double[settings.Steps];
        for (int i = 0; i < seconds.Length; i++)
        {
            var before = sync?.CommunicationTime ?? TimeSpan.Zero;
            var stopwatch = Stopwatch.StartNew();
            loss = Step(dictionary, adam, x, sync);
            seconds[i] = stopwatch.Elapsed.TotalSeconds;
            communication[i] = ((sync?.CommunicationTime ?? TimeSpan.Zero) - before).TotalSeconds;
        }
        return new WorldStepTimes(world, TorchRuntime.NumThreads, seconds, communication, loss);
    }

    private static double Step(SparseDictionary dictionary, Adam adam, Tensor x, DataParallelSync? sync)
    {
        using var scope = DisposeScope.Enter();
        var output = dictionary.Forward(x);
        output.Loss.Backward();
        sync?.SynchronizeGradients(dictionary.Parameters);
        var topk = dictionary as TopKDictionary;
        topk?.RemoveParallelDecoderGradient();
        adam.Step();
        adam.ZeroGrad();
        topk?.NormalizeDecoderRows();
        return output.Loss.ToDouble();
    }
}
