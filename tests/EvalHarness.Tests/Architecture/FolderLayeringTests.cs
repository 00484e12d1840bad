// FolderLayeringTests — the folders of src/EvalHarness point one way (docs/architecture.md): a source scan that reads
// each file's namespace and the tool namespaces it names (`using InterpEval.Harness.X`, a fully qualified
// InterpEval.Harness.X.Type, or a partly qualified X.Type.Member) and fails naming the file and the arrow when a folder
// references one above it, when command folders reference each other in a cycle, or when a handler sees a ParseResult.
// It reads text, not the compiled assembly: a name reached only through an alias or `global using` escapes it.
using System.Text.RegularExpressions;

namespace InterpEval.Harness.Tests.Architecture;

[TestFixture]
public sealed class FolderLayeringTests
{
    /// <summary>The folders of src/EvalHarness from the bottom up; a folder may reference only folders before it.</summary>
    public static readonly string[] Layers =
    [
        "Tool", "Baselines", "Gates", "Results", "Plots", "Exporters", "History", "Config", "Evaluation", "Distributed", "Runs", "Sweeps",
        "Circuits", "Interpret", "Bench", "Commands", "Cli",
    ];

    /// <summary>Arrows that point the wrong way today, each with the reason it stays and where it is fixed. Empty: none.</summary>
    private static readonly HashSet<(string From, string To)> AllowedUpward = [];

    private static readonly Regex Namespace = new(@"^namespace InterpEval\.Harness\.([A-Za-z.]+);", RegexOptions.Multiline);
    private static readonly Regex FullName = new(@"\bInterpEval\.Harness\.([A-Z]\w*)(?:\.([A-Z]\w*))?");
    private static readonly Regex PartialName = new(@"(?<![\w.])(" + string.Join('|', Layers) + @")\.([A-Z]\w*)\.");
    private static readonly Regex LineComment = new(@"(?<![:""])//[^\n]*");

    [Test]
    public void Every_file_lives_in_the_folder_its_namespace_names()
    {
        var faults = Sources().Where(s => s.Folder != s.Namespace.Split('.')[0] || s.SubFolder != SubNamespace(s.Namespace))
            .Select(s => $"{s.Path}: namespace InterpEval.Harness.{s.Namespace} in folder {s.Folder}{(s.SubFolder is null ? "" : "/" + s.SubFolder)}");
        Assert.That(faults, Is.Empty);
    }

    [Test]
    public void Folders_reference_only_folders_below_them()
    {
        var faults = new List<string>();
        foreach (SourceFile s in Sources())
        foreach (string target in References(s).Select(r => r.Split('.')[0]).Distinct())
        {
            if (target == s.Folder || AllowedUpward.Contains((s.Folder, target))) continue;
            int from = Array.IndexOf(Layers, s.Folder), to = Array.IndexOf(Layers, target);
            if (from < 0) faults.Add($"{s.Path}: folder {s.Folder} is not in the layer list (add it to docs/architecture.md and Layers)");
            else if (to < 0) faults.Add($"{s.Path}: references InterpEval.Harness.{target}, which is not a folder in the layer list");
            else if (to > from) faults.Add($"{s.Path}: {s.Folder} → {target}, but {target} is above {s.Folder}");
        }
        Assert.That(faults, Is.Empty);
    }

    [Test]
    public void Command_folders_reference_each_other_without_a_cycle()
    {
        var edges = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (SourceFile s in Sources().Where(s => s.Namespace.Contains('.')))
        foreach (string target in References(s).Where(r => r.Contains('.') && r.Split('.')[0] == s.Folder && r != s.Namespace))
            (edges.TryGetValue(s.Namespace, out var set) ? set : edges[s.Namespace] = []).Add(target);
        Assert.That(FindCycle(edges), Is.Null, "a cycle between folders: the arrows must point one way");
    }

    [Test]
    public void Handlers_live_under_Commands_and_never_see_a_ParseResult()
    {
        var faults = Sources().Where(s => s.Path.EndsWith("Handler.cs", StringComparison.Ordinal))
            .SelectMany(s => (s.Folder == "Commands" ? [] : new[] { $"{s.Path}: a command handler outside Commands/" })
                .Concat(s.Code.Contains("ParseResult", StringComparison.Ordinal) ? [$"{s.Path}: a handler reads a ParseResult — take a typed options record"] : []));
        Assert.That(faults, Is.Empty);
    }

    [Test]
    public void Architecture_page_names_every_folder()
    {
        string page = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "architecture.md"));
        string[] folders = [.. Directory.GetDirectories(Path.Combine(RepoRoot(), "src", "EvalHarness")).Select(Path.GetFileName)
            .Where(f => f is not ("bin" or "obj") && Directory.EnumerateFiles(Path.Combine(RepoRoot(), "src", "EvalHarness", f!), "*.cs", SearchOption.AllDirectories).Any())!];
        Assert.Multiple(() =>
        {
            Assert.That(folders.Except(Layers), Is.Empty, "folders missing from Layers");
            Assert.That(Layers.Where(l => !page.Contains($"{l}/", StringComparison.Ordinal)), Is.Empty, "folders missing from docs/architecture.md");
        });
    }

    [Test]
    public void A_reference_upward_is_reported_with_its_file_and_arrow()
    {
        var file = new SourceFile("Gates/Fake.cs", "Gates", null, "Gates", "using InterpEval.Harness.Runs;\nvar x = Tool.Terminal.For(w);");
        Assert.That(References(file), Is.EquivalentTo(new[] { "Runs", "Tool" }));
        var cycle = FindCycle(new() { ["Commands.A"] = ["Commands.B"], ["Commands.B"] = ["Commands.A"] });
        Assert.That(cycle, Is.EqualTo("Commands.A → Commands.B → Commands.A"));
    }

    private sealed record SourceFile(string Path, string Folder, string? SubFolder, string Namespace, string Code);

    private static string? SubNamespace(string ns) => ns.Contains('.') ? ns.Split('.')[1] : null;

    /// <summary>The tool namespaces a file names, as "X" or "X.Y" (comments left out).</summary>
    private static IEnumerable<string> References(SourceFile s)
    {
        string code = LineComment.Replace(s.Code, "");
        var full = FullName.Matches(code).Select(m => m.Groups[2].Success && IsNamespace(m.Groups[1].Value + "." + m.Groups[2].Value)
            ? m.Groups[1].Value + "." + m.Groups[2].Value : m.Groups[1].Value);
        var partial = PartialName.Matches(code).Select(m => m.Groups[1].Value);
        return full.Concat(partial).Distinct(StringComparer.Ordinal);
    }

    private static bool IsNamespace(string ns) => KnownNamespaces.Value.Contains(ns);

    private static readonly Lazy<HashSet<string>> KnownNamespaces = new(() => [.. Sources().Select(s => s.Namespace)]);

    /// <summary>A cycle in the graph written "A → B → A", or null.</summary>
    private static string? FindCycle(Dictionary<string, HashSet<string>> edges)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);           // 1 on the path, 2 done
        var path = new List<string>();
        string? Visit(string node)
        {
            if (state.GetValueOrDefault(node) == 2) return null;
            if (state.GetValueOrDefault(node) == 1) return string.Join(" → ", path.SkipWhile(n => n != node).Append(node));
            state[node] = 1;
            path.Add(node);
            foreach (string next in edges.GetValueOrDefault(node) ?? [])
                if (Visit(next) is { } found) return found;
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        return edges.Keys.OrderBy(k => k, StringComparer.Ordinal).Select(Visit).FirstOrDefault(c => c is not null);
    }

    private static readonly Lazy<IReadOnlyList<SourceFile>> SourceCache = new(() =>
    {
        string root = Path.Combine(RepoRoot(), "src", "EvalHarness");
        var files = new List<SourceFile>();
        foreach (string path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            string[] parts = relative.Split('/');
            if (parts.Length < 2 || parts[0] is "bin" or "obj") continue;
            string text = File.ReadAllText(path);
            string ns = Namespace.Match(text) is { Success: true } m ? m.Groups[1].Value : "";
            files.Add(new SourceFile(relative, parts[0], parts.Length > 2 ? parts[1] : null, ns, text));
        }
        return files;
    });

    private static IReadOnlyList<SourceFile> Sources() => SourceCache.Value;

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EvalHarness.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("EvalHarness.sln not found above " + TestContext.CurrentContext.TestDirectory);
    }
}
