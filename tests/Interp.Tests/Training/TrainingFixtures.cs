// TrainingFixtures — what the trainer tests share: a synthetic activation source (Gaussian rows with a few strong
// directions, deterministic per pass), a scripted dictionary whose firing pattern and loss the test decides, and
// helpers to compare parameters exactly.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Training;

internal static class TrainingFixtures
{
    public const string Hook = "blocks.0.hook_resid_post";
    public const string HookOut = "blocks.0.hook_mlp_out";

    /// <summary>batches × rows of [rows, dim] under Hook (and HookOut = a fixed linear map of it), the same for a pass.</summary>
    public static ActivationPasses Synthetic(int dim, int rows, int batches, ulong seed = 7) => pass => Batches(dim, rows, batches, seed + (ulong)pass * 1000);

    private static IEnumerable<ActivationBatch> Batches(int dim, int rows, int batches, ulong seed)
    {
        using var gen = new Generator(seed);
        using var mapGen = new Generator(99);
        Tensor map;
        using (DisposeScope.Enter()) map = Tensor.Randn([dim, dim], mapGen).Mul(0.5).DetachFromScopes();
        try
        {
            for (int b = 0; b < batches; b++)
            {
                ActivationBatch batch;
                using (DisposeScope.Enter())
                {
                    var codes = Tensor.Rand([rows, dim], gen).Lt(0.2).To(ScalarType.Float32) * Tensor.Rand([rows, dim], gen).Mul(3);
                    var x = (codes + Tensor.Randn([rows, dim], gen).Mul(0.05)).Add(1.0);                   // [rows, dim], mean ≠ 0
                    var y = x.Mm(map);                                                                     // [rows, dim]
                    batch = new ActivationBatch(new Dictionary<string, Tensor> { [Hook] = x.DetachFromScopes(), [HookOut] = y.DetachFromScopes() });
                }
                yield return batch;
            }
        }
        finally
        {
            map.Dispose();
        }
    }

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "ie-train-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>Every parameter's float values, in order.</summary>
    public static List<float[]> Snapshot(ITrainableDictionary d) => d.Parameters.Select(p => p.Detach().ToArray<float>()).ToList();
}

/// <summary>A dictionary whose latents fire as a script says (fires(step, latent)) and whose loss is ‖p‖² × factor(step).</summary>
internal sealed class ScriptedDictionary(int latents, Func<int, int, bool> fires, Func<int, double>? lossFactor = null) : ITrainableDictionary
{
    private readonly Tensor _p = Tensor.Ones([latents]).DetachFromScopes();
    private int _step;

    public List<bool[]> DeadMasks { get; } = [];
    public string Id => "scripted";
    public IReadOnlyList<string> Hooks => [TrainingFixtures.Hook];
    public int LatentCount => latents;
    public IReadOnlyList<Tensor> Parameters => [_p];
    public void Prepare(ActivationBatch sample) { }

    public TrainingStepOutput Step(ActivationBatch batch, Tensor? deadMask, double sparsityScale)
    {
        DeadMasks.Add(deadMask!.ToArray<bool>());
        int step = _step++;
        var fired = Tensor.From(Enumerable.Range(0, latents).Select(i => fires(step, i)).ToArray());
        var loss = _p.Pow(2).Sum() * (lossFactor?.Invoke(step) ?? 1);
        return new TrainingStepOutput(loss, fired, new Dictionary<string, double>(), 0, 0);
    }

    public void BeforeOptimizerStep() { }
    public void AfterOptimizerStep() { }
    public IReadOnlyDictionary<string, Tensor> CheckpointState() => new Dictionary<string, Tensor> { ["p"] = _p.Clone().DetachFromScopes() };
    public void RestoreCheckpointState(IReadOnlyDictionary<string, Tensor> state) { using (Autograd.NoGrad()) _p.Copy_(state["p"]); }
    public void Save(string directory) { }
    public void Dispose() => _p.Dispose();
}
