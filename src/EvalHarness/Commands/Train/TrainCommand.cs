// TrainCommand — `interp-eval train`: trains a dictionary (sae, transcoder, skip-transcoder, or a clt over every
// layer) on a hook point of a subject model, from the model's tokenisation of the embedded corpus's train split.
// Options are static fields; the work is Interp's DictionaryTrainer and the printing is TrainHandler.
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using InterpEval.Harness.Commands.Model;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;

namespace InterpEval.Harness.Commands.Train;

public static class TrainCommand
{
    public static readonly Option<string?> Hook = new("--hook")
    {
        Description = "Hook point read; defaults to the middle layer's hook_resid_post (sae) or ln2.hook_normalized (transcoders); a clt reads every layer's hook_resid_mid",
        HelpName = "NAME",
    };

    public static readonly Option<string?> HookOut = new("--hook-out")
    {
        Description = "Hook point a transcoder predicts; defaults to the same layer's hook_mlp_out",
        HelpName = "NAME",
    };

    public static readonly Option<string> Kind = new("--kind")
    {
        Description = "What to train: sae, transcoder, skip-transcoder or clt", HelpName = "KIND", Required = true,
    };

    public static readonly Option<string> Arch = new("--arch")
    {
        Description = $"Architecture: {string.Join(", ", DictionaryRegistry.Names)} (clt: {string.Join(", ", CltConfig.Activations)})", HelpName = "ARCH", Required = true,
    };

    public static readonly Option<int> Width = new("--width")
    {
        Description = "Latents (d_sae; per layer for a clt)", HelpName = "N", Required = true, CustomParser = OptionParsers.PositiveInt("--width"),
    };

    public static readonly Option<int?> K = new("--k")
    {
        Description = "Active latents per token for topk, batchtopk and matryoshka-batchtopk (default min(32, width); per layer for a clt)", HelpName = "K",
        CustomParser = r => OptionParsers.PositiveInt("--k")(r),
    };

    public static readonly Option<double?> L1 = new("--l1")
    {
        Description = $"Sparsity coefficient λ of relu and gated (decoder-norm-weighted L1, default 5) or jumprelu (L0 or tanh, default {JumpReluDictionary.DefaultSparsityCoefficient.ToString(CultureInfo.InvariantCulture)}), or of a clt's tanh penalty (default 1), on activations normalised to E‖x‖² = d",
        HelpName = "C", CustomParser = r => NonNegative("--l1")(r),
    };

    public static readonly Option<double?> ThresholdInit = new("--threshold-init")
    {
        Description = $"jumprelu: initial threshold θ₀ of every latent (default {JumpReluDictionary.DefaultThresholdInit.ToString(CultureInfo.InvariantCulture)}, for activations scaled to E‖x‖² = d)",
        HelpName = "θ", CustomParser = r => Positive("--threshold-init")(r),
    };

    public static readonly Option<double?> Bandwidth = new("--bandwidth")
    {
        Description = $"jumprelu: bandwidth ε of the straight-through estimator's rectangle kernel (default {JumpReluDictionary.DefaultBandwidth.ToString(CultureInfo.InvariantCulture)})",
        HelpName = "ε", CustomParser = r => Positive("--bandwidth")(r),
    };

    public static readonly Option<string?> SparsityLoss = new("--sparsity-loss")
    {
        Description = "jumprelu: l0 (λ·#active, Rajamanoharan et al. 2024; default) or tanh (λ·Σ tanh(c·|f|·‖W_dec‖), Anthropic 2025)",
        HelpName = "l0|tanh",
    };

    public static readonly Option<double?> TanhC = new("--tanh-c")
    {
        Description = "jumprelu with --sparsity-loss tanh: c in tanh(c·|f|·‖W_dec‖) (default 4)", HelpName = "C",
        CustomParser = r => Positive("--tanh-c")(r),
    };

    public static readonly Option<double?> PreAct = new("--pre-act")
    {
        Description = "jumprelu: coefficient of the pre-activation penalty Σ ReLU(θ − pre)·‖W_dec‖ that keeps latents alive (default 0 = off; Anthropic used 3e-6)",
        HelpName = "C", CustomParser = r => NonNegative("--pre-act")(r),
    };

    public static readonly Option<long> Tokens = new("--tokens")
    {
        Description = "Training tokens (the corpus is replayed in a new order when the budget outlasts it)", HelpName = "N",
        DefaultValueFactory = _ => 2_000_000, CustomParser = PositiveLong("--tokens"),
    };

    public static readonly Option<long?> StreamTokens = new("--stream-tokens")
    {
        Description = "Distinct corpus tokens harvested (documents in a seeded order; replayed reshuffled when --tokens outlasts them); default --tokens plus a fifth",
        HelpName = "N", CustomParser = r => PositiveLong("--stream-tokens")(r),
    };

    public static readonly Option<int?> Context = new("--context")
    {
        Description = "Tokens per window (default and maximum: the model's context)", HelpName = "N",
        CustomParser = r => OptionParsers.PositiveInt("--context")(r),
    };

    public static readonly Option<int?> BufferTokens = new("--buffer-tokens")
    {
        Description = "Token-level shuffling buffer (default 65,536, less for small budgets, never under 4 batches)", HelpName = "N",
        CustomParser = r => OptionParsers.PositiveInt("--buffer-tokens")(r),
    };

    public static readonly Option<int> Batch = new("--batch")
    {
        Description = "Tokens per optimiser step", HelpName = "N", DefaultValueFactory = _ => 4096, CustomParser = OptionParsers.PositiveInt("--batch"),
    };

    public static readonly Option<double> LearningRate = new("--lr")
    {
        Description = "Peak Adam learning rate", HelpName = "LR", DefaultValueFactory = _ => 4e-4, CustomParser = r => Positive("--lr")(r),
    };

    public static readonly Option<int> WarmupSteps = new("--warmup-steps")
    {
        Description = "Steps of linear learning-rate warm-up", HelpName = "N", DefaultValueFactory = _ => 0,
        CustomParser = r => NonNegativeInt("--warmup-steps")(r),
    };

    public static readonly Option<LearningRateDecay> Decay = new("--decay")
    {
        Description = "Learning-rate decay over the last 20 % of steps: linear, cosine or constant", HelpName = "linear|cosine|constant",
        DefaultValueFactory = _ => LearningRateDecay.Linear, CustomParser = ParseDecay,
    };

    public static readonly Option<int> SparsityWarmupSteps = new("--sparsity-warmup-steps")
    {
        Description = "Steps over which the sparsity coefficient rises from 0 (relu, jumprelu); default 5 % of the steps", HelpName = "N",
        DefaultValueFactory = _ => -1, CustomParser = r => NonNegativeInt("--sparsity-warmup-steps")(r),
    };

    public static readonly Option<double> GradClip = new("--grad-clip")
    {
        Description = "Maximum gradient norm per dictionary; 0 turns clipping off", HelpName = "NORM", DefaultValueFactory = _ => 1.0,
        CustomParser = r => NonNegative("--grad-clip")(r) ?? 1.0,
    };

    public static readonly Option<long?> DeadTokens = new("--dead-tokens")
    {
        Description = "A latent silent for this many tokens counts as dead (AuxK revives it in topk/batchtopk); default min(10 M, a tenth of --tokens)",
        HelpName = "N", CustomParser = r => PositiveLong("--dead-tokens")(r),
    };

    public static readonly Option<ulong> Seed = new("--seed") { Description = "Seed for initialisation and data order", HelpName = "N", DefaultValueFactory = _ => 0UL };

    public static readonly Option<int> CheckpointEvery = new("--checkpoint-every")
    {
        Description = "Write a checkpoint (OUT/checkpoints/step-N) every N steps; 0 = none", HelpName = "N", DefaultValueFactory = _ => 100,
        CustomParser = r => NonNegativeInt("--checkpoint-every")(r),
    };

    public static readonly Option<string?> Out = new("--out")
    {
        Description = "Output directory (cfg.json, sae_weights.safetensors, sparsity.safetensors, checkpoints/; a clt: W_enc_L/W_dec_L.safetensors per layer); default dictionaries/KIND-ARCH-wWIDTH",
        HelpName = "DIR",
    };

    public static readonly Option<bool> Resume = new("--resume") { Description = "Continue from the latest checkpoint in --out (same options)" };

    public static readonly Option<string?> DistBackend = new("--dist-backend")
    {
        Description = "c10d backend when a launcher starts several ranks: gloo (CPU) or nccl (CUDA, only with a libtorch built with NCCL); default nccl with --device cuda when this libtorch has it, else gloo",
        HelpName = "gloo|nccl",
    };

    public static readonly Option<string> Shard = new("--shard")
    {
        Description = "What several ranks split: data (data parallel: each rank a share of every batch) or latents (each rank a slice of the dictionary's latents, every rank the whole batch, checkpoints per rank under OUT/shards, resumable at any world size; topk, batchtopk, relu, jumprelu and gated saes and transcoders)",
        HelpName = "data|latents", DefaultValueFactory = _ => "data",
    };

    public static Command Create()
    {
        var command = new Command("train", "Train a sparse dictionary (SAE, transcoder or cross-layer transcoder) on the activations of a model")
        {
            ModelCommand.Model, Hook, HookOut, Kind, Arch, Width, K, L1, ThresholdInit, Bandwidth, SparsityLoss, TanhC, PreAct, Tokens, StreamTokens, Context, BufferTokens, Batch, LearningRate, WarmupSteps, Decay, SparsityWarmupSteps,
            GradClip, DeadTokens, Seed, CheckpointEvery, Out, Resume, DistBackend, Shard,
        };
        command.SetAction(parseResult => (int)new TrainHandler(parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error).Run(Options(parseResult)));
        return command;
    }

    /// <summary>The typed options; the command line as typed goes along for a distributed job's log.</summary>
    public static TrainOptions Options(ParseResult parseResult) => new(
        ModelCommand.ModelDirectory(parseResult), parseResult.GetValue(Hook), parseResult.GetValue(HookOut),
        parseResult.GetValue(Kind)!, parseResult.GetValue(Arch)!, parseResult.GetValue(Width), parseResult.GetValue(K),
        parseResult.GetValue(L1), parseResult.GetValue(ThresholdInit), parseResult.GetValue(Bandwidth),
        parseResult.GetValue(SparsityLoss), parseResult.GetValue(TanhC), parseResult.GetValue(PreAct),
        parseResult.GetValue(Tokens), parseResult.GetValue(StreamTokens), parseResult.GetValue(Context),
        parseResult.GetValue(BufferTokens), parseResult.GetValue(Batch), parseResult.GetValue(LearningRate),
        parseResult.GetValue(WarmupSteps), parseResult.GetValue(Decay), parseResult.GetValue(SparsityWarmupSteps),
        parseResult.GetValue(GradClip), parseResult.GetValue(DeadTokens), parseResult.GetValue(Seed),
        parseResult.GetValue(CheckpointEvery), parseResult.GetValue(Out), parseResult.GetValue(Resume),
        parseResult.GetValue(GlobalOptions.Device), string.Join(" ", parseResult.Tokens.Select(t => t.Value)),
        DistBackend: parseResult.GetValue(DistBackend), Shard: parseResult.GetValue(Shard)!);

    private static Func<ArgumentResult, long> PositiveLong(string name) => r =>
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < 1) r.AddError($"{name}: '{text}' is not a whole number of at least 1");
        return v;
    };

    private static Func<ArgumentResult, int> NonNegativeInt(string name) => r =>
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 0) r.AddError($"{name}: '{text}' is not a whole number of at least 0");
        return v;
    };

    private static Func<ArgumentResult, double?> NonNegative(string name) => r => Number(r, name, v => v >= 0, "a number ≥ 0");

    private static Func<ArgumentResult, double> Positive(string name) => r => Number(r, name, v => v > 0, "a positive number") ?? 0;

    private static double? Number(ArgumentResult r, string name, Func<double, bool> ok, string expected)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && ok(v)) return v;
        r.AddError($"{name}: '{text}' is not {expected}");
        return null;
    }

    private static LearningRateDecay ParseDecay(ArgumentResult r)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (Enum.TryParse(text, ignoreCase: true, out LearningRateDecay d) && Enum.IsDefined(d) && !int.TryParse(text, out _)) return d;
        r.AddError($"--decay: '{text}' is not linear, cosine or constant");
        return LearningRateDecay.Linear;
    }
}
