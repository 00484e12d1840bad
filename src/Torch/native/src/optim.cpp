// optim.cpp — Adam/AdamW updates in place and gradient-norm clipping. The optimiser state (first and second
// moments) lives in tensors the managed Adam owns, so checkpoints can save it; the update is PyTorch's Adam
// (Kingma & Ba 2015, Alg. 1, bias-corrected; AdamW: Loshchilov & Hutter 2019, decoupled weight decay).
#include "ie_common.h"
#include <cmath>

// `step` is the 1-based count of updates including this one. Parameters without a gradient are skipped.
IE_EXPORT int ie_adam_step(const ie_tensor* params, const ie_tensor* exp_avg, const ie_tensor* exp_avg_sq, int n, int64_t step,
                           double lr, double beta1, double beta2, double eps, double weight_decay, int decoupled) {
  IE_STATUS(
    at::NoGradGuard no_grad;
    double bias1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    double bias2 = 1.0 - std::pow(beta2, static_cast<double>(step));
    for (int i = 0; i < n; ++i) {
      auto& p = *params[i];
      at::Tensor g = p.grad();
      if (!g.defined()) continue;
      if (weight_decay != 0 && decoupled) p.mul_(1.0 - lr * weight_decay);
      if (weight_decay != 0 && !decoupled) g = g.add(p, weight_decay);
      exp_avg[i]->mul_(beta1).add_(g, 1.0 - beta1);
      exp_avg_sq[i]->mul_(beta2).addcmul_(g, g, 1.0 - beta2);
      auto denom = (exp_avg_sq[i]->sqrt() / std::sqrt(bias2)).add_(eps);
      p.addcdiv_(*exp_avg[i], denom, -lr / bias1);
    })
}

// Scales all gradients so their joint 2-norm is at most max_norm (torch.nn.utils.clip_grad_norm_); writes the
// norm before clipping to *total_norm.
IE_EXPORT int ie_clip_grad_norm(const ie_tensor* params, int n, double max_norm, double* total_norm) {
  IE_STATUS(
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> norms;
    for (int i = 0; i < n; ++i) if (params[i]->grad().defined()) norms.push_back(at::linalg_vector_norm(params[i]->grad(), 2.0));
    *total_norm = norms.empty() ? 0.0 : at::linalg_vector_norm(at::stack(norms), 2.0).item<double>();
    double coef = max_norm / (*total_norm + 1e-6);
    if (coef < 1.0) for (int i = 0; i < n; ++i) if (params[i]->grad().defined()) params[i]->mutable_grad().mul_(coef))
}
