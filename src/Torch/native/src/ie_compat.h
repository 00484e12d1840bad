// ie_compat.h — the one place where libtorch versions differ (1.13 of Debian 12 through 2.x of CUDA builds and pip
// wheels): the version test, grad-mode guards and optionals. Shim files include this through ie_common.h and never
// rely on a header that an older libtorch pulled in transitively. It leaves out CUDA-only APIs (the shim has none).
#pragma once
#include <c10/core/GradMode.h>
#include <c10/util/Optional.h>
#include <torch/version.h>
#include <optional>

#define IE_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace ie {
// Grad mode lives in c10 in every version; ATen's aliases (at::NoGradGuard) are gone from ATen.h's includes in 2.x.
using GradMode = c10::GradMode;
using NoGradGuard = c10::NoGradGuard;

// c10::optional is its own type before 2.4 and an alias of std::optional from then on (deprecated in later releases).
#if IE_TORCH_AT_LEAST(2, 4)
template <class T> using optional = std::optional<T>;
inline constexpr std::nullopt_t nullopt = std::nullopt;
#else
template <class T> using optional = c10::optional<T>;
constexpr c10::nullopt_t nullopt = c10::nullopt;
#endif
}  // namespace ie
