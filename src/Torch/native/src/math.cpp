// math.cpp — elementwise arithmetic (broadcasting, scalars), comparisons, matrix products and unary functions.
// In-place variants carry a trailing underscore, as in libtorch.
#include "ie_common.h"

// Binary with tensors.
IE_EXPORT ie_tensor ie_tensor_add(ie_tensor a, ie_tensor b, double alpha) { IE_TENSOR(at::add(*a, *b, ie_scalar(*a, alpha))) }
IE_EXPORT ie_tensor ie_tensor_sub(ie_tensor a, ie_tensor b, double alpha) { IE_TENSOR(at::sub(*a, *b, ie_scalar(*a, alpha))) }
IE_EXPORT ie_tensor ie_tensor_mul(ie_tensor a, ie_tensor b) { IE_TENSOR(at::mul(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_div(ie_tensor a, ie_tensor b) { IE_TENSOR(at::div(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_pow(ie_tensor a, ie_tensor b) { IE_TENSOR(at::pow(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_maximum(ie_tensor a, ie_tensor b) { IE_TENSOR(at::maximum(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_minimum(ie_tensor a, ie_tensor b) { IE_TENSOR(at::minimum(*a, *b)) }
// Binary with a scalar.
IE_EXPORT ie_tensor ie_tensor_add_scalar(ie_tensor a, double s) { IE_TENSOR(at::add(*a, ie_scalar(*a, s))) }
IE_EXPORT ie_tensor ie_tensor_mul_scalar(ie_tensor a, double s) { IE_TENSOR(at::mul(*a, ie_scalar(*a, s))) }
IE_EXPORT ie_tensor ie_tensor_div_scalar(ie_tensor a, double s) { IE_TENSOR(at::div(*a, ie_scalar(*a, s))) }
IE_EXPORT ie_tensor ie_tensor_rsub_scalar(ie_tensor a, double s) { IE_TENSOR(at::rsub(*a, ie_scalar(*a, s))) }
IE_EXPORT ie_tensor ie_tensor_pow_scalar(ie_tensor a, double s) { IE_TENSOR(at::pow(*a, ie_scalar(*a, s))) }
// Comparisons and logic (bool results).
IE_EXPORT ie_tensor ie_tensor_eq(ie_tensor a, ie_tensor b) { IE_TENSOR(at::eq(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_ne(ie_tensor a, ie_tensor b) { IE_TENSOR(at::ne(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_lt(ie_tensor a, ie_tensor b) { IE_TENSOR(at::lt(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_le(ie_tensor a, ie_tensor b) { IE_TENSOR(at::le(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_gt(ie_tensor a, ie_tensor b) { IE_TENSOR(at::gt(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_ge(ie_tensor a, ie_tensor b) { IE_TENSOR(at::ge(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_eq_scalar(ie_tensor a, double s) { IE_TENSOR(at::eq(*a, ie_scalar(*a, s))) }
IE_EXPORT ie_tensor ie_tensor_ne_scalar(ie_tensor a, double s) { IE_TENSOR(at::ne(*a, ie_scalar(*a, s))) }
IE_EXPORT ie_tensor ie_tensor_lt_scalar(ie_tensor a, double s) { IE_TENSOR(at::lt(*a, ie_scalar(*a, s))) }
IE_EXPORT ie_tensor ie_tensor_le_scalar(ie_tensor a, double s) { IE_TENSOR(at::le(*a, ie_scalar(*a, s))) }
IE_EXPORT ie_tensor ie_tensor_gt_scalar(ie_tensor a, double s) { IE_TENSOR(at::gt(*a, ie_scalar(*a, s))) }
IE_EXPORT ie_tensor ie_tensor_ge_scalar(ie_tensor a, double s) { IE_TENSOR(at::ge(*a, ie_scalar(*a, s))) }
IE_EXPORT ie_tensor ie_tensor_logical_and(ie_tensor a, ie_tensor b) { IE_TENSOR(at::logical_and(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_logical_or(ie_tensor a, ie_tensor b) { IE_TENSOR(at::logical_or(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_logical_not(ie_tensor a) { IE_TENSOR(at::logical_not(*a)) }
IE_EXPORT int ie_tensor_allclose(ie_tensor a, ie_tensor b, double rtol, double atol) { IE_GUARD(-1, return at::allclose(*a, *b, rtol, atol) ? 1 : 0;) }
// Matrix products.
IE_EXPORT ie_tensor ie_tensor_matmul(ie_tensor a, ie_tensor b) { IE_TENSOR(at::matmul(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_mm(ie_tensor a, ie_tensor b) { IE_TENSOR(at::mm(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_bmm(ie_tensor a, ie_tensor b) { IE_TENSOR(at::bmm(*a, *b)) }
IE_EXPORT ie_tensor ie_tensor_addmm(ie_tensor bias, ie_tensor a, ie_tensor b, double beta, double alpha) { IE_TENSOR(at::addmm(*bias, *a, *b, beta, alpha)) }
// Unary.
IE_EXPORT ie_tensor ie_tensor_neg(ie_tensor t) { IE_TENSOR(at::neg(*t)) }
IE_EXPORT ie_tensor ie_tensor_abs(ie_tensor t) { IE_TENSOR(at::abs(*t)) }
IE_EXPORT ie_tensor ie_tensor_sign(ie_tensor t) { IE_TENSOR(at::sign(*t)) }
IE_EXPORT ie_tensor ie_tensor_sqrt(ie_tensor t) { IE_TENSOR(at::sqrt(*t)) }
IE_EXPORT ie_tensor ie_tensor_rsqrt(ie_tensor t) { IE_TENSOR(at::rsqrt(*t)) }
IE_EXPORT ie_tensor ie_tensor_exp(ie_tensor t) { IE_TENSOR(at::exp(*t)) }
IE_EXPORT ie_tensor ie_tensor_log(ie_tensor t) { IE_TENSOR(at::log(*t)) }
IE_EXPORT ie_tensor ie_tensor_log1p(ie_tensor t) { IE_TENSOR(at::log1p(*t)) }
IE_EXPORT ie_tensor ie_tensor_sin(ie_tensor t) { IE_TENSOR(at::sin(*t)) }
IE_EXPORT ie_tensor ie_tensor_cos(ie_tensor t) { IE_TENSOR(at::cos(*t)) }
IE_EXPORT ie_tensor ie_tensor_isfinite(ie_tensor t) { IE_TENSOR(at::isfinite(*t)) }
IE_EXPORT ie_tensor ie_tensor_clamp(ie_tensor t, double min, int has_min, double max, int has_max) {
  IE_TENSOR(at::clamp(*t, has_min ? ie::optional<at::Scalar>(ie_scalar(*t, min)) : ie::nullopt, has_max ? ie::optional<at::Scalar>(ie_scalar(*t, max)) : ie::nullopt))
}
// In place (used by optimisers and parameter constraints; callers hold no-grad where it matters).
IE_EXPORT int ie_tensor_copy_(ie_tensor dst, ie_tensor src) { IE_STATUS(dst->copy_(*src)) }
IE_EXPORT int ie_tensor_zero_(ie_tensor t) { IE_STATUS(t->zero_()) }
IE_EXPORT int ie_tensor_fill_(ie_tensor t, double value) { IE_STATUS(t->fill_(ie_scalar(*t, value))) }
IE_EXPORT int ie_tensor_add_(ie_tensor t, ie_tensor other, double alpha) { IE_STATUS(t->add_(*other, ie_scalar(*t, alpha))) }
IE_EXPORT int ie_tensor_sub_(ie_tensor t, ie_tensor other, double alpha) { IE_STATUS(t->sub_(*other, ie_scalar(*t, alpha))) }
IE_EXPORT int ie_tensor_mul_(ie_tensor t, ie_tensor other) { IE_STATUS(t->mul_(*other)) }
IE_EXPORT int ie_tensor_div_(ie_tensor t, ie_tensor other) { IE_STATUS(t->div_(*other)) }
IE_EXPORT int ie_tensor_add_scalar_(ie_tensor t, double s) { IE_STATUS(t->add_(ie_scalar(*t, s))) }
IE_EXPORT int ie_tensor_mul_scalar_(ie_tensor t, double s) { IE_STATUS(t->mul_(ie_scalar(*t, s))) }
IE_EXPORT int ie_tensor_clamp_(ie_tensor t, double min, int has_min, double max, int has_max) {
  IE_STATUS(t->clamp_(has_min ? ie::optional<at::Scalar>(ie_scalar(*t, min)) : ie::nullopt, has_max ? ie::optional<at::Scalar>(ie_scalar(*t, max)) : ie::nullopt))
}
IE_EXPORT int ie_tensor_masked_fill_(ie_tensor t, ie_tensor mask, double value) { IE_STATUS(t->masked_fill_(*mask, ie_scalar(*t, value))) }
IE_EXPORT int ie_tensor_index_add_(ie_tensor t, int64_t dim, ie_tensor index, ie_tensor source) { IE_STATUS(t->index_add_(dim, *index, *source)) }
