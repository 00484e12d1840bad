// CircuitFixture — a tiny random model (GPT-2 or a Llama-family variant, 2 layers, d_model 16) with a random replacement
// coder of one kind (per-layer relu transcoders, skip-transcoders with a random skip, or a relu CLT), a short prompt
// and its local replacement model, shared by the circuit tests of one fixture; a dispose scope per test.
using InterpEval.Interp.Circuits;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tests.Models;

namespace InterpEval.Interp.Tests.Circuits;

public abstract class CircuitFixture(string variant, string coderKind)
{
    protected static readonly long[] Prompt = [3, 17, 5, 0, 41, 9, 22];
    private string _dir = null!;
    private DisposeScope _scope = null!;
    private readonly List<IDisposable> _dictionaries = [];

    protected TransformerModel Model { get; private set; } = null!;
    protected ReplacementCoder Coder { get; private set; } = null!;
    protected LocalReplacementModel Lrm { get; private set; } = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _dir = TinyModels.TempDir();
        TinyModels.Write(_dir, ModelForwardTests.ConfigFor(variant));
        Model = TransformerModel.Load(_dir, device: Device.Cpu);
        Coder = MakeCoder(Model, coderKind, _dictionaries);
        Lrm = LocalReplacementModel.Build(Model, Coder, Prompt);
    }

    public static ReplacementCoder MakeCoder(TransformerModel model, string kind, List<IDisposable> owned)
    {
        int layers = model.Config.NLayers, d = model.Config.DModel;
        if (kind == "clt")
        {
            var config = new CltConfig { Activation = CltActivation.Relu, NLayers = layers, DModel = d, DSae = 24 };
            var clt = CrossLayerTranscoder.Create(config, seed: 5, Device.Cpu);
            using (DisposeScope.Enter())
            using (Autograd.NoGrad())
            using (var gen = new Generator(9))
                foreach (var b in clt.BEnc) b.Copy_(Tensor.Randn(b.Shape, gen) * 0.05);
            owned.Add(clt);
            return ReplacementCoder.FromClt(clt, layers);
        }
        var transcoders = new List<SparseDictionary>();
        for (int l = 0; l < layers; l++)
        {
            var config = new DictionaryConfig
            {
                Architecture = "relu", Kind = kind == "skip" ? DictionaryKind.SkipTranscoder : DictionaryKind.Transcoder, DIn = d, DSae = 24, DOut = d,
                HookName = HookNames.Ln2Normalized(l), HookNameOut = HookNames.MlpOut(l),
            };
            var t = DictionaryRegistry.Create(config, (ulong)(11 + l), device: Device.Cpu);
            using (DisposeScope.Enter())
            using (Autograd.NoGrad())
            using (var gen = new Generator((ulong)(21 + l)))
            {
                t.BEnc.Copy_(Tensor.Randn(t.BEnc.Shape, gen) * 0.05);
                t.BDec.Copy_(Tensor.Randn(t.BDec.Shape, gen) * 0.1);
                t.WSkip?.Copy_(Tensor.Randn(t.WSkip.Shape, gen) * 0.2);
            }
            transcoders.Add(t);
            owned.Add(t);
        }
        return ReplacementCoder.FromTranscoders(transcoders, layers);
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        Lrm.Dispose();
        foreach (var d in _dictionaries) d.Dispose();
        Model.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [SetUp] public void OpenScope() => _scope = DisposeScope.Enter();
    [TearDown] public void CloseScope() => _scope.Dispose();

    /// <summary>The frozen forward with every source set to zero (embedding 0, latents 0, errors 0; decoder biases kept).</summary>
    protected FrozenPass ConstantPass()
    {
        using var noGrad = Autograd.NoGrad();
        long t = Prompt.Length, d = Coder.DModel;
        var mlp = Enumerable.Range(0, Coder.NLayers).Select(l => Coder.DecoderBias(l).View(1, 1, d).Expand(1, t, d).Contiguous()).ToArray();
        return Lrm.Forward(Tensor.Zeros([1, t, d]), mlp);
    }
}
