// relu_sae.cpp — the ReLU SAE's training objective as one C++ autograd Function with a hand-written backward, so a
// step makes five GEMMs and two fused passes over the [N, S] latents instead of autograd's chain of elementwise ops;
// and, when the batch's latents are sparse enough, a sparse twin that decodes and differentiates through the sparse
// kernels TopK uses (sparse_kernels.h): only the encoder GEMM stays dense.
// Legend: N tokens, D input width, O output width, S latents, k the widest row's active count on the sparse path;
// λ the sparsity coefficient; c = apply_b_dec_to_input.
//   xc = x − c·b_dec   pre = xc·W_enc + b_enc   f = relu(pre)   ŷ = f·W_dec + b_dec   r = ŷ − y   nᵢ = ‖W_dec,i‖
//   mse = Σ r² / N      sparsity = λ Σ_n Σ_i f_ni nᵢ / N        loss = mse + sparsity
// Backward (e = 2r/N, u = λ/N, F = Σ_n f_n):
//   dW_dec = fᵀe + u·F_i·W_dec,i/nᵢ   dF = e·W_decᵀ + u·n   dpre = dF·1[f>0]   db_enc = Σ_n dpre   dW_enc = xcᵀ·dpre
//   db_dec = Σ_n e − c·W_enc·db_enc   dx = dpre·W_encᵀ (only when x needs it)   dy = −e
// On CPU the [N, S] buffers (pre, f, dF) are workspaces reused from step to step while no one else holds them, so a
// step maps no fresh [N, S] memory. Not here: the skip term of a skip-transcoder, other architectures (they keep
// autograd's generic path).
#include "ie_common.h"
#include "sparse_kernels.h"
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <algorithm>
#include <array>

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Row blocks of a fixed count (independent of the thread count), so column sums add in the same order every run.
static constexpr int64_t kBlocks = 32;

static bool hand_kernel(const at::Tensor& t) { return t.device().is_cpu() && ie_hand_kernels() && t.is_contiguous(); }

// The reusable [N, S] buffers of a step, one per role. A slot is handed out again only when no tensor, view or saved
// variable shares its storage any more (otherwise a fresh buffer takes the slot), so reuse never aliases live data.
enum Workspace { kPre = 0, kF = 1, kDF = 2, kWorkspaces = 3 };

static at::Tensor workspace(Workspace slot, at::IntArrayRef sizes, const at::TensorOptions& options) {
  thread_local std::array<at::Tensor, kWorkspaces> cache;
  auto& t = cache[slot];
  if (!options.device().is_cpu()) return at::empty(sizes, options);  // device allocators cache on their own
  if (t.defined() && t.use_count() == 1 && t.storage().use_count() == 1 && t.sizes() == sizes &&
      t.scalar_type() == c10::typeMetaToScalarType(options.dtype()))
    return t;
  t = at::Tensor();  // release the old buffer before mapping the new one
  t = at::empty(sizes, options);
  return t;
}

// fNS = relu(preNS) and the column sums Σ_n f[n,:] → [S], in one pass (CPU float/double; composed ops elsewhere).
static std::pair<at::Tensor, at::Tensor> relu_colsum(const at::Tensor& preNS) {
  if (!hand_kernel(preNS)) {
    auto f = at::relu(preNS);
    return {f, f.sum(0)};
  }
  int64_t n = preNS.size(0), S = preNS.size(1);
  auto fNS = workspace(kF, preNS.sizes(), preNS.options());
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
  if (!hand_kernel(dNS) || !fNS.is_contiguous()) {
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

// At most kSampleTokens evenly spaced tokens decide the path (every token of a batch up to that size): the fraction of
// their latents above zero estimates the batch's density.
static constexpr int64_t kSampleTokens = 512;

static double sampled_density(const at::Tensor& preNS) {
  int64_t n = preNS.size(0), S = preNS.size(1);
  if (n == 0 || S == 0) return 0.0;
  const int64_t kSampleStride = std::max<int64_t>(1, n / kSampleTokens);
  auto rows = preNS.slice(0, 0, n, kSampleStride);
  if (!hand_kernel(preNS)) return (rows > 0).sum().item<double>() / static_cast<double>(rows.numel());
  int64_t m = rows.size(0), positive = 0;
  AT_DISPATCH_FLOATING_TYPES(preNS.scalar_type(), "sampled_density", [&] {
    const scalar_t* pp = preNS.data_ptr<scalar_t>();
    for (int64_t t = 0; t < n; t += kSampleStride) {
      const scalar_t* p = pp + t * S;
      for (int64_t s = 0; s < S; ++s) positive += p[s] > 0;
    }
  });
  return static_cast<double>(positive) / static_cast<double>(m * S);
}

// relu(pre) as (values [N, k], indices [N, k]) with k the widest row's active count (at least 1): each row's active
// latents in ascending order, then padding entries of value 0 at latents inactive in that row, so indices stay
// distinct within a row. CPU: two parallel passes (count, fill); elsewhere topk of the widest row's count.
static std::pair<at::Tensor, at::Tensor> relu_sparse(const at::Tensor& preNS) {
  int64_t n = preNS.size(0), S = preNS.size(1);
  if (!hand_kernel(preNS)) {
    int64_t k = n == 0 ? 1 : std::max<int64_t>(1, (preNS > 0).sum(1).max().item<int64_t>());
    auto top = preNS.topk(std::min(k, S), 1);
    return {at::relu(std::get<0>(top)), std::get<1>(top)};
  }
  std::vector<int64_t> count(n, 0);
  AT_DISPATCH_FLOATING_TYPES(preNS.scalar_type(), "relu_sparse_count", [&] {
    const scalar_t* pp = preNS.data_ptr<scalar_t>();
    at::parallel_for(0, n, 16, [&](int64_t n0, int64_t n1) {
      for (int64_t t = n0; t < n1; ++t) {
        const scalar_t* p = pp + t * S;
        int64_t c = 0;
        for (int64_t s = 0; s < S; ++s) c += p[s] > 0;
        count[t] = c;
      }
    });
  });
  int64_t k = std::min(S, std::max<int64_t>(1, n == 0 ? 1 : *std::max_element(count.begin(), count.end())));
  auto valuesNK = at::empty({n, k}, preNS.options());
  auto idxNK = at::empty({n, k}, preNS.options().dtype(at::kLong));
  AT_DISPATCH_FLOATING_TYPES(preNS.scalar_type(), "relu_sparse_fill", [&] {
    const scalar_t* pp = preNS.data_ptr<scalar_t>();
    scalar_t* vp = valuesNK.data_ptr<scalar_t>();
    int64_t* ip = idxNK.data_ptr<int64_t>();
    at::parallel_for(0, n, 16, [&](int64_t n0, int64_t n1) {
      for (int64_t t = n0; t < n1; ++t) {
        const scalar_t* p = pp + t * S;
        scalar_t* v = vp + t * k;
        int64_t* ix = ip + t * k;
        int64_t front = 0, back = k;  // active latents fill [0, count), padding fills [count, k) from the end
        for (int64_t s = 0; s < S && (front < count[t] || back > count[t]); ++s) {
          if (p[s] > 0) {
            v[front] = p[s];
            ix[front++] = s;
          } else if (back > count[t]) {
            v[--back] = 0;
            ix[back] = s;
          }
        }
      }
    });
  });
  return {valuesNK, idxNK};
}

static void check_shapes(const at::Tensor& x, const at::Tensor& y, const at::Tensor& wEnc, const at::Tensor& bEnc,
                         const at::Tensor& wDec, const at::Tensor& bDec, bool applyBDec) {
  TORCH_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(0) == y.size(0), "ReluSaeObjective: x ", x.sizes(), " and y ", y.sizes(),
              " must be [N, d_in] and [N, d_out]");
  TORCH_CHECK(wEnc.dim() == 2 && wEnc.size(0) == x.size(1), "ReluSaeObjective: W_enc ", wEnc.sizes(), " must be [", x.size(1), ", d_sae]");
  TORCH_CHECK(wDec.dim() == 2 && wDec.size(0) == wEnc.size(1) && wDec.size(1) == y.size(1), "ReluSaeObjective: W_dec ",
              wDec.sizes(), " must be [", wEnc.size(1), ", ", y.size(1), "]");
  TORCH_CHECK(bEnc.dim() == 1 && bEnc.size(0) == wEnc.size(1), "ReluSaeObjective: b_enc ", bEnc.sizes(), " must be [", wEnc.size(1), "]");
  TORCH_CHECK(bDec.dim() == 1 && bDec.size(0) == y.size(1), "ReluSaeObjective: b_dec ", bDec.sizes(), " must be [", y.size(1), "]");
  TORCH_CHECK(!applyBDec || x.size(1) == y.size(1), "ReluSaeObjective: apply_b_dec_to_input needs d_in = d_out, got ",
              x.size(1), " and ", y.size(1));
}

// The incoming gradients of (loss, mse, sparsity): the coefficients of the mse and sparsity terms.
static std::pair<double, double> term_coefficients(const variable_list& g) {
  auto scalar = [](const at::Tensor& t) { return t.defined() ? t.item<double>() : 0.0; };
  double gLoss = scalar(g[0]);
  return {gLoss + scalar(g[1]), gLoss + scalar(g[2])};
}

// The dense objective. preNS (xc·W_enc + b_enc, computed by the caller without a gradient) comes in as an input so the
// caller can look at it first; it gets no gradient. Outputs: loss, mse, sparsity (0-dim), pre [N, S] (no gradient),
// f [N, S], ŷ [N, O].
struct ReluSaeObjective : public torch::autograd::Function<ReluSaeObjective> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& xND, const at::Tensor& yNO, const at::Tensor& wEncDS,
                               const at::Tensor& bEncS, const at::Tensor& wDecSO, const at::Tensor& bDecO, const at::Tensor& preNS,
                               double lambda, bool applyBDec) {
    int64_t n = xND.size(0);
    auto xcND = applyBDec ? xND - bDecO : xND;
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
    auto [cMse, cSparsity] = term_coefficients(g);

    auto eNO = rNO * (2.0 * cMse * invN);
    if (g[5].defined()) eNO.add_(g[5]);
    double u = cSparsity * lambda * invN;
    // dF = e·W_decᵀ + u·n (the bias row broadcast by addmm, into the reused workspace), then the relu mask and db_enc
    // in one pass.
    auto dNS = workspace(kDF, fNS.sizes(), fNS.options());
    at::addmm_out(dNS, normsS * u, eNO, wDecSO.t());
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
    return {dx, dy, dWEnc, dbEnc, dWDec, dbDec, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// The sparse objective: the same terms and gradients with f held as (values [N, k], indices [N, k]) (relu_sparse), so
// decode, dW_dec, dF at the active latents, dW_enc, db_enc and dx are sparse sums over N·k entries. Outputs: loss, mse,
// sparsity (0-dim), pre [N, S] (no gradient), values [N, k], indices [N, k] (no gradient), ŷ [N, O].
struct ReluSaeSparseObjective : public torch::autograd::Function<ReluSaeSparseObjective> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& xND, const at::Tensor& yNO, const at::Tensor& wEncDS,
                               const at::Tensor& bEncS, const at::Tensor& wDecSO, const at::Tensor& bDecO, const at::Tensor& preNS,
                               double lambda, bool applyBDec) {
    int64_t n = xND.size(0), S = wEncDS.size(1);
    auto xcND = applyBDec ? xND - bDecO : xND;
    auto [valuesNK, idxNK] = relu_sparse(preNS);
    auto fSumS = at::zeros({S}, valuesNK.options()).index_add_(0, idxNK.reshape({-1}), valuesNK.reshape({-1}));
    auto normsS = at::linalg_vector_norm(wDecSO, 2.0, {1});
    auto yHatNO = ie::bag_sum(wDecSO, idxNK, valuesNK).add_(bDecO);
    auto rNO = yHatNO - yNO;
    double invN = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
    auto mse = rNO.pow(2).sum() * invN;
    auto sparsity = at::dot(fSumS, normsS) * (lambda * invN);
    auto loss = mse + sparsity;
    ctx->save_for_backward({xcND, wEncDS, wDecSO, valuesNK, idxNK, fSumS, normsS, rNO});
    ctx->saved_data["lambda"] = lambda;
    ctx->saved_data["apply"] = applyBDec;
    ctx->mark_non_differentiable({preNS, idxNK});
    return {loss, mse, sparsity, preNS, valuesNK, idxNK, yHatNO};
  }

  static variable_list backward(AutogradContext* ctx, variable_list g) {
    auto saved = ctx->get_saved_variables();
    const auto &xcND = saved[0], &wEncDS = saved[1], &wDecSO = saved[2], &valuesNK = saved[3], &idxNK = saved[4],
               &fSumS = saved[5], &normsS = saved[6], &rNO = saved[7];
    double lambda = ctx->saved_data["lambda"].toDouble();
    bool applyBDec = ctx->saved_data["apply"].toBool();
    int64_t n = xcND.size(0), S = wEncDS.size(1);
    double invN = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
    auto [cMse, cSparsity] = term_coefficients(g);

    auto eNO = rNO * (2.0 * cMse * invN);
    if (g[6].defined()) eNO.add_(g[6]);
    double u = cSparsity * lambda * invN;
    // dpre at the active entries: (⟨e_n, W_dec,i⟩ + u·nᵢ)·1[f > 0]; padding entries (value 0) get 0.
    auto dNK = ie::gather_dot(eNO, wDecSO, idxNK).add_(normsS.index_select(0, idxNK.reshape({-1})).view(idxNK.sizes()), u);
    if (g[4].defined()) dNK.add_(g[4]);
    dNK.mul_(valuesNK > 0);
    auto dbEncS = at::zeros({S}, dNK.options()).index_add_(0, idxNK.reshape({-1}), dNK.reshape({-1}));

    at::Tensor dx, dy, dWEnc, dbEnc, dWDec, dbDec;
    if (ctx->needs_input_grad(4)) {
      auto normGradSO = wDecSO * (fSumS * u / normsS.clamp_min(1e-30)).unsqueeze(1);  // zero rows stay zero
      dWDec = ie::index_add_outer(S, idxNK, valuesNK, eNO).add_(normGradSO);
    }
    if (ctx->needs_input_grad(2)) dWEnc = ie::index_add_outer(S, idxNK, dNK, xcND, /*transposed=*/true).t();
    if (ctx->needs_input_grad(3)) dbEnc = dbEncS;
    if (ctx->needs_input_grad(5)) {
      dbDec = eNO.sum(0);
      if (applyBDec) dbDec.sub_(at::mv(wEncDS, dbEncS));
    }
    if (ctx->needs_input_grad(0)) dx = ie::bag_sum(wEncDS.t(), idxNK, dNK);  // W_enc.T read in place
    if (ctx->needs_input_grad(1)) dy = -eNO;
    return {dx, dy, dWEnc, dbEnc, dWDec, dbDec, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// pre = (x − c·b_dec)·W_enc + b_enc without a gradient (into the reused workspace on CPU); then the sparse objective
// when the sampled density of pre > 0 is below sparseBelow, the dense one otherwise. Returns the dense Function's
// outputs with an undefined indices slot, or the sparse one's (values in f's slot).
static variable_list relu_sae_objective(const at::Tensor& x, const at::Tensor& y, const at::Tensor& wEnc, const at::Tensor& bEnc,
                                        const at::Tensor& wDec, const at::Tensor& bDec, double lambda, bool applyBDec,
                                        double sparseBelow) {
  check_shapes(x, y, wEnc, bEnc, wDec, bDec, applyBDec);
  at::Tensor preNS;
  {
    ie::NoGradGuard noGrad;
    auto xc = applyBDec ? x - bDec : x;
    preNS = workspace(kPre, {x.size(0), wEnc.size(1)}, x.options());
    at::addmm_out(preNS, bEnc, xc, wEnc);
  }
  if (sparseBelow > 0 && sampled_density(preNS) < sparseBelow) {
    auto r = ReluSaeSparseObjective::apply(x, y, wEnc, bEnc, wDec, bDec, preNS, lambda, applyBDec);
    return {r[0], r[1], r[2], r[3], r[4], r[6], r[5]};
  }
  auto r = ReluSaeObjective::apply(x, y, wEnc, bEnc, wDec, bDec, preNS, lambda, applyBDec);
  return {r[0], r[1], r[2], r[3], r[4], r[5], at::Tensor()};
}

// sparse_below: the latent density under which the sparse path runs (0: always dense). *indices is null on the dense
// path (*f is then the dense [N, S] latents), else [N, k] int64 with *f the values [N, k].
IE_EXPORT int ie_relu_sae_objective(ie_tensor x, ie_tensor y, ie_tensor w_enc, ie_tensor b_enc, ie_tensor w_dec, ie_tensor b_dec,
                                    double lambda, int apply_b_dec, double sparse_below, ie_tensor* loss, ie_tensor* mse,
                                    ie_tensor* sparsity, ie_tensor* pre, ie_tensor* f, ie_tensor* y_hat, ie_tensor* indices) {
  IE_STATUS(auto r = relu_sae_objective(*x, *y, *w_enc, *b_enc, *w_dec, *b_dec, lambda, apply_b_dec != 0, sparse_below);
            ie_out(loss, r[0]); ie_out(mse, r[1]); ie_out(sparsity, r[2]); ie_out(pre, r[3]); ie_out(f, r[4]); ie_out(y_hat, r[5]);
            ie_out(indices, r[6]))
}
