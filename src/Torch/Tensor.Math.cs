// Tensor math: elementwise arithmetic with broadcasting and scalars (also as operators), comparisons, matrix
// products, unary functions and the in-place updates (trailing underscore) that optimisers and constraints need.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public sealed partial class Tensor
{
    public Tensor Add(Tensor other, double alpha = 1) => Wrap(NativeMethods.ie_tensor_add(Handle, other.Handle, alpha));
    public Tensor Sub(Tensor other, double alpha = 1) => Wrap(NativeMethods.ie_tensor_sub(Handle, other.Handle, alpha));
    public Tensor Mul(Tensor other) => Wrap(NativeMethods.ie_tensor_mul(Handle, other.Handle));
    public Tensor Div(Tensor other) => Wrap(NativeMethods.ie_tensor_div(Handle, other.Handle));
    public Tensor Pow(Tensor exponent) => Wrap(NativeMethods.ie_tensor_pow(Handle, exponent.Handle));
    public Tensor Maximum(Tensor other) => Wrap(NativeMethods.ie_tensor_maximum(Handle, other.Handle));
    public Tensor Minimum(Tensor other) => Wrap(NativeMethods.ie_tensor_minimum(Handle, other.Handle));

    public Tensor Add(double s) => Wrap(NativeMethods.ie_tensor_add_scalar(Handle, s));
    public Tensor Mul(double s) => Wrap(NativeMethods.ie_tensor_mul_scalar(Handle, s));
    public Tensor Div(double s) => Wrap(NativeMethods.ie_tensor_div_scalar(Handle, s));
    /// <summary>s − this.</summary>
    public Tensor RSub(double s) => Wrap(NativeMethods.ie_tensor_rsub_scalar(Handle, s));
    public Tensor Pow(double exponent) => Wrap(NativeMethods.ie_tensor_pow_scalar(Handle, exponent));

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator -(Tensor a) => a.Neg();
    public static Tensor operator +(Tensor a, double s) => a.Add(s);
    public static Tensor operator +(double s, Tensor a) => a.Add(s);
    public static Tensor operator -(Tensor a, double s) => a.Add(-s);
    public static Tensor operator -(double s, Tensor a) => a.RSub(s);
    public static Tensor operator *(Tensor a, double s) => a.Mul(s);
    public static Tensor operator *(double s, Tensor a) => a.Mul(s);
    public static Tensor operator /(Tensor a, double s) => a.Div(s);

    public Tensor Eq(Tensor other) => Wrap(NativeMethods.ie_tensor_eq(Handle, other.Handle));
    public Tensor Ne(Tensor other) => Wrap(NativeMethods.ie_tensor_ne(Handle, other.Handle));
    public Tensor Lt(Tensor other) => Wrap(NativeMethods.ie_tensor_lt(Handle, other.Handle));
    public Tensor Le(Tensor other) => Wrap(NativeMethods.ie_tensor_le(Handle, other.Handle));
    public Tensor Gt(Tensor other) => Wrap(NativeMethods.ie_tensor_gt(Handle, other.Handle));
    public Tensor Ge(Tensor other) => Wrap(NativeMethods.ie_tensor_ge(Handle, other.Handle));
    public Tensor Eq(double s) => Wrap(NativeMethods.ie_tensor_eq_scalar(Handle, s));
    public Tensor Ne(double s) => Wrap(NativeMethods.ie_tensor_ne_scalar(Handle, s));
    public Tensor Lt(double s) => Wrap(NativeMethods.ie_tensor_lt_scalar(Handle, s));
    public Tensor Le(double s) => Wrap(NativeMethods.ie_tensor_le_scalar(Handle, s));
    public Tensor Gt(double s) => Wrap(NativeMethods.ie_tensor_gt_scalar(Handle, s));
    public Tensor Ge(double s) => Wrap(NativeMethods.ie_tensor_ge_scalar(Handle, s));
    public Tensor LogicalAnd(Tensor other) => Wrap(NativeMethods.ie_tensor_logical_and(Handle, other.Handle));
    public Tensor LogicalOr(Tensor other) => Wrap(NativeMethods.ie_tensor_logical_or(Handle, other.Handle));
    public Tensor LogicalNot() => Wrap(NativeMethods.ie_tensor_logical_not(Handle));

    /// <summary>|a − b| ≤ atol + rtol·|b| everywhere.</summary>
    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8) =>
        NativeCheck.Check(NativeMethods.ie_tensor_allclose(Handle, other.Handle, rtol, atol)) == 1;

    /// <summary>numpy-style matmul (broadcast batch dims).</summary>
    public Tensor MatMul(Tensor other) => Wrap(NativeMethods.ie_tensor_matmul(Handle, other.Handle));
    /// <summary>2-D × 2-D.</summary>
    public Tensor Mm(Tensor other) => Wrap(NativeMethods.ie_tensor_mm(Handle, other.Handle));
    /// <summary>[B, n, m] × [B, m, p].</summary>
    public Tensor Bmm(Tensor other) => Wrap(NativeMethods.ie_tensor_bmm(Handle, other.Handle));
    /// <summary>beta·bias + alpha·(a @ b).</summary>
    public static Tensor AddMm(Tensor bias, Tensor a, Tensor b, double beta = 1, double alpha = 1) =>
        Wrap(NativeMethods.ie_tensor_addmm(bias.Handle, a.Handle, b.Handle, beta, alpha));

    public Tensor Neg() => Wrap(NativeMethods.ie_tensor_neg(Handle));
    public Tensor Abs() => Wrap(NativeMethods.ie_tensor_abs(Handle));
    public Tensor Sign() => Wrap(NativeMethods.ie_tensor_sign(Handle));
    public Tensor Sqrt() => Wrap(NativeMethods.ie_tensor_sqrt(Handle));
    public Tensor Rsqrt() => Wrap(NativeMethods.ie_tensor_rsqrt(Handle));
    public Tensor Exp() => Wrap(NativeMethods.ie_tensor_exp(Handle));
    public Tensor Log() => Wrap(NativeMethods.ie_tensor_log(Handle));
    public Tensor Log1p() => Wrap(NativeMethods.ie_tensor_log1p(Handle));
    public Tensor Sin() => Wrap(NativeMethods.ie_tensor_sin(Handle));
    public Tensor Cos() => Wrap(NativeMethods.ie_tensor_cos(Handle));
    public Tensor IsFinite() => Wrap(NativeMethods.ie_tensor_isfinite(Handle));

    public Tensor Clamp(double? min = null, double? max = null) =>
        Wrap(NativeMethods.ie_tensor_clamp(Handle, min ?? 0, min.HasValue ? 1 : 0, max ?? 0, max.HasValue ? 1 : 0));

    public Tensor Copy_(Tensor source) => InPlace(NativeMethods.ie_tensor_copy_(Handle, source.Handle));
    public Tensor Zero_() => InPlace(NativeMethods.ie_tensor_zero_(Handle));
    public Tensor Fill_(double value) => InPlace(NativeMethods.ie_tensor_fill_(Handle, value));
    public Tensor Add_(Tensor other, double alpha = 1) => InPlace(NativeMethods.ie_tensor_add_(Handle, other.Handle, alpha));
    public Tensor Sub_(Tensor other, double alpha = 1) => InPlace(NativeMethods.ie_tensor_sub_(Handle, other.Handle, alpha));
    public Tensor Mul_(Tensor other) => InPlace(NativeMethods.ie_tensor_mul_(Handle, other.Handle));
    public Tensor Div_(Tensor other) => InPlace(NativeMethods.ie_tensor_div_(Handle, other.Handle));
    public Tensor Add_(double s) => InPlace(NativeMethods.ie_tensor_add_scalar_(Handle, s));
    public Tensor Mul_(double s) => InPlace(NativeMethods.ie_tensor_mul_scalar_(Handle, s));
    public Tensor MaskedFill_(Tensor mask, double value) => InPlace(NativeMethods.ie_tensor_masked_fill_(Handle, mask.Handle, value));
    public Tensor IndexAdd_(long dim, Tensor index, Tensor source) => InPlace(NativeMethods.ie_tensor_index_add_(Handle, dim, index.Handle, source.Handle));
    public Tensor Clamp_(double? min = null, double? max = null) =>
        InPlace(NativeMethods.ie_tensor_clamp_(Handle, min ?? 0, min.HasValue ? 1 : 0, max ?? 0, max.HasValue ? 1 : 0));

    private Tensor InPlace(int status)
    {
        NativeCheck.Check(status);
        return this;
    }
}
