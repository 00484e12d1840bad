// shape.cpp — views, reshapes, slicing, indexing, joining and masking.
#include "ie_common.h"

IE_EXPORT ie_tensor ie_tensor_view(ie_tensor t, const int64_t* shape, int n) { IE_TENSOR(t->view(ie_dims(shape, n))) }
IE_EXPORT ie_tensor ie_tensor_reshape(ie_tensor t, const int64_t* shape, int n) { IE_TENSOR(t->reshape(ie_dims(shape, n))) }
IE_EXPORT ie_tensor ie_tensor_permute(ie_tensor t, const int64_t* dims, int n) { IE_TENSOR(t->permute(ie_dims(dims, n))) }
IE_EXPORT ie_tensor ie_tensor_transpose(ie_tensor t, int64_t dim0, int64_t dim1) { IE_TENSOR(t->transpose(dim0, dim1)) }
IE_EXPORT ie_tensor ie_tensor_contiguous(ie_tensor t) { IE_TENSOR(t->contiguous()) }
IE_EXPORT ie_tensor ie_tensor_flatten(ie_tensor t, int64_t start, int64_t end) { IE_TENSOR(t->flatten(start, end)) }
IE_EXPORT ie_tensor ie_tensor_narrow(ie_tensor t, int64_t dim, int64_t start, int64_t length) { IE_TENSOR(t->narrow(dim, start, length)) }
IE_EXPORT ie_tensor ie_tensor_slice(ie_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step) { IE_TENSOR(t->slice(dim, start, end, step)) }
IE_EXPORT ie_tensor ie_tensor_select(ie_tensor t, int64_t dim, int64_t index) { IE_TENSOR(t->select(dim, index)) }
IE_EXPORT ie_tensor ie_tensor_index_select(ie_tensor t, int64_t dim, ie_tensor index) { IE_TENSOR(t->index_select(dim, *index)) }
IE_EXPORT ie_tensor ie_tensor_gather(ie_tensor t, int64_t dim, ie_tensor index) { IE_TENSOR(t->gather(dim, *index)) }
IE_EXPORT ie_tensor ie_tensor_scatter(ie_tensor t, int64_t dim, ie_tensor index, ie_tensor src) { IE_TENSOR(t->scatter(dim, *index, *src)) }
IE_EXPORT ie_tensor ie_tensor_scatter_add(ie_tensor t, int64_t dim, ie_tensor index, ie_tensor src) { IE_TENSOR(t->scatter_add(dim, *index, *src)) }
IE_EXPORT ie_tensor ie_tensor_index_put(ie_tensor t, ie_tensor mask, ie_tensor values) { IE_TENSOR(t->index_put({*mask}, *values)) }
IE_EXPORT ie_tensor ie_tensor_masked_select(ie_tensor t, ie_tensor mask) { IE_TENSOR(t->masked_select(*mask)) }
IE_EXPORT ie_tensor ie_tensor_cat(const ie_tensor* ts, int n, int64_t dim) { IE_TENSOR(at::cat(ie_list(ts, n), dim)) }
IE_EXPORT ie_tensor ie_tensor_stack(const ie_tensor* ts, int n, int64_t dim) { IE_TENSOR(at::stack(ie_list(ts, n), dim)) }
IE_EXPORT ie_tensor ie_tensor_squeeze(ie_tensor t, int64_t dim) { IE_TENSOR(t->squeeze(dim)) }
IE_EXPORT ie_tensor ie_tensor_unsqueeze(ie_tensor t, int64_t dim) { IE_TENSOR(t->unsqueeze(dim)) }
IE_EXPORT ie_tensor ie_tensor_expand(ie_tensor t, const int64_t* shape, int n) { IE_TENSOR(t->expand(ie_dims(shape, n))) }
IE_EXPORT ie_tensor ie_tensor_repeat(ie_tensor t, const int64_t* repeats, int n) { IE_TENSOR(t->repeat(ie_dims(repeats, n))) }
IE_EXPORT ie_tensor ie_tensor_where(ie_tensor cond, ie_tensor a, ie_tensor b) { IE_TENSOR(at::where(*cond, *a, *b)) }
IE_EXPORT ie_tensor ie_tensor_masked_fill(ie_tensor t, ie_tensor mask, double value) { IE_TENSOR(t->masked_fill(*mask, ie_scalar(*t, value))) }
IE_EXPORT ie_tensor ie_tensor_tril(ie_tensor t, int64_t diagonal) { IE_TENSOR(t->tril(diagonal)) }
IE_EXPORT ie_tensor ie_tensor_triu(ie_tensor t, int64_t diagonal) { IE_TENSOR(t->triu(diagonal)) }
IE_EXPORT ie_tensor ie_tensor_nonzero(ie_tensor t) { IE_TENSOR(t->nonzero()) }
