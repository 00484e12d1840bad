// TinyModelFixture — a base for test fixtures that share one small random-weight model per variant (written to a
// temp directory and loaded once) and open a dispose scope per test.
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Tests.Models;

public abstract class TinyModelFixture(string variant)
{
    private string _dir = null!;
    private DisposeScope _scope = null!;

    protected TransformerModel Model { get; private set; } = null!;

    [OneTimeSetUp]
    public void LoadModel()
    {
        _dir = TinyModels.TempDir();
        TinyModels.Write(_dir, ModelForwardTests.ConfigFor(variant));
        Model = TransformerModel.Load(_dir, device: Device.Cpu);
    }

    [OneTimeTearDown]
    public void UnloadModel()
    {
        Model.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [SetUp] public void OpenScope() => _scope = DisposeScope.Enter();
    [TearDown] public void CloseScope() => _scope.Dispose();
}
