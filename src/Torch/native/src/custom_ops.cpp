// custom_ops.cpp — ops whose gradients are written by hand, as C++ autograd Functions (what PyTorch code writes as
// torch.autograd.Function). JumpReLU and the Heaviside step use the straight-through estimator of Rajamanoharan
// et al. 2024 ("Jumping Ahead", eqs. 11-12) with the rectangle kernel K(u) = 1[|u| < 1/2] and bandwidth ε:
//   d/dx JumpReLU = H(x − θ)                 d/dθ JumpReLU = −(θ/ε) K((x − θ)/ε)
//   d/dx H        = 0                        d/dθ H        = −(1/ε) K((x − θ)/ε)
#include "ie_common.h"
#include <ATen/ExpandUtils.h>
#include <torch/csrc/autograd/custom_function.h>

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

static at::Tensor rectangle(const at::Tensor& x, const at::Tensor& threshold, double bandwidth) {
  return ((x - threshold).abs() < bandwidth / 2).to(x.scalar_type());
}

struct JumpReluFunction : public torch::autograd::Function<JumpReluFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& threshold, double bandwidth) {
    ctx->save_for_backward({x, threshold});
    ctx->saved_data["bandwidth"] = bandwidth;
    return x * (x > threshold).to(x.scalar_type());
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &threshold = saved[1];
    double eps = ctx->saved_data["bandwidth"].toDouble();
    const auto& g = grad_outputs[0];
    auto grad_x = (x > threshold).to(x.scalar_type()) * g;
    auto grad_threshold = -(threshold / eps) * rectangle(x, threshold, eps) * g;
    return {grad_x, at::sum_to(grad_threshold, threshold.sizes()), at::Tensor()};
  }
};

struct StepFunction : public torch::autograd::Function<StepFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& threshold, double bandwidth) {
    ctx->save_for_backward({x, threshold});
    ctx->saved_data["bandwidth"] = bandwidth;
    return (x > threshold).to(x.scalar_type());
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &threshold = saved[1];
    double eps = ctx->saved_data["bandwidth"].toDouble();
    auto grad_threshold = -(1.0 / eps) * rectangle(x, threshold, eps) * grad_outputs[0];
    return {at::zeros_like(x), at::sum_to(grad_threshold, threshold.sizes()), at::Tensor()};
  }
};

IE_EXPORT ie_tensor ie_jumprelu(ie_tensor x, ie_tensor threshold, double bandwidth) { IE_TENSOR(JumpReluFunction::apply(*x, *threshold, bandwidth)) }
IE_EXPORT ie_tensor ie_step(ie_tensor x, ie_tensor threshold, double bandwidth) { IE_TENSOR(StepFunction::apply(*x, *threshold, bandwidth)) }
