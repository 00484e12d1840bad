// nn.cpp — the neural-network functions the subject models and dictionaries use: activations, softmax,
// normalisation, embedding lookup and cross-entropy.
#include "ie_common.h"

IE_EXPORT ie_tensor ie_tensor_relu(ie_tensor t) { IE_TENSOR(at::relu(*t)) }
// approximate: 0 = exact (erf), 1 = tanh ("gelu_new" in GPT-2).
IE_EXPORT ie_tensor ie_tensor_gelu(ie_tensor t, int approximate) { IE_TENSOR(at::gelu(*t, approximate ? "tanh" : "none")) }
IE_EXPORT ie_tensor ie_tensor_silu(ie_tensor t) { IE_TENSOR(at::silu(*t)) }
IE_EXPORT ie_tensor ie_tensor_sigmoid(ie_tensor t) { IE_TENSOR(at::sigmoid(*t)) }
IE_EXPORT ie_tensor ie_tensor_tanh(ie_tensor t) { IE_TENSOR(at::tanh(*t)) }
IE_EXPORT ie_tensor ie_tensor_softmax(ie_tensor t, int64_t dim) { IE_TENSOR(at::softmax(*t, dim)) }
IE_EXPORT ie_tensor ie_tensor_log_softmax(ie_tensor t, int64_t dim) { IE_TENSOR(at::log_softmax(*t, dim)) }
IE_EXPORT ie_tensor ie_tensor_layer_norm(ie_tensor t, const int64_t* shape, int n, ie_tensor weight, ie_tensor bias, double eps) {
  IE_TENSOR(at::layer_norm(*t, ie_dims(shape, n), ie_opt(weight), ie_opt(bias), eps))
}
IE_EXPORT ie_tensor ie_tensor_embedding(ie_tensor weight, ie_tensor indices) { IE_TENSOR(at::embedding(*weight, *indices)) }
// reduction: 0 none, 1 mean, 2 sum (at::Reduction). Targets are class indices; ignore_index positions are skipped.
IE_EXPORT ie_tensor ie_tensor_cross_entropy(ie_tensor logits, ie_tensor target, int reduction, int64_t ignore_index) {
  IE_TENSOR(at::cross_entropy_loss(*logits, *target, ie::nullopt, reduction, ignore_index, 0.0))
}
