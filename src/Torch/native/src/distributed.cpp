// distributed.cpp — PyTorch's distributed layer (c10d) for the managed binding: rendezvous stores (TCPStore, FileStore),
// process groups (ProcessGroupGloo on CPU; ProcessGroupNCCL when this libtorch was built with it) and the collectives
// training needs (all_reduce of a flattened bucket, all_gather, broadcast, reduce_scatter, barrier). Every collective
// waits for its result: a lost or stalled peer surfaces as the backend's error once the group's timeout passes, never
// as a hang. It leaves launching, environment variables and error wording (which rank, which peer) to the managed side.
#include "ie_common.h"
#include <chrono>
#include <dlfcn.h>
#include <string>

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>  // c10d::Work and the *Options types (not transitive in 2.x)
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef IE_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

struct ie_store_t {
  c10::intrusive_ptr<c10d::Store> store;
  int port = 0;
};

// One group holds the concrete backend (libtorch 1.x derives them from ProcessGroup, 2.x from Backend; calling through
// the concrete type works with both).
struct ie_group_t {
#ifdef IE_HAVE_GLOO
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#endif
#ifdef USE_C10D_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  int rank = 0;
  int size = 1;
};
typedef ie_store_t* ie_store;
typedef ie_group_t* ie_group;

// Runs f on the group's backend.
template <typename F>
static auto with_backend(ie_group g, F f) {
#ifdef USE_C10D_NCCL
  if (g->nccl) return f(*g->nccl);
#endif
#ifdef IE_HAVE_GLOO
  if (g->gloo) return f(*g->gloo);
#endif
  TORCH_CHECK(false, "the process group has no backend");
#ifdef IE_HAVE_GLOO
  return f(*g->gloo);
#endif
}

static void wait(const c10::intrusive_ptr<c10d::Work>& work) {
  work->wait();
}

// c10d's socket code logs each failed bind or connect attempt through glog before it throws; the exception carries the
// same facts, so while a store is being made glog (when libtorch uses it) prints nothing below FATAL.
struct QuietGlog {
  int* level = static_cast<int*>(dlsym(RTLD_DEFAULT, "_ZN3fLI17FLAGS_minloglevelE"));
  int saved = level ? *level : 0;
  QuietGlog() { if (level) *level = 3; }
  ~QuietGlog() { if (level) *level = saved; }
};

static ie_store tcp_store(const char* host, int port, int world_size, int is_master, int64_t timeout_ms) {
  QuietGlog quiet;
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(port);
  o.isServer = is_master != 0;
  o.numWorkers = static_cast<size_t>(world_size);
  o.waitWorkers = false;   // the process group's own rendezvous waits for everyone
  o.timeout = std::chrono::milliseconds(timeout_ms);
  auto store = c10::make_intrusive<c10d::TCPStore>(std::string(host), o);
  auto h = new ie_store_t();
  h->port = store->getPort();
  h->store = store;
  return h;
}

static ie_store file_store(const char* path, int world_size, int64_t timeout_ms) {
  auto h = new ie_store_t();
  h->store = c10::make_intrusive<c10d::FileStore>(std::string(path), world_size);
  h->store->setTimeout(std::chrono::milliseconds(timeout_ms));
  return h;
}

static void store_get(ie_store s, const char* key, uint8_t** data, int64_t* length) {
  auto v = s->store->get(std::string(key));
  *length = static_cast<int64_t>(v.size());
  *data = static_cast<uint8_t*>(malloc(v.empty() ? 1 : v.size()));
  if (!v.empty()) memcpy(*data, v.data(), v.size());
}

static ie_group gloo_group(ie_store s, int rank, int size, int64_t timeout_ms, const char* iface, const char* hostname) {
#ifdef IE_HAVE_GLOO
  auto o = c10d::ProcessGroupGloo::Options::create(std::chrono::milliseconds(timeout_ms));
  if (iface && *iface) o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
  else if (hostname && *hostname) o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(hostname));
  else o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  o->threads = 2;
  auto h = new ie_group_t();
  h->rank = rank;
  h->size = size;
  try {
    h->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(s->store, rank, size, o);
  } catch (...) {
    delete h;
    throw;
  }
  return h;
#else
  TORCH_CHECK(false, "this libie_torch was built without Gloo (the gloo headers were missing at build time: apt-get install libgloo-dev, then rebuild)");
#endif
}

static ie_group nccl_group(ie_store s, int rank, int size, int64_t timeout_ms) {
#ifdef USE_C10D_NCCL
  auto o = c10d::ProcessGroupNCCL::Options::create();
  o->timeout = std::chrono::milliseconds(timeout_ms);
  auto h = new ie_group_t();
  h->rank = rank;
  h->size = size;
  h->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(s->store, rank, size, o);
  return h;
#else
  TORCH_CHECK(false, "this libtorch was built without NCCL: use the gloo backend, or a CUDA libtorch (Torch_DIR / LIBTORCH)");
#endif
}

// All-reduces n tensors as one flattened bucket (one collective), in place.
static void all_reduce(ie_group g, const ie_tensor* tensors, int n, int op) {
  at::NoGradGuard no_grad;
  c10d::AllreduceOptions o;
  o.reduceOp = c10d::ReduceOp(static_cast<c10d::ReduceOp::RedOpType>(op));
  if (n == 1 && tensors[0]->is_contiguous()) {
    std::vector<at::Tensor> v{*tensors[0]};
    with_backend(g, [&](auto& b) { wait(b.allreduce(v, o)); });
    return;
  }
  std::vector<at::Tensor> flat;
  flat.reserve(n);
  for (int i = 0; i < n; ++i) flat.push_back(tensors[i]->reshape({-1}));
  std::vector<at::Tensor> bucket{at::cat(flat)};
  with_backend(g, [&](auto& b) { wait(b.allreduce(bucket, o)); });
  int64_t offset = 0;
  for (int i = 0; i < n; ++i) {
    int64_t m = tensors[i]->numel();
    tensors[i]->copy_(bucket[0].narrow(0, offset, m).view(tensors[i]->sizes()));
    offset += m;
  }
}

// [size, *input.shape]: every rank's input, in rank order.
static at::Tensor all_gather(ie_group g, const at::Tensor& input) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> in{input.contiguous()};
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < g->size; ++r) out[0].push_back(at::empty_like(in[0]));
  with_backend(g, [&](auto& b) { wait(b.allgather(out, in)); });
  return at::stack(out[0]);
}

static void broadcast(ie_group g, const at::Tensor& t, int root) {
  at::NoGradGuard no_grad;
  c10d::BroadcastOptions o;
  o.rootRank = root;
  at::Tensor c = t.is_contiguous() ? t : t.contiguous();
  std::vector<at::Tensor> v{c};
  with_backend(g, [&](auto& b) { wait(b.broadcast(v, o)); });
  if (!c.is_same(t)) const_cast<at::Tensor&>(t).copy_(c);
}

// input [size·m, …] → this rank's reduced chunk [m, …]. Gloo has no reduce_scatter: there it is an all_reduce of the
// whole input followed by the rank's chunk (the same result, size× the traffic).
static at::Tensor reduce_scatter(ie_group g, const at::Tensor& input, int op) {
  at::NoGradGuard no_grad;
  TORCH_CHECK(input.dim() >= 1 && input.size(0) % g->size == 0, "reduce_scatter: the first dimension (", input.size(0),
              ") must be a multiple of the world size (", g->size, ")");
  int64_t m = input.size(0) / g->size;
  c10d::ReduceScatterOptions o;
  o.reduceOp = c10d::ReduceOp(static_cast<c10d::ReduceOp::RedOpType>(op));
#ifdef USE_C10D_NCCL
  if (g->nccl) {
    std::vector<at::Tensor> out{at::empty({m}, input.options())};
    auto sizes = input.sizes().vec();
    sizes[0] = m;
    out[0] = at::empty(sizes, input.options());
    std::vector<std::vector<at::Tensor>> in(1, input.contiguous().chunk(g->size, 0));
    wait(g->nccl->reduce_scatter(out, in, o));
    return out[0];
  }
#endif
  std::vector<at::Tensor> v{input.contiguous().clone()};
  c10d::AllreduceOptions ao;
  ao.reduceOp = o.reduceOp;
  with_backend(g, [&](auto& b) { wait(b.allreduce(v, ao)); });
  return v[0].narrow(0, g->rank * m, m).clone();
}

static void barrier(ie_group g) {
  with_backend(g, [&](auto& b) { wait(b.barrier()); });
}

// Rank 0 waits for every rank to answer within timeout_ms and names the ones that did not (c10d's monitored barrier).
static void monitored_barrier(ie_group g, int64_t timeout_ms) {
  c10d::BarrierOptions o;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  with_backend(g, [&](auto& b) { b.monitoredBarrier(o, /*waitAllRanks=*/true); });
}

IE_EXPORT int ie_dist_has_gloo() {
#ifdef IE_HAVE_GLOO
  return 1;
#else
  return 0;
#endif
}
IE_EXPORT int ie_dist_has_nccl() {
#ifdef USE_C10D_NCCL
  return 1;
#else
  return 0;
#endif
}

IE_EXPORT ie_store ie_store_tcp_new(const char* host, int port, int world_size, int is_master, int64_t timeout_ms) { IE_GUARD(nullptr, return tcp_store(host, port, world_size, is_master, timeout_ms);) }
IE_EXPORT ie_store ie_store_file_new(const char* path, int world_size, int64_t timeout_ms) { IE_GUARD(nullptr, return file_store(path, world_size, timeout_ms);) }
IE_EXPORT int ie_store_port(ie_store s) { return s->port; }
IE_EXPORT int ie_store_set(ie_store s, const char* key, const uint8_t* data, int64_t length) { IE_STATUS(s->store->set(std::string(key), std::vector<uint8_t>(data, data + length))) }
IE_EXPORT int ie_store_get(ie_store s, const char* key, uint8_t** data, int64_t* length) { IE_STATUS(store_get(s, key, data, length)) }
IE_EXPORT int64_t ie_store_add(ie_store s, const char* key, int64_t value, int* status) { *status = -1; IE_GUARD(0, int64_t r = s->store->add(std::string(key), value); *status = 0; return r;) }
IE_EXPORT void ie_store_free(ie_store s) { delete s; }
IE_EXPORT void ie_free_bytes(uint8_t* p) { free(p); }

IE_EXPORT ie_group ie_pg_gloo_new(ie_store s, int rank, int size, int64_t timeout_ms, const char* iface, const char* hostname) { IE_GUARD(nullptr, return gloo_group(s, rank, size, timeout_ms, iface, hostname);) }
IE_EXPORT ie_group ie_pg_nccl_new(ie_store s, int rank, int size, int64_t timeout_ms) { IE_GUARD(nullptr, return nccl_group(s, rank, size, timeout_ms);) }
IE_EXPORT void ie_pg_free(ie_group g) { delete g; }
IE_EXPORT int ie_pg_all_reduce_(ie_group g, const ie_tensor* tensors, int n, int op) { IE_STATUS(all_reduce(g, tensors, n, op)) }
IE_EXPORT ie_tensor ie_pg_all_gather(ie_group g, ie_tensor input) { IE_TENSOR(all_gather(g, *input)) }
IE_EXPORT int ie_pg_broadcast_(ie_group g, ie_tensor t, int root) { IE_STATUS(broadcast(g, *t, root)) }
IE_EXPORT ie_tensor ie_pg_reduce_scatter(ie_group g, ie_tensor input, int op) { IE_TENSOR(reduce_scatter(g, *input, op)) }
IE_EXPORT int ie_pg_barrier(ie_group g) { IE_STATUS(barrier(g)) }
IE_EXPORT int ie_pg_monitored_barrier(ie_group g, int64_t timeout_ms) { IE_STATUS(monitored_barrier(g, timeout_ms)) }
