// sparse_kernels.h — the three sparse sums of sparse_ops.cpp that other shim files share (relu_sae.cpp's sparse path):
// a weighted bag sum of table rows, the gathered dot products (its weight gradient) and the scatter of rank-one updates.
// CPU: hand-written parallel loops that skip entries of weight 0 (they add nothing); other devices (or hand kernels
// off): composed ATen ops. Legend: N tokens, k entries
// per token, S table rows (latents), D row width.
#pragma once
#include <ATen/ATen.h>

namespace ie {
// out[n,:] = Σ_j weights[n,j]·table[idx[n,j],:] → [N, D].
at::Tensor bag_sum(const at::Tensor& tableSD, const at::Tensor& idxNK, const at::Tensor& weightsNK);
// out[n,j] = ⟨g[n,:], table[idx[n,j],:]⟩ → [N, k].
at::Tensor gather_dot(const at::Tensor& gND, const at::Tensor& tableSD, const at::Tensor& idxNK);
// grad[s,:] = Σ_{(n,j): idx[n,j]=s} coef[n,j]·rows[n,:] → [S, D] (deterministic on CPU); transposed: laid out as the
// .t() view of a contiguous [D, S] tensor (a gradient for W.T where W [D, S] is the parameter).
at::Tensor index_add_outer(int64_t S, const at::Tensor& idxNK, const at::Tensor& coefNK, const at::Tensor& rowsND, bool transposed = false);
}  // namespace ie
