// TinyDictionaries — hand-sized dictionaries for the tests: a 2-in, 3-latent case whose every number is worked out by
// hand in the comments, configs for every architecture and kind, a temp directory, and a dispose scope per test.
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Interp.Tests.Dictionaries;

internal static class TinyDictionaries
{
    // The hand case (d_in 2, d_sae 3, d_out 2), used by every architecture:
    //   W_enc = [[1, 0, 1], [0, 1, −1]]   b_enc = [0, −0.5, 0.25]
    //   W_dec = [[1, 0], [0, 1], [1, 1]]  b_dec = [0.5, −0.5]
    //   x = [[1.5, 0.5], [0.5, 2.5]];  x − b_dec = [[1, 1], [0, 3]]
    //   pre = (x − b_dec) W_enc + b_enc = [[1, 0.5, 0.25], [0, 2.5, −2.75]]
    public static readonly float[] WEnc = [1, 0, 1, 0, 1, -1];
    public static readonly float[] BEnc = [0, -0.5f, 0.25f];
    public static readonly float[] WDec = [1, 0, 0, 1, 1, 1];
    public static readonly float[] BDec = [0.5f, -0.5f];
    public static readonly float[] X = [1.5f, 0.5f, 0.5f, 2.5f];
    public static readonly double[] Pre = [1, 0.5, 0.25, 0, 2.5, -2.75];

    public static Tensor XTensor() => Tensor.From(X, 2, 2);

    public static DictionaryConfig Config(string architecture, DictionaryKind kind = DictionaryKind.Sae, int dIn = 2, int dSae = 3, int? dOut = null, int? k = null)
    {
        var c = new DictionaryConfig
        {
            Architecture = architecture, Kind = kind, DIn = dIn, DSae = dSae,
            K = k ?? (architecture is "topk" or "batchtopk" ? 1 : null),
            ModelName = "tiny", HookName = "blocks.0.ln2.hook_normalized", HookLayer = 0,
            HookNameOut = kind.IsTranscoder() ? "blocks.0.hook_mlp_out" : null, HookLayerOut = kind.IsTranscoder() ? 0 : null,
        };
        return dOut is int o && o != dIn ? c with { DOut = o } : c;
    }

    public static DictionaryWeights HandWeights(float[]? threshold = null) =>
        new(Tensor.From(WEnc, 2, 3), Tensor.From(BEnc), Tensor.From(WDec, 3, 2), Tensor.From(BDec),
            Threshold: threshold is null ? null : Tensor.From(threshold));

    /// <summary>The hand case as a dictionary of the given architecture (sae kind).</summary>
    public static SparseDictionary Hand(string architecture, int? k = null, float[]? threshold = null) =>
        DictionaryRegistry.Get(architecture).FromWeights(Config(architecture, k: k), HandWeights(threshold), Device.Cpu);

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "ie-dict-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    public static void AssertClose(IReadOnlyList<double> actual, IReadOnlyList<double> expected, double tol, string what)
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Count), $"{what}: length");
        for (int i = 0; i < expected.Count; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tol), $"{what}: element {i}");
    }
}

/// <summary>Opens a dispose scope around every test of a fixture.</summary>
public abstract class ScopedTest
{
    private DisposeScope _scope = null!;

    [SetUp] public void OpenScope() => _scope = DisposeScope.Enter();
    [TearDown] public void CloseScope() => _scope.Dispose();
}
