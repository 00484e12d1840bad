// P/Invoke declarations for native/src/math.cpp: elementwise arithmetic, comparisons, matrix products, unary and in-place ops.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_add(TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_sub(TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_mul(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_div(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_pow(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_maximum(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_minimum(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_add_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_mul_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_div_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_rsub_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_pow_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_eq(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_ne(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_lt(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_le(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_gt(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_ge(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_eq_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_ne_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_lt_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_le_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_gt_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_ge_scalar(TensorHandle a, double s);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_logical_and(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_logical_or(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_logical_not(TensorHandle a);
    [LibraryImport(Lib)] internal static partial int ie_tensor_allclose(TensorHandle a, TensorHandle b, double rtol, double atol);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_matmul(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_mm(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_bmm(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_addmm(TensorHandle bias, TensorHandle a, TensorHandle b, double beta, double alpha);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_neg(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_abs(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_sign(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_sqrt(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_rsqrt(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_exp(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_log(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_log1p(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_sin(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_cos(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_isfinite(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_clamp(TensorHandle t, double min, int has_min, double max, int has_max);
    [LibraryImport(Lib)] internal static partial int ie_tensor_copy_(TensorHandle dst, TensorHandle src);
    [LibraryImport(Lib)] internal static partial int ie_tensor_zero_(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int ie_tensor_fill_(TensorHandle t, double value);
    [LibraryImport(Lib)] internal static partial int ie_tensor_add_(TensorHandle t, TensorHandle other, double alpha);
    [LibraryImport(Lib)] internal static partial int ie_tensor_sub_(TensorHandle t, TensorHandle other, double alpha);
    [LibraryImport(Lib)] internal static partial int ie_tensor_mul_(TensorHandle t, TensorHandle other);
    [LibraryImport(Lib)] internal static partial int ie_tensor_div_(TensorHandle t, TensorHandle other);
    [LibraryImport(Lib)] internal static partial int ie_tensor_add_scalar_(TensorHandle t, double s);
    [LibraryImport(Lib)] internal static partial int ie_tensor_mul_scalar_(TensorHandle t, double s);
    [LibraryImport(Lib)] internal static partial int ie_tensor_clamp_(TensorHandle t, double min, int has_min, double max, int has_max);
    [LibraryImport(Lib)] internal static partial int ie_tensor_masked_fill_(TensorHandle t, TensorHandle mask, double value);
    [LibraryImport(Lib)] internal static partial int ie_tensor_index_add_(TensorHandle t, long dim, TensorHandle index, TensorHandle source);
}
