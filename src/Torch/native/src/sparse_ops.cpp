// sparse_ops.cpp — the fused sparse kernels of a TopK SAE, as C++ autograd Functions (Gao et al. 2024, "Scaling and
// evaluating sparse autoencoders", §5.4 / App. D: decode and encoder-gradient without the dense [N, d_sae] code).
// Legend: N = tokens, k = active latents per token, S = d_sae (latents), D = d_in.
//   TopKDecode  y[n,:]  = Σ_j v[n,j]·W[idx[n,j],:]     dv[n,j] = ⟨g[n,:], W[idx[n,j],:]⟩   dW[idx[n,j],:] += v[n,j]·g[n,:]
//   TopKEncode  (v, idx) = relu(topk(x·Wᵀ + b, k))     dx[n,:] = Σ_j dv[n,j]·W[idx[n,j],:]  dW[idx[n,j],:] += dv[n,j]·x[n,:]
//                                                      db[idx[n,j]] += dv[n,j]             (dv zeroed where relu clipped)
// The encoder's forward is dense (a GEMM then topk); only the gradients are sparse. Index bounds are checked by
// embedding_bag / index_add_ themselves. Not here: CUDA-specific kernels (these compose ATen ops, so run anywhere).
#include "ie_common.h"
#include <torch/csrc/autograd/custom_function.h>

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// out[n,:] = Σ_j weights[n,j]·table[idx[n,j],:] without materialising [N, k, D]: embedding_bag, mode sum.
static at::Tensor bag_sum(const at::Tensor& tableSD, const at::Tensor& idxNK, const at::Tensor& weightsNK) {
  int64_t n = idxNK.size(0), k = idxNK.size(1);
  if (n == 0 || k == 0) return at::zeros({n, tableSD.size(1)}, tableSD.options());
  auto offsetsN = at::arange(0, n * k, k, idxNK.options());
  auto r = at::embedding_bag(tableSD, idxNK.reshape({-1}), offsetsN, /*scale_grad_by_freq=*/false, /*mode=sum*/ 0,
                             /*sparse=*/false, weightsNK.reshape({-1}).contiguous());
  return std::get<0>(r);
}

// grad[s,:] = Σ_{(n,j): idx[n,j]=s} coef[n,j]·rows[n,:] — the scatter of rank-one updates into a [S, D] gradient.
static at::Tensor index_add_outer(const at::Tensor& like_SD, const at::Tensor& idxNK, const at::Tensor& coefNK,
                                  const at::Tensor& rowsND) {
  auto gradSD = at::zeros_like(like_SD);
  if (idxNK.numel() == 0) return gradSD;
  auto srcNKD = coefNK.unsqueeze(-1) * rowsND.unsqueeze(1);
  return gradSD.index_add_(0, idxNK.reshape({-1}), srcNKD.reshape({-1, like_SD.size(1)}));
}

static void check_float_matrix(const char* op, const char* name, const at::Tensor& t) {
  TORCH_CHECK(t.dim() == 2, op, ": ", name, " must be 2-D, got shape ", t.sizes());
  TORCH_CHECK(at::isFloatingType(t.scalar_type()), op, ": ", name, " must be floating point, got ", t.scalar_type(),
              " with shape ", t.sizes());
}

static void check_decode(const at::Tensor& valuesNK, const at::Tensor& idxNK, const at::Tensor& wDecSD) {
  check_float_matrix("TopKDecode", "values [N, k]", valuesNK);
  check_float_matrix("TopKDecode", "wDec [d_sae, d_in]", wDecSD);
  TORCH_CHECK(idxNK.scalar_type() == at::kLong, "TopKDecode: indices must be int64, got ", idxNK.scalar_type(),
              " with shape ", idxNK.sizes());
  TORCH_CHECK(idxNK.sizes() == valuesNK.sizes(), "TopKDecode: indices ", idxNK.sizes(), " and values ",
              valuesNK.sizes(), " must have the same shape [N, k]");
  TORCH_CHECK(valuesNK.scalar_type() == wDecSD.scalar_type(), "TopKDecode: values is ", valuesNK.scalar_type(),
              " but wDec ", wDecSD.sizes(), " is ", wDecSD.scalar_type(), "; use one dtype");
}

static void check_encode(const at::Tensor& xND, const at::Tensor& wEncTSD, const at::Tensor& bS, int64_t k) {
  check_float_matrix("TopKEncode", "x [N, d_in]", xND);
  check_float_matrix("TopKEncode", "wEncT [d_sae, d_in]", wEncTSD);
  TORCH_CHECK(xND.size(1) == wEncTSD.size(1), "TopKEncode: x ", xND.sizes(), " and wEncT ", wEncTSD.sizes(),
              " disagree on d_in (wEncT is the encoder stored transposed, one row per latent)");
  TORCH_CHECK(bS.dim() == 1 && bS.size(0) == wEncTSD.size(0), "TopKEncode: bEnc has shape ", bS.sizes(),
              ", expected [", wEncTSD.size(0), "] (one bias per row of wEncT)");
  TORCH_CHECK(xND.scalar_type() == wEncTSD.scalar_type() && bS.scalar_type() == xND.scalar_type(),
              "TopKEncode: x, wEncT and bEnc must share a dtype, got ", xND.scalar_type(), ", ",
              wEncTSD.scalar_type(), ", ", bS.scalar_type());
  TORCH_CHECK(k >= 1 && k <= wEncTSD.size(0), "TopKEncode: k is ", k, ", expected 1 <= k <= d_sae = ",
              wEncTSD.size(0), " (wEncT ", wEncTSD.sizes(), ")");
}

struct TopKDecodeFunction : public torch::autograd::Function<TopKDecodeFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& valuesNK, const at::Tensor& idxNK,
                            const at::Tensor& wDecSD) {
    ctx->save_for_backward({valuesNK, idxNK, wDecSD});
    return bag_sum(wDecSD, idxNK, valuesNK);  // (N, D)
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const auto &valuesNK = saved[0], &idxNK = saved[1], &wDecSD = saved[2];
    auto gND = grad_outputs[0].contiguous();
    int64_t n = idxNK.size(0), k = idxNK.size(1);
    at::Tensor dValuesNK, dWDecSD;
    if (ctx->needs_input_grad(0)) {
      auto rowsNKD = wDecSD.index_select(0, idxNK.reshape({-1})).view({n, k, wDecSD.size(1)});
      dValuesNK = at::bmm(rowsNKD, gND.unsqueeze(2)).view({n, k});  // ⟨g[n], W[idx[n,j]]⟩
    }
    if (ctx->needs_input_grad(2)) dWDecSD = index_add_outer(wDecSD, idxNK, valuesNK, gND);
    return {dValuesNK, at::Tensor(), dWDecSD};
  }
};

struct TopKEncodeFunction : public torch::autograd::Function<TopKEncodeFunction> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& xND, const at::Tensor& wEncTSD,
                               const at::Tensor& bS, int64_t k) {
    auto preNS = at::addmm(bS, xND, wEncTSD.t());  // the one dense step
    auto top = preNS.topk(k, /*dim=*/1);
    auto valuesNK = at::relu(std::get<0>(top));
    auto idxNK = std::get<1>(top);
    ctx->save_for_backward({xND, wEncTSD, valuesNK, idxNK});
    ctx->mark_non_differentiable({idxNK});
    return {valuesNK, idxNK};
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const auto &xND = saved[0], &wEncTSD = saved[1], &valuesNK = saved[2], &idxNK = saved[3];
    auto dValuesNK = grad_outputs[0] * (valuesNK > 0).to(valuesNK.scalar_type());  // relu'
    at::Tensor dxND, dWEncTSD, dbS;
    if (ctx->needs_input_grad(0)) dxND = bag_sum(wEncTSD, idxNK, dValuesNK);
    if (ctx->needs_input_grad(1)) dWEncTSD = index_add_outer(wEncTSD, idxNK, dValuesNK, xND);
    if (ctx->needs_input_grad(2))
      dbS = at::zeros({wEncTSD.size(0)}, dValuesNK.options()).index_add_(0, idxNK.reshape({-1}), dValuesNK.reshape({-1}));
    return {dxND, dWEncTSD, dbS, at::Tensor()};
  }
};

static at::Tensor topk_decode(const at::Tensor& valuesNK, const at::Tensor& idxNK, const at::Tensor& wDecSD) {
  check_decode(valuesNK, idxNK, wDecSD);
  return TopKDecodeFunction::apply(valuesNK, idxNK, wDecSD);
}

static variable_list topk_encode(const at::Tensor& xND, const at::Tensor& wEncTSD, const at::Tensor& bS, int64_t k) {
  check_encode(xND, wEncTSD, bS, k);
  return TopKEncodeFunction::apply(xND, wEncTSD, bS, k);
}

IE_EXPORT ie_tensor ie_topk_decode(ie_tensor values, ie_tensor indices, ie_tensor w_dec) { IE_TENSOR(topk_decode(*values, *indices, *w_dec)) }
IE_EXPORT int ie_topk_encode(ie_tensor x, ie_tensor w_enc_t, ie_tensor b_enc, int64_t k, ie_tensor* values, ie_tensor* indices) {
  IE_STATUS(auto r = topk_encode(*x, *w_enc_t, *b_enc, k); ie_out(values, r[0]); ie_out(indices, r[1]))
}
