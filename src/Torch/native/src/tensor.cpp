// tensor.cpp — tensor handle lifetime, metadata, copying data in and out, dtype/device conversion.
#include "ie_common.h"
#include <cstring>
#include <sstream>
#include <string>

// An undefined tensor has no element count (libtorch says 0); asking for one is a fault, not an empty tensor.
static int64_t checked_numel(const at::Tensor& t) {
  TORCH_CHECK(t.defined(), "the tensor is undefined (no storage, no shape)");
  return t.numel();
}

static void copy_shape(const at::Tensor& t, int64_t* out, int capacity) {
  TORCH_CHECK(capacity >= t.dim(), "shape buffer too small");
  for (int64_t i = 0; i < t.dim(); ++i) out[i] = t.size(i);
}

static std::string printed(const at::Tensor& t) {
  std::ostringstream s;
  s << t;
  return s.str();
}

// Copies `nbytes` of row-major CPU data into a new tensor of the given dtype and shape, then moves it to the device.
static at::Tensor from_data(const void* data, int64_t nbytes, at::IntArrayRef dims, int dtype, c10::Device device) {
  auto cpu = at::empty(dims, ie_options(dtype, 0, -1));
  TORCH_CHECK(static_cast<int64_t>(cpu.nbytes()) == nbytes, "data holds ", nbytes, " bytes but shape ", cpu.sizes(), " of ",
              cpu.scalar_type(), " needs ", cpu.nbytes());
  if (nbytes > 0) std::memcpy(cpu.data_ptr(), data, nbytes);
  return cpu.to(device);
}

// Copies the tensor's elements, row-major, into `dst` (exactly `nbytes`), from any device.
static void copy_to(const at::Tensor& t, void* dst, int64_t nbytes) {
  auto c = t.detach().to(at::kCPU).contiguous();
  TORCH_CHECK(static_cast<int64_t>(c.nbytes()) == nbytes, "destination holds ", nbytes, " bytes but the tensor has ", c.nbytes());
  if (nbytes > 0) std::memcpy(dst, c.data_ptr(), nbytes);
}

IE_EXPORT void ie_tensor_free(ie_tensor t) { delete t; }
// An undefined tensor (libtorch's "no tensor"): metadata queries on it fail, which the failure-path tests rely on.
IE_EXPORT ie_tensor ie_tensor_undefined() { IE_TENSOR(at::Tensor()) }

IE_EXPORT int ie_tensor_ndim(ie_tensor t) { IE_GUARD(-1, return static_cast<int>(t->dim());) }
IE_EXPORT int ie_tensor_shape(ie_tensor t, int64_t* out, int capacity) { IE_STATUS(copy_shape(*t, out, capacity)) }
IE_EXPORT int ie_tensor_dtype(ie_tensor t) { IE_GUARD(-1, return static_cast<int>(t->scalar_type());) }
IE_EXPORT int ie_tensor_device_type(ie_tensor t) { IE_GUARD(-1, return static_cast<int>(t->device().type());) }
// The index goes out through *out: −1 is a valid index (the CPU's; CUDA's "current device"), so the return is the status.
IE_EXPORT int ie_tensor_device_index(ie_tensor t, int* out) { IE_STATUS(*out = static_cast<int>(t->device().index())) }
IE_EXPORT int ie_tensor_numel(ie_tensor t, int64_t* out) { IE_STATUS(*out = checked_numel(*t)) }
IE_EXPORT int ie_tensor_is_contiguous(ie_tensor t) { IE_GUARD(-1, return t->is_contiguous() ? 1 : 0;) }
IE_EXPORT char* ie_tensor_to_string(ie_tensor t) { IE_GUARD(nullptr, return strdup(printed(*t).c_str());) }

IE_EXPORT ie_tensor ie_tensor_from_data(const void* data, int64_t nbytes, const int64_t* shape, int ndim, int dtype, int device_type, int device_index) {
  IE_TENSOR(from_data(data, nbytes, ie_dims(shape, ndim), dtype, ie_device(device_type, device_index)))
}
IE_EXPORT int ie_tensor_copy_to(ie_tensor t, void* dst, int64_t nbytes) { IE_STATUS(copy_to(*t, dst, nbytes)) }

// A scalar's value, with the status through *status (every double and int64 is a valid value).
IE_EXPORT double ie_tensor_item_double(ie_tensor t, int* status) { *status = -1; IE_GUARD(0.0, double v = t->item().toDouble(); *status = 0; return v;) }
IE_EXPORT int64_t ie_tensor_item_long(ie_tensor t, int* status) { *status = -1; IE_GUARD(0, int64_t v = t->item().toLong(); *status = 0; return v;) }

IE_EXPORT ie_tensor ie_tensor_to_dtype(ie_tensor t, int dtype) { IE_TENSOR(t->to(static_cast<at::ScalarType>(dtype))) }
IE_EXPORT ie_tensor ie_tensor_to_device(ie_tensor t, int device_type, int device_index) { IE_TENSOR(t->to(ie_device(device_type, device_index))) }
IE_EXPORT ie_tensor ie_tensor_clone(ie_tensor t) { IE_TENSOR(t->clone()) }
IE_EXPORT ie_tensor ie_tensor_detach(ie_tensor t) { IE_TENSOR(t->detach()) }
IE_EXPORT ie_tensor ie_tensor_alias(ie_tensor t) { IE_TENSOR(*t) }
