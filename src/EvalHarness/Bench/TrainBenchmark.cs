// TrainBenchmark — full training steps of a real dictionary (src/Interp/Dictionaries) on random data: forward,
// objective, backward, Adam step and, for topk, the decoder constraint (parallel-gradient removal before the step,
// row renormalisation after it). The sgemm peak is measured in the same run (GemmBenchmark) so the achieved GFLOP/s
// has its ceiling next to it. It measures and returns a result; it never prints. eng/bench_train.py is the PyTorch loop.
using System.Diagnostics;
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch;
using InterpEval.Torch.Optim;

namespace InterpEval.Harness.Bench;

/// <summary>What to measure.</summary>
/// <param name="Architecture">relu or topk.</param>
/// <param name="Fused">Take the fused/sparse kernels (the default) or the generic autograd path.</param>
/// <param name="GemmSize">N of the N×N sgemm that gives the peak.</param>
/// <param name="ProfilePhases">Also time each phase of the step (Phases) on its own.</param>
/// <param name="Density">relu only: start b_enc so that this fraction of latents fires on the batch (every latent on
/// round(Density·N) tokens), the regime of a dictionary past warm-up; null leaves b_enc at 0 (about half fire).</param>
public sealed record TrainSettings(string Architecture, int DIn, int Width, int K, int Batch, int Steps, Device Device,
    bool Fused = true, int WarmupSteps = 1, int GemmSize = 2048, ulong Seed = 0, bool ProfilePhases = false, double? Density = null)
{
    public static readonly string[] Architectures = ["relu", "topk"];

    public void Validate()
    {
        if (!Architectures.Contains(Architecture))
            throw new ArgumentException($"--arch must be one of {string.Join(", ", Architectures)}, got '{Architecture}'");
        if (Architecture == "topk" && (K < 1 || K > Width)) throw new ArgumentException($"--k must lie in [1, --width = {Width}], got {K}");
        if (Batch < 2) throw new ArgumentException($"--batch must be at least 2 (topk's objective needs a batch variance), got {Batch}");
        if (Density is not null && Architecture != "relu") throw new ArgumentException($"--density applies to --arch relu only, got --arch {Architecture}");
        if (Density is { } r && !(r * Batch >= 1 && r < 1))
            throw new ArgumentException($"--density must lie in [1/--batch, 1) so that every latent fires on at least one token, got {r}");
    }
}

/// <summary>One measurement: seconds per step for every timed step, and the sgemm peak of the same run.</summary>
/// <param name="GemmFloorSeconds">Mean seconds of the step's dense GEMMs alone on tensors of the step's shapes (relu: the five
/// products; topk: the encoder product): what the step would take with everything else free.</param>
/// <param name="PhaseSeconds">With ProfilePhases: mean seconds per timed step of each phase, in step order (they sum to
/// the step less the stopwatch reads); null otherwise.</param>
/// <param name="LatentDensity">Fraction of latents above zero on the batch after the timed steps (untimed forward).</param>
/// <param name="SparseLatents">Whether that forward's latents came back sparse (relu's sparse path, topk always).</param>
public sealed record TrainResult(TrainSettings Settings, IReadOnlyList<double> StepSeconds, GemmResult Gemm, double GemmFloorSeconds, double FinalLoss,
    IReadOnlyDictionary<string, double>? PhaseSeconds = null, double LatentDensity = double.NaN, bool SparseLatents = false)
{
    /// <summary>GEMM FLOPs of one step (see docs/benchmarks.md). relu: five N·D·S products (encoder, decoder, and in the
    /// backward dF = e·W_decᵀ, dW_dec = fᵀe, dW_enc = xᵀ·dpre), 2 FLOPs each term: 10·N·D·S. topk: the dense encoder
    /// 2·N·D·S plus five N·k·D sparse products (decode, dvalues, dW_dec, dW_enc, dx): 2·N·D·S + 10·N·k·D.</summary>
    public double FlopsPerStep
    {
        get
        {
            double n = Settings.Batch, d = Settings.DIn, s = Settings.Width, k = Settings.K;
            return Settings.Architecture == "relu" ? 10 * n * d * s : 2 * n * d * s + 10 * n * k * d;
        }
    }

    public double MeanSeconds => StepSeconds.Average();
    public double BestSeconds => StepSeconds.Min();
    public double TokensPerSecond => Settings.Batch / MeanSeconds;
    public double Gflops => FlopsPerStep / MeanSeconds / 1e9;
    public double PeakFraction => Gflops / Gemm.Gflops;
}

public sealed class TrainBenchmark(TrainSettings settings)
{
    public TrainResult Measure()
    {
        settings.Validate();
        var gemm = new GemmBenchmark(new GemmSettings(settings.GemmSize, Repeats: 5, settings.Device)).Measure();
        using var dictionary = CreateTrainable(settings);
        using var adam = new Adam(dictionary.Parameters, new AdamOptions(LearningRate: 1e-4));
        using var generator = new Generator(settings.Seed + 1);
        using var x = Tensor.Randn([settings.Batch, settings.DIn], generator, ScalarType.Float32, settings.Device);  // [N, D]
        if (settings.Density is { } density) SetDensity(dictionary, x, density);

        double loss = 0;
        for (int i = 0; i < settings.WarmupSteps; i++) loss = Step(dictionary, adam, x, null);
        var seconds = new double[settings.Steps];
        var phases = settings.ProfilePhases ? new PhaseClock() : null;
        for (int i = 0; i < seconds.Length; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            loss = Step(dictionary, adam, x, phases);
            seconds[i] = stopwatch.Elapsed.TotalSeconds;
        }
        var (latentDensity, sparse) = MeasureDensity(dictionary, x);
        return new TrainResult(settings, seconds, gemm, GemmFloor(x), loss, phases?.MeanPerStep(settings.Steps), latentDensity, sparse);
    }

    /// <summary>b_enc,i = −(the m-th and (m+1)-th largest of pre_i over the batch, averaged), m = round(density·N): every
    /// latent then fires on m tokens of x.</summary>
    /// <summary>The benchmarked dictionary: seeded, in training mode, on the fused or generic path, parameters requiring grad.</summary>
    internal static SparseDictionary CreateTrainable(TrainSettings settings)
    {
        var config = new DictionaryConfig
        {
            Architecture = settings.Architecture, DIn = settings.DIn, DSae = settings.Width,
            K = settings.Architecture == "topk" ? settings.K : null,
        };
        var dictionary = DictionaryRegistry.Create(config, settings.Seed, settings.Device);
        dictionary.Training = true;
        dictionary.UseFusedKernels = settings.Fused;
        foreach (var p in dictionary.Parameters) p.RequiresGrad_();
        return dictionary;
    }

    private static void SetDensity(SparseDictionary dictionary, Tensor x, double density)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        long n = x.Size(0), m = Math.Max(1, (long)Math.Round(density * n));
        var top = dictionary.PreActivations(x).TopK(Math.Min(m + 1, n), dim: 0).Values;     // [m + 1, S]
        var cut = m < n ? (top.Select(0, m - 1) + top.Select(0, m)) * 0.5 : top.Select(0, m - 1) - 1;   // [S]
        dictionary.BEnc.Sub_(cut);
    }

    /// <summary>The latent density on x and whether the forward's latents were sparse (untimed, no gradient).</summary>
    private static (double Density, bool Sparse) MeasureDensity(SparseDictionary dictionary, Tensor x)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var output = dictionary.Forward(x);
        return ((double)output.ActiveTotal() / ((double)x.Size(0) * dictionary.DSae), output.Sparse is not null);
    }

    /// <summary>The phases of a step in order; their names are the keys of TrainResult.PhaseSeconds.</summary>
    public static readonly string[] Phases = ["forward", "backward", "decoder_constraint", "adam", "zero_grad", "loss_read"];

    /// <summary>Accumulates seconds per phase: Lap(name) charges the time since the previous lap to that phase. On CPU every
    /// op has finished when it returns; on CUDA the split follows the host's launches, not the device's work.</summary>
    private sealed class PhaseClock
    {
        private readonly Dictionary<string, double> _total = Phases.ToDictionary(p => p, _ => 0.0);
        private readonly Stopwatch _watch = new();

        public void Start() => _watch.Restart();

        public void Lap(string phase)
        {
            _total[phase] += _watch.Elapsed.TotalSeconds;
            _watch.Restart();
        }

        public IReadOnlyDictionary<string, double> MeanPerStep(int steps) => Phases.ToDictionary(p => p, p => _total[p] / steps);
    }

    /// <summary>The step's dense GEMMs alone, timed like the step (one untimed round, then Steps rounds; mean seconds).</summary>
    private double GemmFloor(Tensor x)
    {
        long n = settings.Batch, d = settings.DIn, s = settings.Width;
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        using var generator = new Generator(settings.Seed + 2);
        var wEnc = Tensor.Randn([d, s], generator, ScalarType.Float32, settings.Device);    // [D, S]
        var wDec = Tensor.Randn([s, d], generator, ScalarType.Float32, settings.Device);    // [S, D]
        var f = Tensor.Randn([n, s], generator, ScalarType.Float32, settings.Device);       // [N, S]
        var e = Tensor.Randn([n, d], generator, ScalarType.Float32, settings.Device);       // [N, D]
        void Round()
        {
            using var inner = DisposeScope.Enter();
            var pre = x.Mm(wEnc);
            if (settings.Architecture == "topk")
            {
                pre.Select(0, 0).Select(0, 0).ToDouble();
                return;
            }
            f.Mm(wDec); e.Mm(wDec.T); f.T.Mm(e);
            x.T.Mm(f).Select(0, 0).Select(0, 0).ToDouble();
        }
        Round();
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < settings.Steps; i++) Round();
        return stopwatch.Elapsed.TotalSeconds / settings.Steps;
    }

    /// <summary>One training step; returns the loss (reading it back also waits for an asynchronous device).</summary>
    private static double Step(SparseDictionary dictionary, Adam adam, Tensor x, PhaseClock? phases)
    {
        using var scope = DisposeScope.Enter();
        phases?.Start();
        var output = dictionary.Forward(x);
        phases?.Lap("forward");
        output.Loss.Backward();
        phases?.Lap("backward");
        var topk = dictionary as TopKDictionary;
        topk?.RemoveParallelDecoderGradient();
        phases?.Lap("decoder_constraint");
        adam.Step();
        phases?.Lap("adam");
        adam.ZeroGrad();
        phases?.Lap("zero_grad");
        topk?.NormalizeDecoderRows();
        phases?.Lap("decoder_constraint");
        double loss = output.Loss.ToDouble();
        phases?.Lap("loss_read");
        return loss;
    }
}
