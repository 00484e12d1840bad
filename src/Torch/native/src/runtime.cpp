// runtime.cpp — process-wide settings: intra-op and BLAS thread counts, global seeding, device availability.
// OpenBLAS is reached through dlsym because libtorch may sit on another BLAS; when absent that is reported, not
// hidden.
#include "ie_common.h"
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <atomic>
#include <dlfcn.h>
#include <malloc.h>
#include <mutex>
#include <cstring>
#include <torch/utils.h>
#include <torch/version.h>

static std::atomic<bool> hand_kernels{true};
bool ie_hand_kernels() { return hand_kernels.load(std::memory_order_relaxed); }

typedef void (*blas_set_threads_fn)(int);
typedef int (*blas_get_threads_fn)();

// Sets libtorch's intra-op threads and OpenBLAS's; true when an OpenBLAS was found to set.
static bool set_num_threads(int n) {
  at::set_num_threads(n);
  auto set_blas = reinterpret_cast<blas_set_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set_blas) set_blas(n);
  return set_blas != nullptr;
}

// SerialBlas scopes may overlap (kernels called from several managed threads): the first to enter saves OpenBLAS's
// count and sets 1, the last to leave puts it back.
static std::mutex serial_blas_mutex;
static int serial_blas_depth = 0, serial_blas_saved = 0;

ie::SerialBlas::SerialBlas(bool active) : active_(active) {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(serial_blas_mutex);
  if (serial_blas_depth++ > 0) return;
  auto get_blas = reinterpret_cast<blas_get_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  auto set_blas = reinterpret_cast<blas_set_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  serial_blas_saved = get_blas && set_blas ? get_blas() : 0;
  if (serial_blas_saved > 1) set_blas(1);
}

ie::SerialBlas::~SerialBlas() {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(serial_blas_mutex);
  if (--serial_blas_depth > 0 || serial_blas_saved <= 1) return;
  reinterpret_cast<blas_set_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))(serial_blas_saved);
}

// Returns 1 when an OpenBLAS thread count was also set, 0 when no OpenBLAS is loaded, -1 on error.
IE_EXPORT int ie_set_num_threads(int n) { IE_GUARD(-1, return set_num_threads(n) ? 1 : 0;) }
// Keeps freed tensor memory in the process: tensors up to 32 MiB come from the heap (not fresh mmaps) and the heap is
// not trimmed back to the OS after each forward, so buffers are reused without page faults. Measured on the embedded
// model's harvest: 0.87-0.89x PyTorch without it, about 1.0x with it. Returns 1 when glibc accepted both settings.
IE_EXPORT int ie_tune_allocator() { return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 ? 1 : 0; }
IE_EXPORT int ie_get_num_threads() { IE_GUARD(-1, return at::get_num_threads();) }
IE_EXPORT int ie_blas_num_threads() {
  auto get_blas = reinterpret_cast<blas_get_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get_blas ? get_blas() : 0;
}
// The number of distinct threads that ran one at::parallel_for of get_num_threads() items from this library.
IE_EXPORT int ie_parallel_loop_threads() {
  IE_GUARD(-1, std::atomic<uint64_t> seen{0};
           at::parallel_for(0, at::get_num_threads(), 1, [&](int64_t, int64_t) { seen |= uint64_t(1) << std::min(at::get_thread_num(), 63); });
           return __builtin_popcountll(seen.load());)
}
IE_EXPORT int ie_manual_seed(uint64_t seed) { IE_STATUS(torch::manual_seed(seed)) }
IE_EXPORT int ie_cuda_device_count() { IE_GUARD(0, return at::detail::getCUDAHooks().hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0;) }
IE_EXPORT char* ie_version() { IE_GUARD(nullptr, return strdup(TORCH_VERSION);) }
IE_EXPORT void ie_set_hand_kernels(int enabled) { hand_kernels.store(enabled != 0); }
IE_EXPORT int ie_hand_kernels_enabled() { return ie_hand_kernels() ? 1 : 0; }
