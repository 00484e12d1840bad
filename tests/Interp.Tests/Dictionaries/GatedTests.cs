// The gated SAE: forward and objective against a slow per-token, per-latent twin; the objective's gradient against
// central finite differences in float64; the aux term leaves the decoder alone; SAELens's `gated` file layout.
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch.SafeTensors;
using static InterpEval.Interp.Tests.Dictionaries.TinyDictionaries;

namespace InterpEval.Interp.Tests.Dictionaries;

public class GatedTests : ScopedTest
{
    private const int DIn = 4, F = 6, N = 5;

    private static GatedDictionary Random(ulong seed)
    {
        var d = GatedDictionary.Create(Config("gated", dIn: DIn, dSae: F), seed, Device.Cpu);
        using var g = new Generator(seed + 100);
        using (Autograd.NoGrad())
        {
            d.BEnc.Copy_(Tensor.Randn([F], g) * 0.05);
            d.RMag.Copy_(Tensor.Randn([F], g) * 0.5);
            d.BMag.Copy_(Tensor.Randn([F], g) * 0.05);
            d.BDec.Copy_(Tensor.Randn([DIn], g) * 0.1);
        }
        d.SparsityCoefficient = 0.7;
        return d;
    }

    [Test]
    public void ForwardAndObjectiveMatchASlowTwin()
    {
        using var d = Random(3);
        using var g = new Generator(4);
        var x = Tensor.Randn([N, DIn], g);
        var o = d.Forward(x);
        double[] xs = x.Values().ToArray(), wEnc = d.WEnc.Values().ToArray(), bGate = d.BEnc.Values().ToArray(), r = d.RMag.Values().ToArray(),
            bMag = d.BMag.Values().ToArray(), wDec = d.WDec.Values().ToArray(), bDec = d.BDec.Values().ToArray();
        double mse = 0, sparsity = 0, aux = 0;
        var f = new double[N * F];
        for (int n = 0; n < N; n++)
        {
            var gate = new double[F];
            for (int i = 0; i < F; i++)
            {
                double dot = 0;
                for (int j = 0; j < DIn; j++) dot += (xs[n * DIn + j] - bDec[j]) * wEnc[j * F + i];
                gate[i] = dot + bGate[i];
                double mag = Math.Max(0, dot * Math.Exp(r[i]) + bMag[i]);
                f[n * F + i] = gate[i] > 0 ? mag : 0;
                double norm = Math.Sqrt(Enumerable.Range(0, DIn).Sum(j => wDec[i * DIn + j] * wDec[i * DIn + j]));
                sparsity += Math.Max(0, gate[i]) * norm;
            }
            for (int j = 0; j < DIn; j++)
            {
                double yHat = bDec[j], viaGate = bDec[j];
                for (int i = 0; i < F; i++)
                {
                    yHat += f[n * F + i] * wDec[i * DIn + j];
                    viaGate += Math.Max(0, gate[i]) * wDec[i * DIn + j];
                }
                mse += Math.Pow(xs[n * DIn + j] - yHat, 2);
                aux += Math.Pow(xs[n * DIn + j] - viaGate, 2);
            }
        }
        Assert.That(f.Count(v => v > 0), Is.InRange(1, N * F - 1), "some latents on, some off");
        AssertClose(o.Features.Values(), f, 1e-5, "f");
        Assert.That(o.Parts.Mse.ToDouble(), Is.EqualTo(mse / N).Within(1e-5));
        Assert.That(o.Parts.Sparsity!.ToDouble(), Is.EqualTo(0.7 * sparsity / N).Within(1e-5));
        Assert.That(o.Parts.Aux!.ToDouble(), Is.EqualTo(aux / N).Within(1e-5));
        Assert.That(o.Loss.ToDouble(), Is.EqualTo((mse + 0.7 * sparsity + aux) / N).Within(1e-5));
        var loss = GatedDictionary.Loss(x, d.WEnc, d.BEnc, d.RMag, d.BMag, d.WDec, d.BDec, 0.7);
        Assert.That(loss.ToDouble(), Is.EqualTo(o.Loss.ToDouble()).Within(1e-6), "the static objective is the class's");
    }

    [Test]
    public void GradientMatchesCentralFiniteDifferencesInFloat64()
    {
        using var d = Random(5);
        using var g = new Generator(6);
        var x = Tensor.Randn([N, DIn], g, ScalarType.Float64);
        Tensor P(Tensor t) => t.Detach().To(ScalarType.Float64).Clone().RequiresGrad_();
        Tensor[] p = [P(d.WEnc), P(d.BEnc), P(d.RMag), P(d.BMag), P(d.WDec), P(d.BDec)];
        Tensor Loss() => GatedDictionary.Loss(x, p[0], p[1], p[2], p[3], p[4], p[5], 0.7);
        var grads = Autograd.Grad([Loss()], p);
        const double h = 1e-6;
        string[] names = ["W_enc", "b_gate", "r_mag", "b_mag"];      // the decoder's gradient leaves out the frozen aux copy by design
        for (int k = 0; k < names.Length; k++)
        {
            long count = p[k].NumEl;
            for (long e = 0; e < count; e += Math.Max(1, count / 7))
            {
                double Shifted(double by)
                {
                    using (Autograd.NoGrad()) p[k].View(-1).Narrow(0, e, 1).Add_(by);
                    using var noGrad = Autograd.NoGrad();
                    return Loss().ToDouble();
                }
                double plus = Shifted(h), minus = Shifted(-2 * h);
                Shifted(h);
                double fd = (plus - minus) / (2 * h), analytic = grads[k]!.View(-1).Narrow(0, e, 1).ToDouble();
                Assert.That(analytic, Is.EqualTo(fd).Within(1e-6 + 1e-5 * Math.Abs(fd)), $"∂/∂{names[k]}[{e}]");
            }
        }
        // the aux reconstruction reaches the encoder only: its gradient to W_dec and b_dec is zero
        var pre = Tensor.AddMm(p[1], x - p[5], p[0]);
        var (_, aux) = GatedDictionary.Penalties(pre, x, p[4], p[5], 0);
        var auxGrads = Autograd.Grad([aux], [p[4], p[0]], allowUnused: true);
        Assert.That(auxGrads[0] is null || auxGrads[0]!.Abs().Max().ToDouble() == 0, Is.True, "frozen decoder copy");
        Assert.That(auxGrads[1]!.Abs().Max().ToDouble(), Is.GreaterThan(0), "the gate learns from it");
    }

    [Test]
    public void SavesInSaeLensGatedLayoutAndReloads()
    {
        using var d = Random(7);
        string dir = TempDir();
        try
        {
            d.Save(dir);
            using (var file = SafeTensorsFile.Open(Path.Combine(dir, DictionaryFormat.WeightsFile)))
                Assert.That(file.Names.OrderBy(n => n, StringComparer.Ordinal), Is.EqualTo(new[] { "W_dec", "W_enc", "b_dec", "b_gate", "b_mag", "r_mag" }));
            Assert.That(File.ReadAllText(Path.Combine(dir, DictionaryFormat.ConfigFile)), Does.Contain("\"architecture\": \"gated\""));
            using var loaded = (GatedDictionary)SparseDictionary.Load(dir, device: Device.Cpu);
            using var g = new Generator(8);
            var x = Tensor.Randn([N, DIn], g);
            Assert.That(loaded.Encode(x).AllClose(d.Encode(x), rtol: 1e-6, atol: 1e-6), Is.True);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
