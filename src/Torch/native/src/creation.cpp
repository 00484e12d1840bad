// creation.cpp — factories (zeros, ones, full, arange, empty) and seeded random tensors. A generator is a CPU
// generator: random tensors for another device are drawn on the CPU and moved, so a seed gives the same numbers
// everywhere.
#include "ie_common.h"
#include <ATen/CPUGeneratorImpl.h>

typedef at::Generator* ie_generator;

IE_EXPORT ie_generator ie_generator_new(uint64_t seed) { IE_GUARD(nullptr, return new at::Generator(at::make_generator<at::CPUGeneratorImpl>(seed));) }
IE_EXPORT void ie_generator_free(ie_generator g) { delete g; }

IE_EXPORT ie_tensor ie_tensor_zeros(const int64_t* shape, int ndim, int dtype, int dt, int di) { IE_TENSOR(at::zeros(ie_dims(shape, ndim), ie_options(dtype, dt, di))) }
IE_EXPORT ie_tensor ie_tensor_ones(const int64_t* shape, int ndim, int dtype, int dt, int di) { IE_TENSOR(at::ones(ie_dims(shape, ndim), ie_options(dtype, dt, di))) }
IE_EXPORT ie_tensor ie_tensor_empty(const int64_t* shape, int ndim, int dtype, int dt, int di) { IE_TENSOR(at::empty(ie_dims(shape, ndim), ie_options(dtype, dt, di))) }
IE_EXPORT ie_tensor ie_tensor_full(const int64_t* shape, int ndim, double value, int dtype, int dt, int di) { IE_TENSOR(at::full(ie_dims(shape, ndim), value, ie_options(dtype, dt, di))) }
IE_EXPORT ie_tensor ie_tensor_arange(double start, double end, double step, int dtype, int dt, int di) { IE_TENSOR(at::arange(start, end, step, ie_options(dtype, dt, di))) }

static at::Tensor on_device(const at::Tensor& cpu, int dt, int di) { return cpu.to(ie_device(dt, di)); }
static at::TensorOptions cpu_options(int dtype) { return ie_options(dtype, 0, -1); }

IE_EXPORT ie_tensor ie_tensor_randn(const int64_t* shape, int ndim, ie_generator g, int dtype, int dt, int di) {
  IE_TENSOR(g ? on_device(at::randn(ie_dims(shape, ndim), *g, cpu_options(dtype)), dt, di) : at::randn(ie_dims(shape, ndim), ie_options(dtype, dt, di)))
}
IE_EXPORT ie_tensor ie_tensor_rand(const int64_t* shape, int ndim, ie_generator g, int dtype, int dt, int di) {
  IE_TENSOR(g ? on_device(at::rand(ie_dims(shape, ndim), *g, cpu_options(dtype)), dt, di) : at::rand(ie_dims(shape, ndim), ie_options(dtype, dt, di)))
}
IE_EXPORT ie_tensor ie_tensor_randint(int64_t low, int64_t high, const int64_t* shape, int ndim, ie_generator g, int dtype, int dt, int di) {
  IE_TENSOR(g ? on_device(at::randint(low, high, ie_dims(shape, ndim), *g, cpu_options(dtype)), dt, di) : at::randint(low, high, ie_dims(shape, ndim), ie_options(dtype, dt, di)))
}
IE_EXPORT ie_tensor ie_tensor_randperm(int64_t n, ie_generator g, int dt, int di) {
  IE_TENSOR(g ? on_device(at::randperm(n, *g, cpu_options(static_cast<int>(at::kLong))), dt, di) : at::randperm(n, ie_options(static_cast<int>(at::kLong), dt, di)))
}
// In-place initialisers (fill an existing parameter from the generator). With a generator on another device the
// numbers are drawn on the CPU and copied, as for the factories above.
static void fill_uniform(at::Tensor& t, double from, double to, at::Generator* g) {
  ie::NoGradGuard ng;
  if (g && !t.is_cpu()) t.copy_(at::empty(t.sizes(), cpu_options(static_cast<int>(t.scalar_type()))).uniform_(from, to, *g));
  else t.uniform_(from, to, g ? ie::optional<at::Generator>(*g) : ie::nullopt);
}
static void fill_normal(at::Tensor& t, double mean, double std, at::Generator* g) {
  ie::NoGradGuard ng;
  if (g && !t.is_cpu()) t.copy_(at::empty(t.sizes(), cpu_options(static_cast<int>(t.scalar_type()))).normal_(mean, std, *g));
  else t.normal_(mean, std, g ? ie::optional<at::Generator>(*g) : ie::nullopt);
}

IE_EXPORT int ie_tensor_uniform_(ie_tensor t, double from, double to, ie_generator g) { IE_STATUS(fill_uniform(*t, from, to, g)) }
IE_EXPORT int ie_tensor_normal_(ie_tensor t, double mean, double std, ie_generator g) { IE_STATUS(fill_normal(*t, mean, std, g)) }
