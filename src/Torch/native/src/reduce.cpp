// reduce.cpp — reductions over all elements or chosen dims, top-k, sort and cumulative sums.
// A dims array of length 0 means "every dim".
#include "ie_common.h"

static at::OptionalIntArrayRef opt_dims(const int64_t* dims, int n) {
  return n == 0 ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(ie_dims(dims, n));
}

IE_EXPORT ie_tensor ie_tensor_sum(ie_tensor t, const int64_t* dims, int n, int keepdim) { IE_TENSOR(n == 0 ? t->sum() : t->sum(ie_dims(dims, n), keepdim != 0)) }
IE_EXPORT ie_tensor ie_tensor_mean(ie_tensor t, const int64_t* dims, int n, int keepdim) { IE_TENSOR(n == 0 ? t->mean() : t->mean(ie_dims(dims, n), keepdim != 0)) }
IE_EXPORT ie_tensor ie_tensor_var(ie_tensor t, const int64_t* dims, int n, int64_t correction, int keepdim) { IE_TENSOR(at::var(*t, opt_dims(dims, n), correction, keepdim != 0)) }
IE_EXPORT ie_tensor ie_tensor_norm(ie_tensor t, double p, const int64_t* dims, int n, int keepdim) { IE_TENSOR(at::linalg_vector_norm(*t, p, opt_dims(dims, n), keepdim != 0)) }
IE_EXPORT ie_tensor ie_tensor_max_all(ie_tensor t) { IE_TENSOR(t->max()) }
IE_EXPORT ie_tensor ie_tensor_min_all(ie_tensor t) { IE_TENSOR(t->min()) }
IE_EXPORT int ie_tensor_max_dim(ie_tensor t, int64_t dim, int keepdim, ie_tensor* values, ie_tensor* indices) {
  IE_STATUS(auto r = t->max(dim, keepdim != 0); ie_out(values, std::get<0>(r)); ie_out(indices, std::get<1>(r)))
}
IE_EXPORT int ie_tensor_min_dim(ie_tensor t, int64_t dim, int keepdim, ie_tensor* values, ie_tensor* indices) {
  IE_STATUS(auto r = t->min(dim, keepdim != 0); ie_out(values, std::get<0>(r)); ie_out(indices, std::get<1>(r)))
}
IE_EXPORT ie_tensor ie_tensor_argmax(ie_tensor t, int64_t dim, int keepdim) { IE_TENSOR(t->argmax(dim, keepdim != 0)) }
IE_EXPORT ie_tensor ie_tensor_argmin(ie_tensor t, int64_t dim, int keepdim) { IE_TENSOR(t->argmin(dim, keepdim != 0)) }
IE_EXPORT ie_tensor ie_tensor_any(ie_tensor t) { IE_TENSOR(t->any()) }
IE_EXPORT ie_tensor ie_tensor_all(ie_tensor t) { IE_TENSOR(t->all()) }
IE_EXPORT ie_tensor ie_tensor_cumsum(ie_tensor t, int64_t dim) { IE_TENSOR(t->cumsum(dim)) }
IE_EXPORT int ie_tensor_topk(ie_tensor t, int64_t k, int64_t dim, int largest, int sorted, ie_tensor* values, ie_tensor* indices) {
  IE_STATUS(auto r = t->topk(k, dim, largest != 0, sorted != 0); ie_out(values, std::get<0>(r)); ie_out(indices, std::get<1>(r)))
}
IE_EXPORT int ie_tensor_sort(ie_tensor t, int64_t dim, int descending, ie_tensor* values, ie_tensor* indices) {
  IE_STATUS(auto r = t->sort(dim, descending != 0); ie_out(values, std::get<0>(r)); ie_out(indices, std::get<1>(r)))
}
