// sparse_ops.cpp — the fused sparse kernels of a TopK SAE, as C++ autograd Functions (Gao et al. 2024, "Scaling and
// evaluating sparse autoencoders", §5.4 / App. D: decode and encoder-gradient without the dense [N, d_sae] code).
// Legend: N = tokens, k = active latents per token, S = d_sae (latents), D = d_in.
//   TopKDecode  y[n,:]  = Σ_j v[n,j]·W[idx[n,j],:]     dv[n,j] = ⟨g[n,:], W[idx[n,j],:]⟩   dW[idx[n,j],:] += v[n,j]·g[n,:]
//   TopKEncode  (v, idx) = relu(topk(x·Wᵀ + b, k))     dx[n,:] = Σ_j dv[n,j]·W[idx[n,j],:]  dW[idx[n,j],:] += dv[n,j]·x[n,:]
//                                                      db[idx[n,j]] += dv[n,j]             (dv zeroed where relu clipped)
// The encoder's forward is dense (a GEMM then topk; it also hands back the pre-activations, without a gradient, for
// AuxK); only the gradients are sparse. TopKEncodeStreamed (CPU) runs the same GEMM tile by tile (chunks of tokens ×
// blocks of latents, each thread its own tokens and its own small buffer), keeping each row's running top k (and AuxK's
// dead-latent choice) across blocks, so no [N, S] tensor exists. On CPU the three sparse sums are hand-written parallel loops (the
// scatter sorts by latent, so it is deterministic); other devices compose ATen ops. Not here: CUDA-specific kernels.
#include "ie_common.h"
#include "sparse_kernels.h"
#include <ATen/Parallel.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#if defined(__SSE2__)
#include <immintrin.h>
#endif
#include <torch/csrc/autograd/custom_function.h>

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using ie::bag_sum;
using ie::gather_dot;
using ie::index_add_outer;

// Index bounds: every index of idxNK must lie in [0, S); one pass, a clear message naming the op and the bad value.
static void check_index_bounds(const char* op, const at::Tensor& idxNK, int64_t S) {
  if (idxNK.numel() == 0) return;
  int64_t lo = idxNK.min().item<int64_t>(), hi = idxNK.max().item<int64_t>();
  TORCH_CHECK(lo >= 0 && hi < S, op, ": indices must lie in [0, ", S, "), found ", lo < 0 ? lo : hi);
}

// The CPU kernels below read plain row-major buffers; other devices (or every device when the hand kernels are switched
// off, see ie_hand_kernels) take the composed ATen ops, which are the same sums in another order.
static bool cpu_kernel(const at::Tensor& t) { return t.device().is_cpu() && ie_hand_kernels(); }

// Whether a 2-D tensor is the transpose of a contiguous one (W_enc.T as the dictionaries pass it).
static bool column_major(const at::Tensor& t) { return t.dim() == 2 && !t.is_contiguous() && t.t().is_contiguous(); }

// For a table [S, D] stored column-major (the .t() view of a contiguous [D, S] buffer tableDS): calls
// f(e, row) for every entry e = t·k + j of tokens [n0, n1) (skipping entries whose weight is 0 when weights is given),
// row the entry's table row as a contiguous [D] array. Entries are grouped by tiles of L latents; each tile is
// transposed once into a local [L, D] block (reading L consecutive floats of every table column: whole cache lines),
// then its entries are visited in index order. So the table is read once per call, never copied whole. Per token the
// visits go tile by tile, then by j: an order that does not depend on [n0, n1).
template <typename T, typename F>
static void for_entries_column_major(const T* tableDS, int64_t S, int64_t D, const int64_t* ip, const T* weights, int64_t k,
                                     int64_t n0, int64_t n1, const F& f) {
  constexpr int64_t L = 64 / sizeof(T);
  int64_t tiles = (S + L - 1) / L, e0 = n0 * k, e1 = n1 * k;
  std::vector<int64_t> start(tiles + 1, 0), order(e1 - e0);
  for (int64_t e = e0; e < e1; ++e) start[ip[e] / L + 1] += !weights || weights[e] != 0;
  for (int64_t b = 0; b < tiles; ++b) start[b + 1] += start[b];
  std::vector<int64_t> fill(start.begin(), start.end() - 1);
  for (int64_t e = e0; e < e1; ++e)
    if (!weights || weights[e] != 0) order[fill[ip[e] / L]++] = e;
  std::vector<T> local(L * D);
  for (int64_t b = 0; b < tiles; ++b) {
    if (start[b] == start[b + 1]) continue;
    int64_t s0 = b * L, width = std::min(L, S - s0);
    for (int64_t d = 0; d < D; ++d)
      for (int64_t l = 0; l < width; ++l) local[l * D + d] = tableDS[d * S + s0 + l];
    for (int64_t p = start[b]; p < start[b + 1]; ++p) f(order[p], local.data() + (ip[order[p]] - s0) * D);
  }
}

// out[n,:] = Σ_j weights[n,j]·table[idx[n,j],:] without materialising [N, k, D]. CPU: one parallel loop over tokens;
// elsewhere embedding_bag (mode sum).
at::Tensor ie::bag_sum(const at::Tensor& tableSD, const at::Tensor& idxNK, const at::Tensor& weightsNK) {
  int64_t n = idxNK.size(0), k = idxNK.size(1), D = tableSD.size(1);
  if (n == 0 || k == 0) return at::zeros({n, D}, tableSD.options());
  if (!cpu_kernel(tableSD)) {
    auto offsetsN = at::arange(0, n * k, k, idxNK.options());
    auto r = at::embedding_bag(tableSD, idxNK.reshape({-1}), offsetsN, /*scale_grad_by_freq=*/false, /*mode=sum*/ 0,
                               /*sparse=*/false, weightsNK.reshape({-1}).contiguous());
    return std::get<0>(r);
  }
  check_index_bounds("TopK kernel", idxNK, tableSD.size(0));
  bool transposed = column_major(tableSD);  // W_enc.T: read in place, tile by tile (for_entries_column_major)
  auto table = transposed ? tableSD : tableSD.contiguous(), idx = idxNK.contiguous(), w = weightsNK.contiguous();
  auto outND = at::zeros({n, D}, tableSD.options());
  AT_DISPATCH_FLOATING_TYPES(table.scalar_type(), "bag_sum", [&] {
    const scalar_t* tp = table.data_ptr<scalar_t>();
    const scalar_t* wp = w.data_ptr<scalar_t>();
    const int64_t* ip = idx.data_ptr<int64_t>();
    scalar_t* op = outND.data_ptr<scalar_t>();
    if (transposed) {
      int64_t S = tableSD.size(0);
      at::parallel_for(0, n, 64, [&](int64_t n0, int64_t n1) {
        for_entries_column_major(tp, S, D, ip, wp, k, n0, n1, [&](int64_t e, const scalar_t* r) {
          scalar_t* o = op + (e / k) * D;
          scalar_t c = wp[e];
          for (int64_t d = 0; d < D; ++d) o[d] += c * r[d];
        });
      });
      return;
    }
    at::parallel_for(0, n, 16, [&](int64_t n0, int64_t n1) {
      for (int64_t t = n0; t < n1; ++t) {
        scalar_t* o = op + t * D;
        for (int64_t j = 0; j < k; ++j) {
          scalar_t c = wp[t * k + j];
          if (c == 0) continue;  // an entry of weight 0 adds nothing (relu-clipped or padding entries)
          const scalar_t* r = tp + ip[t * k + j] * D;
          for (int64_t d = 0; d < D; ++d) o[d] += c * r[d];
        }
      }
    });
  });
  return outND;
}

// ⟨a, b⟩ over D entries in kLanes independent partial sums (a single running sum is one long dependency chain the
// compiler may not reorder into vector lanes), then added lane by lane: a fixed order, the same for every call.
template <typename T>
static inline T dot(const T* a, const T* b, int64_t D) {
  constexpr int64_t kLanes = 16;
  T lane[kLanes] = {};
  int64_t d = 0;
  for (; d + kLanes <= D; d += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) lane[l] += a[d + l] * b[d + l];
  T acc = 0;
  for (int64_t l = 0; l < kLanes; ++l) acc += lane[l];
  for (; d < D; ++d) acc += a[d] * b[d];
  return acc;
}

// out[n,j] = ⟨g[n,:], table[idx[n,j],:]⟩ — the gradient of a bag sum w.r.t. its weights, without gathering [N, k, D].
at::Tensor ie::gather_dot(const at::Tensor& gND, const at::Tensor& tableSD, const at::Tensor& idxNK) {
  int64_t n = idxNK.size(0), k = idxNK.size(1), D = tableSD.size(1);
  if (!cpu_kernel(tableSD) || n == 0 || k == 0) {
    auto rowsNKD = tableSD.index_select(0, idxNK.reshape({-1})).view({n, k, D});
    return at::bmm(rowsNKD, gND.unsqueeze(2)).view({n, k});
  }
  check_index_bounds("TopK kernel", idxNK, tableSD.size(0));
  bool transposed = column_major(tableSD);  // W_enc.T: read in place, tile by tile (for_entries_column_major)
  auto table = transposed ? tableSD : tableSD.contiguous(), idx = idxNK.contiguous(), g = gND.contiguous();
  auto outNK = at::empty({n, k}, tableSD.options());
  AT_DISPATCH_FLOATING_TYPES(table.scalar_type(), "gather_dot", [&] {
    const scalar_t* tp = table.data_ptr<scalar_t>();
    const scalar_t* gp = g.data_ptr<scalar_t>();
    const int64_t* ip = idx.data_ptr<int64_t>();
    scalar_t* op = outNK.data_ptr<scalar_t>();
    if (transposed) {
      int64_t S = tableSD.size(0);
      at::parallel_for(0, n, 64, [&](int64_t n0, int64_t n1) {
        for_entries_column_major(tp, S, D, ip, static_cast<const scalar_t*>(nullptr), k, n0, n1,
                                 [&](int64_t e, const scalar_t* r) { op[e] = dot(gp + (e / k) * D, r, D); });
      });
      return;
    }
    at::parallel_for(0, n, 16, [&](int64_t n0, int64_t n1) {
      for (int64_t t = n0; t < n1; ++t)
        for (int64_t j = 0; j < k; ++j) {
          const scalar_t* r = tp + ip[t * k + j] * D;
          const scalar_t* gr = gp + t * D;
          op[t * k + j] = dot(gr, r, D);
        }
    });
  });
  return outNK;
}

// grad[s,:] = Σ_{(n,j): idx[n,j]=s} coef[n,j]·rows[n,:] — the scatter of rank-one updates into an [S, D] gradient.
// CPU: a counting sort of the N·k indices by latent, then one parallel loop over tiles of latents, each summing its
// own entries in token order into a small tile (deterministic, no atomics, nothing of size [N·k, D]) written once into
// the gradient — in place for the row-major layout, transposed for the column-major one (transposed = true: the
// [S, D] result is the .t() view of a contiguous [D, S] tensor, the layout of W_enc when the kernels are handed W_enc.T,
// so autograd takes the gradient as it is instead of copying it into the parameter's layout). Elsewhere: index_add_
// of the outer products.
at::Tensor ie::index_add_outer(int64_t S, const at::Tensor& idxNK, const at::Tensor& coefNK, const at::Tensor& rowsND, bool transposed) {
  int64_t D = rowsND.size(1);
  auto layout = [&](at::Tensor gradSD) { return transposed ? gradSD.t().contiguous().t() : gradSD; };
  if (idxNK.numel() == 0) return transposed ? at::zeros({D, S}, rowsND.options()).t() : at::zeros({S, D}, rowsND.options());
  if (!cpu_kernel(rowsND)) {
    auto srcNKD = coefNK.unsqueeze(-1) * rowsND.unsqueeze(1);
    return layout(at::zeros({S, D}, rowsND.options()).index_add_(0, idxNK.reshape({-1}), srcNKD.reshape({-1, D})));
  }
  check_index_bounds("TopK kernel", idxNK, S);
  auto idx = idxNK.contiguous(), coef = coefNK.contiguous(), rows = rowsND.contiguous();
  int64_t k = idx.size(1), nk = idx.numel();
  const int64_t* ip = idx.data_ptr<int64_t>();
  auto gradSD = transposed ? at::empty({D, S}, rows.options()).t() : at::empty({S, D}, rows.options());
  AT_DISPATCH_FLOATING_TYPES(rows.scalar_type(), "index_add_outer", [&] {
    const scalar_t* cp = coef.data_ptr<scalar_t>();
    // Entries of coefficient 0 (relu-clipped or padding entries) add nothing and are left out of the sort.
    std::vector<int64_t> start(S + 1, 0), order(nk);
    for (int64_t e = 0; e < nk; ++e) start[ip[e] + 1] += cp[e] != 0;
    for (int64_t s = 0; s < S; ++s) start[s + 1] += start[s];
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t e = 0; e < nk; ++e)
      if (cp[e] != 0) order[fill[ip[e]]++] = e;
    const scalar_t* rp = rows.data_ptr<scalar_t>();
    scalar_t* gp = gradSD.data_ptr<scalar_t>();
    // Tiles of L latents: one cache line of the transposed gradient's rows.
    constexpr int64_t L = 64 / sizeof(scalar_t);
    at::parallel_for(0, (S + L - 1) / L, 4, [&](int64_t t0, int64_t t1) {
      std::vector<scalar_t> tile(transposed ? L * D : 0);
      for (int64_t t = t0; t < t1; ++t) {
        int64_t s0 = t * L, s1 = std::min(S, s0 + L);
        for (int64_t s = s0; s < s1; ++s) {
          scalar_t* o = transposed ? tile.data() + (s - s0) * D : gp + s * D;
          std::fill(o, o + D, scalar_t(0));
          for (int64_t p = start[s]; p < start[s + 1]; ++p) {
            int64_t e = order[p];
            scalar_t c = cp[e];
            const scalar_t* r = rp + (e / k) * D;
            for (int64_t d = 0; d < D; ++d) o[d] += c * r[d];
          }
        }
        if (!transposed) continue;
        for (int64_t d = 0; d < D; ++d)
          for (int64_t s = s0; s < s1; ++s) gp[d * S + s] = tile[(s - s0) * D + d];
      }
    });
  });
  return gradSD;
}

// NaN ranks above every number (as at::topk ranks it); equal values rank the lower index first.
template <typename T>
static inline bool ranks_above(T a, int64_t ia, T b, int64_t ib) {
  if (a > b) return true;  // two distinct numbers: the common case
  if (a < b) return false;
  bool na = std::isnan(a), nb = std::isnan(b);  // equal, or a NaN involved
  if (na != nb) return na;
  return ia < ib;
}

// (values, indices) of the k largest entries of every row of preNS, largest first. CPU: one parallel loop over rows,
// each a size-k min-heap scanned once over the row (an entry below the heap's minimum costs one comparison), then
// sorted; elsewhere at::topk. Same selection as at::topk up to the order of exactly equal values.
static std::tuple<at::Tensor, at::Tensor> row_topk(const at::Tensor& preNS, int64_t k) {
  if (!cpu_kernel(preNS) || !preNS.is_contiguous() || preNS.size(0) == 0) return preNS.topk(k, /*dim=*/1);
  int64_t n = preNS.size(0), S = preNS.size(1);
  auto valuesNK = at::empty({n, k}, preNS.options());
  auto idxNK = at::empty({n, k}, preNS.options().dtype(at::kLong));
  AT_DISPATCH_FLOATING_TYPES(preNS.scalar_type(), "row_topk", [&] {
    const scalar_t* pp = preNS.data_ptr<scalar_t>();
    scalar_t* vp = valuesNK.data_ptr<scalar_t>();
    int64_t* ip = idxNK.data_ptr<int64_t>();
    at::parallel_for(0, n, 8, [&](int64_t n0, int64_t n1) {
      std::vector<std::pair<scalar_t, int64_t>> heap(k);
      // min-heap on ranks_above: heap[0] is the lowest-ranked of the k kept so far.
      auto lower = [](const std::pair<scalar_t, int64_t>& a, const std::pair<scalar_t, int64_t>& b) {
        return ranks_above(a.first, a.second, b.first, b.second);
      };
      for (int64_t t = n0; t < n1; ++t) {
        const scalar_t* row = pp + t * S;
        for (int64_t s = 0; s < k; ++s) heap[s] = {row[s], s};
        std::make_heap(heap.begin(), heap.end(), lower);
        for (int64_t s = k; s < S; ++s) {
          scalar_t v = row[s];
          if (v < heap[0].first) continue;  // the common case, one comparison (false for NaN)
          if (!ranks_above(v, s, heap[0].first, heap[0].second)) continue;
          std::pop_heap(heap.begin(), heap.end(), lower);
          heap.back() = {v, s};
          std::push_heap(heap.begin(), heap.end(), lower);
        }
        std::sort(heap.begin(), heap.end(), lower);
        for (int64_t j = 0; j < k; ++j) {
          vp[t * k + j] = heap[j].first;
          ip[t * k + j] = heap[j].second;
        }
      }
    });
  });
  return {valuesNK, idxNK};
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
    at::Tensor dValuesNK, dWDecSD;
    if (ctx->needs_input_grad(0)) {
      dValuesNK = gather_dot(gND, wDecSD, idxNK);  // ⟨g[n], W[idx[n,j]]⟩
    }
    if (ctx->needs_input_grad(2)) dWDecSD = index_add_outer(wDecSD.size(0), idxNK, valuesNK, gND);
    return {dValuesNK, at::Tensor(), dWDecSD};
  }
};

// The sparse backward shared by both encoders (saved: x, wEncT, values, indices): {dx, dWEncT, db}.
static variable_list topk_encode_backward(AutogradContext* ctx, const at::Tensor& gValuesNK) {
  auto saved = ctx->get_saved_variables();
  const auto &xND = saved[0], &wEncTSD = saved[1], &valuesNK = saved[2], &idxNK = saved[3];
  auto dValuesNK = gValuesNK * (valuesNK > 0).to(valuesNK.scalar_type());  // relu'
  at::Tensor dxND, dWEncTSD, dbS;
  if (ctx->needs_input_grad(0)) dxND = bag_sum(wEncTSD, idxNK, dValuesNK);
  if (ctx->needs_input_grad(1)) dWEncTSD = index_add_outer(wEncTSD.size(0), idxNK, dValuesNK, xND, column_major(wEncTSD));
  if (ctx->needs_input_grad(2))
    dbS = at::zeros({wEncTSD.size(0)}, dValuesNK.options()).index_add_(0, idxNK.reshape({-1}), dValuesNK.reshape({-1}));
  return {dxND, dWEncTSD, dbS};
}

struct TopKEncodeFunction : public torch::autograd::Function<TopKEncodeFunction> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& xND, const at::Tensor& wEncTSD,
                               const at::Tensor& bS, int64_t k) {
    auto preNS = at::addmm(bS, xND, wEncTSD.t());  // the one dense step
    auto top = row_topk(preNS, k);
    auto valuesNK = at::relu(std::get<0>(top));
    auto idxNK = std::get<1>(top);
    ctx->save_for_backward({xND, wEncTSD, valuesNK, idxNK});
    ctx->mark_non_differentiable({idxNK, preNS});
    return {valuesNK, idxNK, preNS};
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto g = topk_encode_backward(ctx, grad_outputs[0]);
    return {g[0], g[1], g[2], at::Tensor()};  // pre is an output without a gradient (AuxK recomputes its own)
  }
};

// ranks_above as a comparison object (inlined by the std algorithms, unlike a function pointer).
template <typename T>
struct RanksAbove {
  bool operator()(const std::pair<T, int64_t>& a, const std::pair<T, int64_t>& b) const { return ranks_above(a.first, a.second, b.first, b.second); }
};

// The k-largest selection kept across column blocks, for one row: a buffer of kSelectSlack·cap entries holding the
// best cap found so far (unordered) plus newer candidates. An entry ranking below the floor (the cap-th best at the
// last cut) can never be selected and costs one comparison; a candidate is appended; a full buffer is cut back to its
// best cap by one nth_element, raising the floor. The same selection as a heap (ranks_above is a strict total order,
// indices being distinct), at O(1) per candidate instead of O(log cap).
static constexpr int64_t kSelectSlack = 4;

// Bit g set when row[g] + bias[g] does not rank below f (it is ≥ f, or NaN), g < 16: the scan's filter.
template <typename T>
static inline uint32_t candidates16(const T* row, const T* bias, T f) {
  uint32_t mask = 0;
  for (int g = 0; g < 16; ++g) mask |= uint32_t(!(row[g] + bias[g] < f)) << g;
  return mask;
}
#if defined(__SSE2__)
template <>
inline uint32_t candidates16<float>(const float* row, const float* bias, float f) {
  __m128 fl = _mm_set1_ps(f);
  uint32_t mask = 0;
  for (int g = 0; g < 16; g += 4)  // cmpnlt: true for ≥ and for NaN
    mask |= uint32_t(_mm_movemask_ps(_mm_cmpnlt_ps(_mm_add_ps(_mm_loadu_ps(row + g), _mm_loadu_ps(bias + g)), fl))) << g;
  return mask;
}
#endif

template <typename T>
struct TopSelect {
  std::pair<T, int64_t>* h;
  int64_t cap, fill;
  T floor;
  void reset(std::pair<T, int64_t>* storage, int64_t k) {
    h = storage, cap = k, fill = 0;
    floor = -std::numeric_limits<T>::infinity();
  }
  void cut() {
    std::nth_element(h, h + cap - 1, h + fill, RanksAbove<T>());
    fill = cap;
    floor = h[cap - 1].first;  // NaN when the cap best are all NaN: then nothing is filtered, still correct
  }
  inline void push(T v, int64_t s) {
    if (v < floor) return;  // the common case, one comparison (false for NaN, which ranks above every number)
    h[fill++] = {v, s};
    if (fill == kSelectSlack * cap) cut();
  }
  // Pushes row[j] + bias[j] for j < width as latents s0 + j. 16 entries at a time are first tested against the floor
  // (candidates16: vector compares on x86), and only the candidates of a group that has one are pushed.
  inline void push_row(const T* row, const T* bias, int64_t width, int64_t s0) {
    int64_t j = 0;
    for (; j + 16 <= width; j += 16) {
      uint32_t mask = candidates16(row + j, bias + j, floor);
      while (mask) {
        int g = __builtin_ctz(mask);
        mask &= mask - 1;
        push(row[j + g] + bias[j + g], s0 + j + g);
      }
    }
    for (; j < width; ++j) push(row[j] + bias[j], s0 + j);
  }
  // The selection, best first, in h[0, min(cap, entries pushed)).
  int64_t sorted() {
    if (fill > cap) cut();
    std::sort(h, h + fill, RanksAbove<T>());
    return fill;
  }
};

// The streamed encoder's tiles: each task is a chunk of kRowChunk tokens, run through every column block of kColBlock
// latents by one single-threaded GEMM into the worker's own [kRowChunk, kColBlock] buffer (512 KiB in float32, held in
// the core's L2 while its rows are scanned). Tokens, not latents, are split between threads: one parallel region per
// call, no fork/join per block, and every GEMM big enough to run near the core's peak.
static constexpr int64_t kRowChunk = 256;
static constexpr int64_t kColBlock = 512;

// (values [N, k], indices [N, k], aux indices [N, kAux]) of relu(topk(x·Wᵀ + b, k)) and, when deadS is given, of
// the kAux largest relu(pre) among dead latents (AuxK's choice) — without ever holding the [N, S] pre-activations.
// CPU only (the caller checks); the same selection as row_topk on the dense pre-activations. Workers take row chunks
// from a shared counter (a busy core takes fewer); BLAS runs single-threaded inside (ie::SerialBlas).
static std::vector<at::Tensor> streamed_topk(const at::Tensor& xND, const at::Tensor& wEncTSD, const at::Tensor& bS, int64_t k,
                                             const at::Tensor& deadS, int64_t kAux) {
  int64_t n = xND.size(0), S = wEncTSD.size(0);
  bool aux = deadS.defined() && deadS.numel() > 0 && kAux > 0;
  // w stays as given: the encoder arrives as W_enc.T, whose column blocks are BLAS-ready row-major slices of W_enc
  // (a contiguous copy would transpose all of it every step). Detached: the GEMMs run on worker threads, whose grad
  // mode is not the caller's.
  auto x = xND.detach().contiguous(), w = wEncTSD.detach(), b = bS.detach().contiguous();
  auto dead = aux ? deadS.to(at::kBool).contiguous() : at::Tensor();
  auto valuesNK = at::empty({n, k}, x.options());
  auto idxNK = at::empty({n, k}, x.options().dtype(at::kLong));
  auto auxNK = at::empty({n, aux ? kAux : 0}, idxNK.options());
  if (n == 0) return {valuesNK, idxNK, auxNK};
  int64_t rb = std::min(n, kRowChunk), sb = std::min(S, kColBlock);
  int64_t chunks = (n + rb - 1) / rb;
  int64_t workers = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), chunks));
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "streamed_topk", [&] {
    using P = std::pair<scalar_t, int64_t>;
    const scalar_t* bp = b.data_ptr<scalar_t>();
    const bool* dp = aux ? dead.data_ptr<bool>() : nullptr;
    scalar_t* vp = valuesNK.data_ptr<scalar_t>();
    int64_t* ip = idxNK.data_ptr<int64_t>();
    int64_t* ap = auxNK.data_ptr<int64_t>();
    std::atomic<int64_t> next{0};
    ie::SerialBlas serial(workers > 1);
    at::parallel_for(0, workers, 1, [&](int64_t, int64_t) {
      auto bufferRB = at::empty({rb * sb}, x.options());
      std::vector<TopSelect<scalar_t>> tops(rb), lows(aux ? rb : 0);
      std::vector<P> topStore(rb * kSelectSlack * k), lowStore(aux ? rb * kSelectSlack * kAux : 0);
      for (int64_t c = next++; c < chunks; c = next++) {
        int64_t r0 = c * rb, rows = std::min(rb, n - r0);
        auto xRD = x.narrow(0, r0, rows);
        for (int64_t t = 0; t < rows; ++t) {
          tops[t].reset(topStore.data() + t * kSelectSlack * k, k);
          if (aux) lows[t].reset(lowStore.data() + t * kSelectSlack * kAux, kAux);
        }
        for (int64_t s0 = 0; s0 < S; s0 += sb) {
          int64_t width = std::min(sb, S - s0);
          auto blockRW = bufferRB.narrow(0, 0, rows * width).view({rows, width});
          at::mm_out(blockRW, xRD, w.narrow(0, s0, width).t());
          const scalar_t* op = blockRW.data_ptr<scalar_t>();
          for (int64_t t = 0; t < rows; ++t) {
            const scalar_t* row = op + t * width;
            tops[t].push_row(row, bp + s0, width, s0);
            if (!aux) continue;
            auto& low = lows[t];
            for (int64_t j = 0; j < width; ++j) {
              if (!dp[s0 + j]) continue;
              scalar_t v = row[j] + bp[s0 + j];
              low.push(v < 0 ? scalar_t(0) : v, s0 + j);  // relu, NaN kept
            }
          }
        }
        for (int64_t t = 0; t < rows; ++t) {
          int64_t got = tops[t].sorted();
          TORCH_CHECK(got == k, "TopKEncodeStreamed: kept ", got, " of k = ", k, " latents");
          const P* h = tops[t].h;
          for (int64_t j = 0; j < k; ++j) {
            vp[(r0 + t) * k + j] = h[j].first < 0 ? scalar_t(0) : h[j].first;  // relu, NaN kept
            ip[(r0 + t) * k + j] = h[j].second;
          }
          if (!aux) continue;
          int64_t gotAux = lows[t].sorted();
          TORCH_CHECK(gotAux == kAux, "TopKEncodeStreamed: kept ", gotAux, " of k_aux = ", kAux, " dead latents");
          for (int64_t j = 0; j < kAux; ++j) ap[(r0 + t) * kAux + j] = lows[t].h[j].second;
        }
      }
    });
  });
  return {valuesNK, idxNK, auxNK};
}

// TopKEncode without the [N, S] pre-activations: the encoder GEMM streamed through column blocks (streamed_topk), with
// AuxK's dead-latent choice made in the same pass; TopKEncodeFunction's sparse backward.
struct TopKEncodeStreamedFunction : public torch::autograd::Function<TopKEncodeStreamedFunction> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& xND, const at::Tensor& wEncTSD, const at::Tensor& bS,
                               int64_t k, const at::Tensor& deadS, int64_t kAux) {
    auto r = streamed_topk(xND, wEncTSD, bS, k, deadS, kAux);
    ctx->save_for_backward({xND, wEncTSD, r[0], r[1]});
    ctx->mark_non_differentiable({r[1], r[2]});
    return r;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto g = topk_encode_backward(ctx, grad_outputs[0]);
    return {g[0], g[1], g[2], at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// values[n,j] = ⟨x[n,:], W[idx[n,j],:]⟩ + b[idx[n,j]] for given indices (AuxK's dead latents): the encoder read at k
// chosen latents, with TopKEncode's sparse backward.
struct GatherEncodeFunction : public torch::autograd::Function<GatherEncodeFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& xND, const at::Tensor& wEncTSD, const at::Tensor& bS,
                            const at::Tensor& idxNK) {
    ctx->save_for_backward({xND, wEncTSD, idxNK});
    auto biasNK = bS.index_select(0, idxNK.reshape({-1})).view(idxNK.sizes());
    return gather_dot(xND, wEncTSD, idxNK) + biasNK;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const auto &xND = saved[0], &wEncTSD = saved[1], &idxNK = saved[2];
    auto gNK = grad_outputs[0].contiguous();
    at::Tensor dxND, dWEncTSD, dbS;
    if (ctx->needs_input_grad(0)) dxND = bag_sum(wEncTSD, idxNK, gNK);
    if (ctx->needs_input_grad(1)) dWEncTSD = index_add_outer(wEncTSD.size(0), idxNK, gNK, xND, column_major(wEncTSD));
    if (ctx->needs_input_grad(2))
      dbS = at::zeros({wEncTSD.size(0)}, gNK.options()).index_add_(0, idxNK.reshape({-1}), gNK.reshape({-1}));
    return {dxND, dWEncTSD, dbS, at::Tensor()};
  }
};

static at::Tensor gather_encode(const at::Tensor& xND, const at::Tensor& wEncTSD, const at::Tensor& bS, const at::Tensor& idxNK) {
  check_encode(xND, wEncTSD, bS, 1);
  TORCH_CHECK(idxNK.scalar_type() == at::kLong && idxNK.dim() == 2 && idxNK.size(0) == xND.size(0), "GatherEncode: indices must be int64 [",
              xND.size(0), ", k], got ", idxNK.scalar_type(), " with shape ", idxNK.sizes());
  check_index_bounds("GatherEncode", idxNK, wEncTSD.size(0));
  return GatherEncodeFunction::apply(xND, wEncTSD, bS, idxNK);
}

static at::Tensor topk_decode(const at::Tensor& valuesNK, const at::Tensor& idxNK, const at::Tensor& wDecSD) {
  check_decode(valuesNK, idxNK, wDecSD);
  return TopKDecodeFunction::apply(valuesNK, idxNK, wDecSD);
}

static variable_list topk_encode(const at::Tensor& xND, const at::Tensor& wEncTSD, const at::Tensor& bS, int64_t k) {
  check_encode(xND, wEncTSD, bS, k);
  return TopKEncodeFunction::apply(xND, wEncTSD, bS, k);
}

// The streamed encoder with AuxK's dead-latent choice when deadS is defined (kAux ignored otherwise).
static variable_list topk_encode_streamed(const at::Tensor& xND, const at::Tensor& wEncTSD, const at::Tensor& bS, int64_t k,
                                          const at::Tensor& deadS, int64_t kAux) {
  check_encode(xND, wEncTSD, bS, k);
  TORCH_CHECK(xND.device().is_cpu(), "TopKEncodeStreamed: CPU only, got ", xND.device(), " (use TopKEncode elsewhere)");
  if (!deadS.defined()) return TopKEncodeStreamedFunction::apply(xND, wEncTSD, bS, k, at::empty({0}, xND.options().dtype(at::kBool)), 0);
  TORCH_CHECK(deadS.dim() == 1 && deadS.size(0) == wEncTSD.size(0) && deadS.scalar_type() == at::kBool,
              "TopKEncodeStreamed: dead mask must be bool [", wEncTSD.size(0), "], got ", deadS.scalar_type(), " ", deadS.sizes());
  int64_t nDead = deadS.sum().item<int64_t>();
  TORCH_CHECK(kAux >= 1 && kAux <= nDead, "TopKEncodeStreamed: k_aux is ", kAux, ", expected 1 <= k_aux <= dead latents = ", nDead);
  return TopKEncodeStreamedFunction::apply(xND, wEncTSD, bS, k, deadS, kAux);
}

IE_EXPORT ie_tensor ie_topk_decode(ie_tensor values, ie_tensor indices, ie_tensor w_dec) { IE_TENSOR(topk_decode(*values, *indices, *w_dec)) }
IE_EXPORT ie_tensor ie_gather_encode(ie_tensor x, ie_tensor w_enc_t, ie_tensor b_enc, ie_tensor indices) { IE_TENSOR(gather_encode(*x, *w_enc_t, *b_enc, *indices)) }
IE_EXPORT int ie_topk_encode(ie_tensor x, ie_tensor w_enc_t, ie_tensor b_enc, int64_t k, ie_tensor* values, ie_tensor* indices,
                             ie_tensor* pre) {
  IE_STATUS(auto r = topk_encode(*x, *w_enc_t, *b_enc, k); ie_out(values, r[0]); ie_out(indices, r[1]);
            if (pre) ie_out(pre, r[2]))
}
IE_EXPORT int ie_topk_encode_streamed(ie_tensor x, ie_tensor w_enc_t, ie_tensor b_enc, int64_t k, ie_tensor dead, int64_t k_aux,
                                      ie_tensor* values, ie_tensor* indices, ie_tensor* aux_indices) {
  IE_STATUS(auto r = topk_encode_streamed(*x, *w_enc_t, *b_enc, k, dead ? *dead : at::Tensor(), k_aux);
            ie_out(values, r[0]); ie_out(indices, r[1]); ie_out(aux_indices, r[2]))
}
