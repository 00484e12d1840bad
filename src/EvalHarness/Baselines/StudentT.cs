// StudentT — the Student-t distribution's CDF and quantile, which the tolerance model needs for a prediction interval
// from a handful of seeds (and the normal limit for many). Regularised incomplete beta by Lentz's continued fraction
// (Numerical Recipes §6.4); the quantile by bisection on the CDF. Deliberately nothing else: no densities, no fitting.
namespace InterpEval.Harness.Baselines;

public static class StudentT
{
    /// <summary>P(T ≤ t) for Student's t with df degrees of freedom (df ≥ 1; double.PositiveInfinity = standard normal).</summary>
    public static double Cdf(double t, double df)
    {
        if (df <= 0 || double.IsNaN(df)) throw new ArgumentOutOfRangeException(nameof(df), df, "degrees of freedom must be positive");
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsPositiveInfinity(df)) return NormalCdf(t);
        double x = df / (df + t * t);
        double tail = 0.5 * RegularizedBeta(x, df / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The t with P(T ≤ t) = p, for 0 &lt; p &lt; 1 (bisection to 1e-12 relative).</summary>
    public static double Quantile(double p, double df)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "probability must lie in (0, 1)");
        if (p < 0.5) return -Quantile(1 - p, df);
        double lo = 0, hi = 1;
        while (Cdf(hi, df) < p) hi *= 2;
        for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (Cdf(mid, df) < p) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>Φ(z) through the complementary error function (Abramowitz–Stegun 7.1.26 is too coarse in the tails).</summary>
    public static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    // erfc by its continued fraction for |x| > 2 and the Taylor series otherwise; relative error below 1e-14 in use.
    private static double Erfc(double x)
    {
        if (x < 0) return 2 - Erfc(-x);
        if (x < 2)
        {
            double sum = x, term = x, x2 = x * x;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }
        // Lentz on erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …))))
        double f = x, c = x, d = 0;
        for (int n = 1; n < 300; n++)
        {
            double a = n / 2.0;
            d = x + a * d;
            d = d == 0 ? 1e-300 : 1 / d;
            c = x + a / c;
            if (c == 0) c = 1e-300;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    /// <summary>I_x(a, b), the regularised incomplete beta function.</summary>
    public static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        if (x < (a + 1) / (a + b + 2)) return Math.Exp(lnFront) * BetaContinuedFraction(x, a, b) / a;
        return 1 - Math.Exp(lnFront) * BetaContinuedFraction(1 - x, b, a) / b;
    }

    private static double BetaContinuedFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = 1 - qab * x / qap;
        d = Math.Abs(d) < tiny ? 1 / tiny : 1 / d;
        double h = d;
        for (int m = 1; m <= 500; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d; d = Math.Abs(d) < tiny ? 1 / tiny : 1 / d;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d; d = Math.Abs(d) < tiny ? 1 / tiny : 1 / d;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15) break;
        }
        return h;
    }

    // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for positive arguments.
    private static double LogGamma(double x)
    {
        double[] g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        double sum = g[0];
        for (int i = 1; i < 9; i++) sum += g[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
