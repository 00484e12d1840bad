// CltCases — cross-layer transcoders for the tests: a 2-layer hand case whose every number is worked out in the
// comments, random cases of any size and activation, and a slow per-token, per-latent reference of the CLT's forward
// written with plain loops over doubles (no tensor ops shared with the implementation).
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Interp.Tests.Dictionaries;

internal static class CltCases
{
    // The hand case: L = 2, d_model 2, F = 2 per layer, one token.
    //   W_enc_0 = [[1, 0], [0, 1]]  b_enc_0 = [0, −1]      W_enc_1 = [[1, 1], [0, −1]]  b_enc_1 = [0.5, 0]
    //   W_dec_0 [F, 2, D]: latent 0 → layer 0 [1, 0], → layer 1 [0, 2];  latent 1 → layer 0 [0, 1], → layer 1 [1, 1]
    //   W_dec_1 [F, 1, D]: latent 0 → layer 1 [3, 0];  latent 1 → layer 1 [0, −1]
    //   b_dec_0 = [0.5, 0]  b_dec_1 = [0, 0.25]
    //   x_0 = [2, 3]: pre_0 = [2, 3] + [0, −1] = [2, 2];  x_1 = [1, −2]: pre_1 = [1, 1 + 2] + [0.5, 0] = [1.5, 3]
    //   relu: f_0 = [2, 2], f_1 = [1.5, 3]
    //   ŷ_0 = 2·[1, 0] + 2·[0, 1] + [0.5, 0] = [2.5, 2]
    //   ŷ_1 = 2·[0, 2] + 2·[1, 1] + 1.5·[3, 0] + 3·[0, −1] + [0, 0.25] = [6.5, 3.25]
    //   ‖W_dec‖_concat: layer 0 [√(1 + 4), √(1 + 1 + 1)] = [√5, √3]; layer 1 [3, 1]
    //   y_0 = [2, 2], y_1 = [6, 3]: mse = 0.5² + (0.5² + 0.25²) = 0.5625
    public static readonly float[] WEnc0 = [1, 0, 0, 1], BEnc0 = [0, -1], WEnc1 = [1, 1, 0, -1], BEnc1 = [0.5f, 0];
    public static readonly float[] WDec0 = [1, 0, 0, 2, 0, 1, 1, 1], WDec1 = [3, 0, 0, -1];
    public static readonly float[] BDec0 = [0.5f, 0], BDec1 = [0, 0.25f];
    public static readonly float[] X0 = [2, 3], X1 = [1, -2], Y0 = [2, 2], Y1 = [6, 3];
    public static readonly double[] YHat0 = [2.5, 2], YHat1 = [6.5, 3.25];
    public static readonly double[] Norms0 = [Math.Sqrt(5), Math.Sqrt(3)], Norms1 = [3, 1];
    public const double HandMse = 0.5625;

    public static CltConfig Config(CltActivation activation, int layers = 2, int dModel = 2, int dSae = 2, int? k = null) => new()
    {
        Activation = activation, NLayers = layers, DModel = dModel, DSae = dSae,
        K = activation == CltActivation.TopK ? k ?? 1 : null, ModelName = "tiny",
    };

    /// <summary>W_enc in our orientation [D, F] (the hand values above are written that way).</summary>
    public static CltWeights HandWeights(float[][]? thresholds = null) => new(
        [Tensor.From(WEnc0, 2, 2), Tensor.From(WEnc1, 2, 2)], [Tensor.From(BEnc0), Tensor.From(BEnc1)],
        [Tensor.From(WDec0, 2, 2, 2), Tensor.From(WDec1, 2, 1, 2)], [Tensor.From(BDec0), Tensor.From(BDec1)],
        thresholds?.Select(t => Tensor.From(t)).ToArray());

    public static CrossLayerTranscoder Hand(CltActivation activation = CltActivation.Relu, float[][]? thresholds = null, int? k = null) =>
        new(Config(activation, k: k), HandWeights(thresholds), Device.Cpu);

    public static Tensor[] HandInputs() => [Tensor.From(X0, 1, 2), Tensor.From(X1, 1, 2)];
    public static Tensor[] HandTargets() => [Tensor.From(Y0, 1, 2), Tensor.From(Y1, 1, 2)];

    /// <summary>A random CLT with non-zero biases (and thresholds around the pre-activations' scale for jumprelu).</summary>
    public static CrossLayerTranscoder Random(CltConfig config, ulong seed, ScalarType dtype = ScalarType.Float32)
    {
        var clt = CrossLayerTranscoder.Create(config, seed, Device.Cpu, dtype, initialThreshold: 0.05);
        using var scope = DisposeScope.Enter();
        using var gen = new Generator(seed + 7);
        using var noGrad = Autograd.NoGrad();
        foreach (var b in clt.BEnc.Concat(clt.BDec)) b.Copy_(Tensor.Randn(b.Shape, gen).To(dtype) * 0.1);
        return clt;
    }

    public static Tensor[] RandomActivations(int layers, int n, int d, ulong seed, ScalarType dtype = ScalarType.Float32)
    {
        using var gen = new Generator(seed);
        return Enumerable.Range(0, layers).Select(_ => (Tensor.Randn([n, d], gen) * 2).To(dtype)).ToArray();
    }

    /// <summary>The slow twin: per token n, layer l, latent i, f = σ(Σ_d x·W_enc + b_enc); per output layer l', every
    /// source l ≤ l' and latent i adds f·W_dec,l[i, l' − l, :]. Scales are applied as the class applies them.</summary>
    public static (double[][][] F, double[][][] YHat) SlowForward(CrossLayerTranscoder clt, IReadOnlyList<Tensor> inputs)
    {
        int L = clt.NLayers, D = clt.DModel, F = clt.DSae, N = (int)inputs[0].Size(0);
        var f = new double[L][][];
        for (int l = 0; l < L; l++)
        {
            double[] x = inputs[l].Values(), w = clt.WEnc[l].Values(), b = clt.BEnc[l].Values();
            double[]? theta = clt.Config.Activation == CltActivation.JumpRelu ? clt.Threshold(l).Values() : null;
            f[l] = new double[N][];
            for (int n = 0; n < N; n++)
            {
                var pre = new double[F];
                for (int i = 0; i < F; i++)
                {
                    pre[i] = b[i];
                    for (int d = 0; d < D; d++) pre[i] += x[n * D + d] * clt.Scale.Input[l] * w[d * F + i];
                }
                f[l][n] = Activate(clt.Config, pre, theta);
            }
        }
        var yHat = new double[L][][];
        for (int target = 0; target < L; target++)
        {
            double[] bDec = clt.BDec[target].Values();
            yHat[target] = new double[N][];
            for (int n = 0; n < N; n++)
            {
                var y = (double[])bDec.Clone();
                for (int source = 0; source <= target; source++)
                {
                    double[] w = clt.WDec[source].Values();                                  // [F, L − source, D]
                    int outs = L - source;
                    for (int i = 0; i < F; i++)
                        for (int d = 0; d < D; d++) y[d] += f[source][n][i] * w[(i * outs + (target - source)) * D + d];
                }
                yHat[target][n] = y.Select(v => v / clt.Scale.Output[target]).ToArray();
            }
        }
        return (f, yHat);
    }

    private static double[] Activate(CltConfig c, double[] pre, double[]? theta) => c.Activation switch
    {
        CltActivation.Relu => pre.Select(p => Math.Max(p, 0)).ToArray(),
        CltActivation.JumpRelu => pre.Select((p, i) => p > theta![i] ? p : 0).ToArray(),
        _ => KeepTop(pre, c.K!.Value),
    };

    private static double[] KeepTop(double[] pre, int k)
    {
        double kth = pre.OrderByDescending(p => p).ElementAt(k - 1);
        return pre.Select(p => p >= kth ? Math.Max(p, 0) : 0).ToArray();
    }
}
