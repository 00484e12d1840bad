// SuiteRegistry — every suite by its stable name, in the order `eval` runs them by default. One line per suite; no
// suite is special-cased anywhere else. It builds nothing and runs nothing.
namespace InterpEval.Suites;

public static class SuiteRegistry
{
    private static readonly ISuite[] Suites =
    [
        new ReconstructionSuite(),
        new SparsitySuite(),
        new FidelitySuite(),
        new ProbesSuite(),
        new NeighboursSuite(),
        new SteeringSuite(),
        new GroundTruthSuite(),
        new AttributionSuite(),
    ];

    /// <summary>Every suite, in default run order.</summary>
    public static IReadOnlyList<ISuite> All => Suites;

    /// <summary>Every suite name, for --help and messages.</summary>
    public static IEnumerable<string> Names => Suites.Select(s => s.Name);

    public static bool TryGet(string name, out ISuite suite)
    {
        suite = Suites.FirstOrDefault(s => s.Name == name)!;
        return suite is not null;
    }

    /// <summary>The suite of that name; ArgumentException naming the known ones otherwise.</summary>
    public static ISuite Get(string name) =>
        TryGet(name, out var suite) ? suite : throw new ArgumentException($"unknown suite '{name}' — expected one of {string.Join(", ", Names)}");
}
