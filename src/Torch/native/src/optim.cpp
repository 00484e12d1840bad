// optim.cpp — Adam/AdamW updates in place and gradient-norm clipping. The optimiser state (first and second
// moments) lives in tensors the managed Adam owns, so checkpoints can save it; the update is PyTorch's Adam
// (Kingma & Ba 2015, Alg. 1, bias-corrected; AdamW: Loshchilov & Hutter 2019, decoupled weight decay).
#include "ie_common.h"
#include <ATen/Parallel.h>
#include <cmath>

// On CPU, contiguous float/double parameters are updated by one fused parallel loop (one read of p, g, m, v and one
// write of p, m, v per element) instead of eight tensor passes; other devices and layouts take the composed ops.

static bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v) {
  return p.device().is_cpu() && ie_hand_kernels() && (p.scalar_type() == at::kFloat || p.scalar_type() == at::kDouble) && p.is_contiguous() &&
         g.is_contiguous() && m.is_contiguous() && v.is_contiguous() && g.scalar_type() == p.scalar_type() &&
         m.scalar_type() == p.scalar_type() && v.scalar_type() == p.scalar_type() && g.sizes() == p.sizes();
}

// The same arithmetic as the composed path below, element by element.
static void adam_fused(at::Tensor& p, const at::Tensor& g, at::Tensor& m, at::Tensor& v, double lr, double beta1, double beta2,
                       double eps, double weight_decay, bool decoupled, double bias1, double bias2) {
  AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "adam_fused", [&] {
    scalar_t* pp = p.data_ptr<scalar_t>();
    const scalar_t* gp = g.data_ptr<scalar_t>();
    scalar_t* mp = m.data_ptr<scalar_t>();
    scalar_t* vp = v.data_ptr<scalar_t>();
    const scalar_t b1 = beta1, b2 = beta2, ob1 = 1.0 - beta1, ob2 = 1.0 - beta2, e = eps, wd = weight_decay;
    const scalar_t decay = 1.0 - lr * weight_decay, invSqrtBias2 = 1.0 / std::sqrt(bias2), stepSize = lr / bias1;
    const bool coupled = weight_decay != 0 && !decoupled, shrink = weight_decay != 0 && decoupled;
    at::parallel_for(0, p.numel(), 1 << 14, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        scalar_t gi = coupled ? gp[i] + wd * pp[i] : gp[i];
        if (shrink) pp[i] *= decay;
        scalar_t mi = mp[i] * b1 + gi * ob1;
        scalar_t vi = vp[i] * b2 + gi * gi * ob2;
        mp[i] = mi;
        vp[i] = vi;
        pp[i] -= stepSize * (mi / (std::sqrt(vi) * invSqrtBias2 + e));
      }
    });
  });
}

// `step` is the 1-based count of updates including this one. Parameters without a gradient are skipped.
static void adam_step(const ie_tensor* params, const ie_tensor* exp_avg, const ie_tensor* exp_avg_sq, int n, int64_t step,
                      double lr, double beta1, double beta2, double eps, double weight_decay, bool decoupled) {
  ie::NoGradGuard no_grad;
  double bias1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  double bias2 = 1.0 - std::pow(beta2, static_cast<double>(step));
  for (int i = 0; i < n; ++i) {
    auto& p = *params[i];
    at::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (fusable(p, g, *exp_avg[i], *exp_avg_sq[i])) {
      adam_fused(p, g, *exp_avg[i], *exp_avg_sq[i], lr, beta1, beta2, eps, weight_decay, decoupled, bias1, bias2);
      continue;
    }
    if (weight_decay != 0 && decoupled) p.mul_(1.0 - lr * weight_decay);
    if (weight_decay != 0 && !decoupled) g = g.add(p, weight_decay);
    exp_avg[i]->mul_(beta1).add_(g, 1.0 - beta1);
    exp_avg_sq[i]->mul_(beta2).addcmul_(g, g, 1.0 - beta2);
    auto denom = (exp_avg_sq[i]->sqrt() / std::sqrt(bias2)).add_(eps);
    p.addcdiv_(*exp_avg[i], denom, -lr / bias1);
  }
}

// Scales all gradients so their joint 2-norm is at most max_norm (torch.nn.utils.clip_grad_norm_); returns the norm
// before clipping.
static double clip_grad_norm(const ie_tensor* params, int n, double max_norm) {
  ie::NoGradGuard no_grad;
  std::vector<at::Tensor> norms;
  for (int i = 0; i < n; ++i)
    if (params[i]->grad().defined()) norms.push_back(at::linalg_vector_norm(params[i]->grad(), 2.0));
  double total = norms.empty() ? 0.0 : at::linalg_vector_norm(at::stack(norms), 2.0).item<double>();
  double coef = max_norm / (total + 1e-6);
  if (coef < 1.0)
    for (int i = 0; i < n; ++i)
      if (params[i]->grad().defined()) params[i]->mutable_grad().mul_(coef);
  return total;
}

IE_EXPORT int ie_adam_step(const ie_tensor* params, const ie_tensor* exp_avg, const ie_tensor* exp_avg_sq, int n, int64_t step,
                           double lr, double beta1, double beta2, double eps, double weight_decay, int decoupled) {
  IE_STATUS(adam_step(params, exp_avg, exp_avg_sq, n, step, lr, beta1, beta2, eps, weight_decay, decoupled != 0))
}
// Writes the norm before clipping to *total_norm.
IE_EXPORT int ie_clip_grad_norm(const ie_tensor* params, int n, double max_norm, double* total_norm) {
  IE_STATUS(*total_norm = clip_grad_norm(params, n, max_norm))
}
