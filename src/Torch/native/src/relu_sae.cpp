// relu_sae.cpp — the ReLU SAE's training objective as one C++ autograd Function with a hand-written backward, so a
// step makes five GEMMs and two fused passes over the [N, S] latents instead of autograd's chain of elementwise ops.
// Legend: N tokens, D input width, O output width, S latents; λ the sparsity coefficient; c = apply_b_dec_to_input.
//   xc = x − c·b_dec   pre = xc·W_enc + b_enc   f = relu(pre)   ŷ = f·W_dec + b_dec   r = ŷ − y   nᵢ = ‖W_dec,i‖
//   mse = Σ r² / N      sparsity = λ Σ_n Σ_i f_ni nᵢ / N        loss = mse + sparsity
// Backward (e = 2r/N, u = λ/N, F = Σ_n f_n):
//   dW_dec = fᵀe + u·F_i·W_dec,i/nᵢ   dF = e·W_decᵀ + u·n   dpre = dF·1[f>0]   db_enc = Σ_n dpre   dW_enc = xcᵀ·dpre
//   db_dec = Σ_n e − c·W_enc·db_enc   dx = dpre·W_encᵀ (only when x needs it)   dy = −e
// Not here: the skip term of a skip-transcoder, other architectures (they keep autograd's generic path).
#include "ie_common.h"
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Row blocks of a fixed count (independent of the thread count), so column sums add in the same order every run.
static constexpr int64_t kBlocks = 32;

// fNS = relu(preNS) and the column sums Σ_n f[n,:] → [S], in one pass (CPU float/double; composed ops elsewhere).
static std::pair<at::Tensor, at::Tensor> relu_colsum(const at::Tensor& preNS) {
  if (!preNS.device().is_cpu() || !ie_hand_kernels() || !preNS.is_contiguous()) {
    auto f = at::relu(preNS);
    return {f, f.sum(0)};
  }
  int64_t n = preNS.size(0), S = preNS.size(1);
  auto fNS = at::empty_like(preNS);
  auto partialBS = at::zeros({kBlocks, S}, preNS.options());
  AT_DISPATCH_FLOATING_TYPES(preNS.scalar_type(), "relu_colsum", [&] {
    const scalar_t* pp = preNS.data_ptr<scalar_t>();
    scalar_t* fp = fNS.data_ptr<scalar_t>();
    scalar_t* cp = partialBS.data_ptr<scalar_t>();
    int64_t rowsPerBlock = (n + kBlocks - 1) / kBlocks;
    at::parallel_for(0, kBlocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        scalar_t* col = cp + b * S;
        for (int64_t t = b * rowsPerBlock; t < std::min(n, (b + 1) * rowsPerBlock); ++t) {
          const scalar_t* p = pp + t * S;
          scalar_t* f = fp + t * S;
          for (int64_t s = 0; s < S; ++s) {
            scalar_t v = p[s] > 0 ? p[s] : scalar_t(0);
            f[s] = v;
            col[s] += v;
          }
        }
      }
    });
  });
  return {fNS, partialBS.sum(0)};
}

// dNS ← dNS·1[f > 0] in place, and its column sums → [S], in one pass.
static at::Tensor relu_mask_colsum_(at::Tensor& dNS, const at::Tensor& fNS) {
  if (!dNS.device().is_cpu() || !ie_hand_kernels() || !dNS.is_contiguous() || !fNS.is_contiguous()) {
    dNS.mul_(fNS > 0);
    return dNS.sum(0);
  }
  int64_t n = dNS.size(0), S = dNS.size(1);
  auto partialBS = at::zeros({kBlocks, S}, dNS.options());
  AT_DISPATCH_FLOATING_TYPES(dNS.scalar_type(), "relu_mask_colsum", [&] {
    scalar_t* dp = dNS.data_ptr<scalar_t>();
    const scalar_t* fp = fNS.data_ptr<scalar_t>();
    scalar_t* cp = partialBS.data_ptr<scalar_t>();
    int64_t rowsPerBlock = (n + kBlocks - 1) / kBlocks;
    at::parallel_for(0, kBlocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        scalar_t* col = cp + b * S;
        for (int64_t t = b * rowsPerBlock; t < std::min(n, (b + 1) * rowsPerBlock); ++t) {
          scalar_t* d = dp + t * S;
          const scalar_t* f = fp + t * S;
          for (int64_t s = 0; s < S; ++s) {
            scalar_t v = f[s] > 0 ? d[s] : scalar_t(0);
            d[s] = v;
            col[s] += v;
          }
        }
      }
    });
  });
  return partialBS.sum(0);
}

// Outputs: loss, mse, sparsity (0-dim), pre [N, S] (no gradient), f [N, S], ŷ [N, O].
struct ReluSaeObjective : public torch::autograd::Function<ReluSaeObjective> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& xND, const at::Tensor& yNO, const at::Tensor& wEncDS,
                               const at::Tensor& bEncS, const at::Tensor& wDecSO, const at::Tensor& bDecO, double lambda,
                               bool applyBDec) {
    int64_t n = xND.size(0);
    auto xcND = applyBDec ? xND - bDecO : xND;
    auto preNS = at::addmm(bEncS, xcND, wEncDS);
    auto [fNS, fSumS] = relu_colsum(preNS);
    auto normsS = at::linalg_vector_norm(wDecSO, 2.0, {1});
    auto yHatNO = at::addmm(bDecO, fNS, wDecSO);
    auto rNO = yHatNO - yNO;
    double invN = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
    auto mse = rNO.pow(2).sum() * invN;
    auto sparsity = at::dot(fSumS, normsS) * (lambda * invN);
    auto loss = mse + sparsity;
    ctx->save_for_backward({xcND, wEncDS, wDecSO, fNS, fSumS, normsS, rNO});
    ctx->saved_data["lambda"] = lambda;
    ctx->saved_data["apply"] = applyBDec;
    ctx->mark_non_differentiable({preNS});
    return {loss, mse, sparsity, preNS, fNS, yHatNO};
  }

  static variable_list backward(AutogradContext* ctx, variable_list g) {
    auto saved = ctx->get_saved_variables();
    const auto &xcND = saved[0], &wEncDS = saved[1], &wDecSO = saved[2], &fNS = saved[3], &fSumS = saved[4],
               &normsS = saved[5], &rNO = saved[6];
    double lambda = ctx->saved_data["lambda"].toDouble();
    bool applyBDec = ctx->saved_data["apply"].toBool();
    int64_t n = xcND.size(0);
    double invN = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
    auto scalar = [](const at::Tensor& t) { return t.defined() ? t.item<double>() : 0.0; };
    double gLoss = scalar(g[0]), cMse = gLoss + scalar(g[1]), cSparsity = gLoss + scalar(g[2]);

    auto eNO = rNO * (2.0 * cMse * invN);
    if (g[5].defined()) eNO.add_(g[5]);
    double u = cSparsity * lambda * invN;
    // dF = e·W_decᵀ + u·n (the bias row broadcast by addmm), then the relu mask and db_enc in one pass.
    auto dNS = at::addmm(normsS * u, eNO, wDecSO.t());
    if (g[4].defined()) dNS.add_(g[4]);
    auto dbEncS = relu_mask_colsum_(dNS, fNS);

    at::Tensor dx, dy, dWEnc, dbEnc, dWDec, dbDec;
    if (ctx->needs_input_grad(4)) {
      auto normGradSO = wDecSO * (fSumS * u / normsS.clamp_min(1e-30)).unsqueeze(1);  // zero rows stay zero
      dWDec = at::addmm(normGradSO, fNS.t(), eNO);
    }
    if (ctx->needs_input_grad(2)) dWEnc = at::mm(xcND.t(), dNS);
    if (ctx->needs_input_grad(3)) dbEnc = dbEncS;
    if (ctx->needs_input_grad(5)) {
      dbDec = eNO.sum(0);
      if (applyBDec) dbDec.sub_(at::mv(wEncDS, dbEncS));
    }
    if (ctx->needs_input_grad(0)) dx = at::mm(dNS, wEncDS.t());
    if (ctx->needs_input_grad(1)) dy = -eNO;
    return {dx, dy, dWEnc, dbEnc, dWDec, dbDec, at::Tensor(), at::Tensor()};
  }
};

static variable_list relu_sae_objective(const at::Tensor& x, const at::Tensor& y, const at::Tensor& wEnc, const at::Tensor& bEnc,
                                        const at::Tensor& wDec, const at::Tensor& bDec, double lambda, bool applyBDec) {
  TORCH_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(0) == y.size(0), "ReluSaeObjective: x ", x.sizes(), " and y ", y.sizes(),
              " must be [N, d_in] and [N, d_out]");
  TORCH_CHECK(wEnc.dim() == 2 && wEnc.size(0) == x.size(1), "ReluSaeObjective: W_enc ", wEnc.sizes(), " must be [", x.size(1), ", d_sae]");
  TORCH_CHECK(wDec.dim() == 2 && wDec.size(0) == wEnc.size(1) && wDec.size(1) == y.size(1), "ReluSaeObjective: W_dec ",
              wDec.sizes(), " must be [", wEnc.size(1), ", ", y.size(1), "]");
  TORCH_CHECK(bEnc.dim() == 1 && bEnc.size(0) == wEnc.size(1), "ReluSaeObjective: b_enc ", bEnc.sizes(), " must be [", wEnc.size(1), "]");
  TORCH_CHECK(bDec.dim() == 1 && bDec.size(0) == y.size(1), "ReluSaeObjective: b_dec ", bDec.sizes(), " must be [", y.size(1), "]");
  TORCH_CHECK(!applyBDec || x.size(1) == y.size(1), "ReluSaeObjective: apply_b_dec_to_input needs d_in = d_out, got ",
              x.size(1), " and ", y.size(1));
  return ReluSaeObjective::apply(x, y, wEnc, bEnc, wDec, bDec, lambda, applyBDec);
}

IE_EXPORT int ie_relu_sae_objective(ie_tensor x, ie_tensor y, ie_tensor w_enc, ie_tensor b_enc, ie_tensor w_dec, ie_tensor b_dec,
                                    double lambda, int apply_b_dec, ie_tensor* loss, ie_tensor* mse, ie_tensor* sparsity,
                                    ie_tensor* pre, ie_tensor* f, ie_tensor* y_hat) {
  IE_STATUS(auto r = relu_sae_objective(*x, *y, *w_enc, *b_enc, *w_dec, *b_dec, lambda, apply_b_dec != 0);
            ie_out(loss, r[0]); ie_out(mse, r[1]); ie_out(sparsity, r[2]); ie_out(pre, r[3]); ie_out(f, r[4]); ie_out(y_hat, r[5]))
}
