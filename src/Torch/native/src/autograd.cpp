// autograd.cpp — gradient flags, backward, .grad access, grad mode, and autograd.grad with grad outputs.
#include "ie_common.h"
#include <torch/csrc/autograd/autograd.h>

IE_EXPORT int ie_tensor_set_requires_grad(ie_tensor t, int requires) { IE_STATUS(t->set_requires_grad(requires != 0)) }
IE_EXPORT int ie_tensor_requires_grad(ie_tensor t) { IE_GUARD(-1, return t->requires_grad() ? 1 : 0;) }
IE_EXPORT int ie_tensor_is_leaf(ie_tensor t) { IE_GUARD(-1, return t->is_leaf() ? 1 : 0;) }
// Writes the gradient (or null when none has been accumulated) to *out.
IE_EXPORT int ie_tensor_grad(ie_tensor t, ie_tensor* out) { IE_STATUS(ie_out(out, t->grad())) }
IE_EXPORT int ie_tensor_set_grad(ie_tensor t, ie_tensor grad) { IE_STATUS(t->mutable_grad() = grad ? *grad : at::Tensor()) }
IE_EXPORT int ie_tensor_zero_grad(ie_tensor t) { IE_STATUS(if (t->grad().defined()) { t->mutable_grad().detach_(); t->mutable_grad().zero_(); }) }
IE_EXPORT int ie_tensor_backward(ie_tensor t, ie_tensor grad, int retain_graph, int create_graph) {
  IE_STATUS(t->backward(grad ? *grad : at::Tensor(), retain_graph ? ie::optional<bool>(true) : ie::nullopt, create_graph != 0))
}
IE_EXPORT int ie_grad_enabled() { return ie::GradMode::is_enabled() ? 1 : 0; }
IE_EXPORT void ie_set_grad_enabled(int enabled) { ie::GradMode::set_enabled(enabled != 0); }

// torch.autograd.grad: gradients of `outputs` (weighted by `grad_outputs`, whose entries may be null) w.r.t.
// `inputs`; results[i] is null for an unused input when allow_unused is set.
static void autograd_grad(const ie_tensor* outputs, int n_out, const ie_tensor* inputs, int n_in, const ie_tensor* grad_outputs,
                          bool retain_graph, bool create_graph, bool allow_unused, ie_tensor* results) {
  std::vector<at::Tensor> gouts;
  for (int i = 0; grad_outputs && i < n_out; ++i) gouts.push_back(grad_outputs[i] ? *grad_outputs[i] : at::Tensor());
  auto grads = torch::autograd::grad(ie_list(outputs, n_out), ie_list(inputs, n_in), gouts,
                                     retain_graph ? ie::optional<bool>(true) : ie::nullopt, create_graph, allow_unused);
  for (int i = 0; i < n_in; ++i) ie_out(&results[i], grads[i]);
}

IE_EXPORT int ie_autograd_grad(const ie_tensor* outputs, int n_out, const ie_tensor* inputs, int n_in, const ie_tensor* grad_outputs,
                               int retain_graph, int create_graph, int allow_unused, ie_tensor* results) {
  IE_STATUS(autograd_grad(outputs, n_out, inputs, n_in, grad_outputs, retain_graph != 0, create_graph != 0, allow_unused != 0, results))
}
