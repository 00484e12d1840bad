// TrainingFlops — training compute of one sparse dictionary, counted per architecture from its matrix products
// (a multiply-add = 2 FLOPs; elementwise work, the top-k selection and Adam are left out, being O(d + N) per token).
// Per token, with d inputs, N latents and k active latents:
//   dense latents (relu, jumprelu, gated):  encoder forward 2dN + W_enc gradient 2dN + decoder forward 2Nd
//                                            + decoder backward (W_dec gradient 2Nd, latent gradient 2Nd)   = 10·d·N
//   sparse latents (topk, batchtopk, matryoshka-batchtopk): encoder forward 2dN (every latent is scored) + W_enc
//                                            gradient 2kd (only the k chosen latents carry one) + decoder forward 2kd
//                                            + decoder backward 4kd                                          = 2·d·N + 8·d·k
// No input gradient is taken (activations are data). Gao et al. 2024 (§ 3) likewise count the encoder as the term that
// grows with N for TopK.
namespace InterpEval.Suites.Scaling;

public static class TrainingFlops
{
    /// <summary>True for the architectures whose latents are chosen by a top-k (sparse decode and encoder gradient).</summary>
    public static bool IsSparse(string architecture) => architecture is "topk" or "batchtopk" or "matryoshka-batchtopk";

    /// <summary>FLOPs of one training token; ArgumentException for an unknown architecture or a missing k.</summary>
    public static double PerToken(string architecture, int dIn, int width, int? k)
    {
        if (dIn < 1 || width < 1) throw new ArgumentException($"d_in {dIn}, width {width} — expected positive sizes");
        if (IsSparse(architecture))
        {
            if (k is not int kk || kk < 1) throw new ArgumentException($"{architecture} needs k ≥ 1 to count its FLOPs");
            return 2.0 * dIn * width + 8.0 * dIn * Math.Min(kk, width);
        }
        if (architecture is "relu" or "jumprelu" or "gated") return 10.0 * dIn * width;
        throw new ArgumentException($"no FLOP count for architecture '{architecture}'");
    }

    /// <summary>FLOPs of training on `tokens` tokens.</summary>
    public static double Total(string architecture, int dIn, int width, int? k, long tokens) => PerToken(architecture, dIn, width, k) * tokens;
}
