// ie_common.h — what every shim file shares: the export attribute, handle types, option helpers and the one catch
// macro. No C++ exception ever leaves an export: IE_GUARD turns it into the thread-local error (see error.cpp).
#pragma once
#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include "ie_compat.h"
#include <cstdint>
#include <vector>

#define IE_EXPORT extern "C" __attribute__((visibility("default")))

typedef at::Tensor* ie_tensor;

void ie_set_error(const char* message);

// Whether the hand-written CPU kernels run (the default). When off, CPU tensors take the composed ATen formulation
// that other devices (CUDA) run, so tests can check that formulation against the hand kernels on a machine without a
// GPU. Process-wide (runtime.cpp).
bool ie_hand_kernels();

namespace ie {
// While alive (and `active`), OpenBLAS runs single-threaded; the count comes back when the last such scope ends. For kernels
// that call BLAS from several intra-op threads at once: OpenBLAS's pthread build would otherwise fork its own threads
// inside each call and oversubscribe the cores. Without an OpenBLAS (another BLAS) it does nothing. (runtime.cpp)
class SerialBlas {
 public:
  explicit SerialBlas(bool active);
  ~SerialBlas();
  SerialBlas(const SerialBlas&) = delete;
  SerialBlas& operator=(const SerialBlas&) = delete;
 private:
  bool active_;
};
}  // namespace ie

// The one catch macro: runs the body; on any exception records the message and returns `fallback`.
#define IE_GUARD(fallback, ...)                                                      \
  try { __VA_ARGS__ }                                                                \
  catch (const c10::Error& e) { ie_set_error(e.what_without_backtrace()); }          \
  catch (const std::exception& e) { ie_set_error(e.what()); }                        \
  catch (...) { ie_set_error("unknown C++ exception"); }                             \
  return fallback;

// An export that returns a new tensor handle (null on failure).
#define IE_TENSOR(expr) IE_GUARD(nullptr, return new at::Tensor(expr);)
// An export that returns a status: 0 on success, -1 on failure.
#define IE_STATUS(...) IE_GUARD(-1, __VA_ARGS__; return 0;)

inline at::IntArrayRef ie_dims(const int64_t* dims, int n) { return at::IntArrayRef(dims, static_cast<size_t>(n)); }

inline c10::Device ie_device(int type, int index) {
  return c10::Device(static_cast<c10::DeviceType>(type), static_cast<c10::DeviceIndex>(index));
}

inline at::TensorOptions ie_options(int dtype, int device_type, int device_index) {
  return at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)).device(ie_device(device_type, device_index));
}

inline std::vector<at::Tensor> ie_list(const ie_tensor* tensors, int n) {
  std::vector<at::Tensor> list;
  list.reserve(n);
  for (int i = 0; i < n; ++i) list.push_back(*tensors[i]);
  return list;
}

inline ie::optional<at::Tensor> ie_opt(ie_tensor t) {
  return t ? ie::optional<at::Tensor>(*t) : ie::nullopt;
}

// Stores a tensor into an out-slot as a new handle, or null when the tensor is undefined.
inline void ie_out(ie_tensor* slot, const at::Tensor& t) { *slot = t.defined() ? new at::Tensor(t) : nullptr; }

// A scalar operand for tensor t: integral when t is integral (or bool) and the value is a whole number, so that
// `ids + 1` stays int64 as in Python; a double otherwise.
inline at::Scalar ie_scalar(const at::Tensor& t, double value) {
  bool whole = value == static_cast<double>(static_cast<int64_t>(value));
  if (whole && at::isIntegralType(t.scalar_type(), /*includeBool=*/true)) return at::Scalar(static_cast<int64_t>(value));
  return at::Scalar(value);
}
