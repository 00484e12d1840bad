// PowerLawFitter — fits y = a·x^−b + c (a, c ≥ 0; c fixed at 0 for a pure power law) to positive points by variable
// projection: b, the only nonlinear parameter, is searched (a grid, then golden section around the best cell); for each
// b the linear pair (a, c) is solved by Gauss–Newton on the log residual log(ŷ/y), reweighted for a Huber loss (IRLS).
// The robust log loss follows Hoffmann et al. 2022 (App. D.2) and Besiroglu et al. 2024 (Epoch's Chinchilla
// replication), who also showed naive intervals too narrow: the 95 % intervals here come from a percentile bootstrap
// over the points (PowerLawBootstrap). Computation only: it reads no file and prints nothing.
namespace InterpEval.Suites.Scaling;

/// <param name="Offset">Fit the irreducible term c ≥ 0; false fixes c = 0 (a pure power law, y = a·x^−b).</param>
/// <param name="HuberDelta">Huber threshold on the log residual (Hoffmann et al.: 1e-3); +∞ is plain least squares in log space.</param>
/// <param name="MaxAbsExponent">b is searched in [−MaxAbsExponent, MaxAbsExponent] (negative b: y grows with x).</param>
/// <param name="GridPoints">Grid cells of the coarse search over b before the golden-section refinement.</param>
public sealed record PowerLawFitOptions(bool Offset = true, double HuberDelta = 1e-3, double MaxAbsExponent = 4, int GridPoints = 161)
{
    /// <summary>The fitted parameters: 3 with the offset, 2 without.</summary>
    public int Parameters => Offset ? 3 : 2;

    public PowerLawFitOptions Validate()
    {
        if (!(HuberDelta > 0)) throw new ArgumentException($"huber delta is {HuberDelta} — expected a positive number");
        if (!(MaxAbsExponent > 0) || !double.IsFinite(MaxAbsExponent)) throw new ArgumentException($"max exponent is {MaxAbsExponent} — expected a positive number");
        if (GridPoints < 3) throw new ArgumentException($"grid is {GridPoints} points — expected at least 3");
        return this;
    }
}

/// <param name="A">Scale, in the units of y at x = 1.</param>
/// <param name="B">Exponent (y falls as x^−B; negative when y grows).</param>
/// <param name="C">Irreducible term (0 when the fit has no offset).</param>
/// <param name="Loss">The minimised mean Huber loss of the log residuals.</param>
/// <param name="R2Log">1 − SS_res/SS_tot of log y (goodness of fit in the space the loss lives in).</param>
/// <param name="RmseLog">Root mean square log residual (≈ the typical relative error).</param>
/// <param name="N">Points fitted.</param>
public sealed record PowerLaw(double A, double B, double C, double Loss, double R2Log, double RmseLog, int N)
{
    public double Predict(double x) => A * Math.Pow(x, -B) + C;
}

public static class PowerLawFitter
{
    /// <summary>The best fit to the points; ArgumentException naming the fault for unusable input.</summary>
    public static PowerLaw Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, PowerLawFitOptions? options = null)
    {
        PowerLawFitOptions o = (options ?? new PowerLawFitOptions()).Validate();
        Check(x, y, o);
        return FitChecked(x, y, o);
    }

    /// <summary>Throws ArgumentException when the points cannot be fitted: lengths differ, x or y not positive and
    /// finite, fewer points (or distinct x) than parameters.</summary>
    public static void Check(IReadOnlyList<double> x, IReadOnlyList<double> y, PowerLawFitOptions o)
    {
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} x values but {y.Count} y values");
        for (int i = 0; i < x.Count; i++)
        {
            if (!(x[i] > 0) || !double.IsFinite(x[i])) throw new ArgumentException($"point {i + 1}: x is {x[i]} — a power law needs positive, finite x");
            if (!(y[i] > 0) || !double.IsFinite(y[i])) throw new ArgumentException($"point {i + 1}: y is {y[i]} — the log loss needs positive, finite y");
        }
        int distinct = x.Distinct().Count();
        if (x.Count < o.Parameters || distinct < o.Parameters)
            throw new ArgumentException($"{x.Count} points ({distinct} distinct x) — fitting {o.Parameters} parameters needs at least {o.Parameters}");
    }

    internal static PowerLaw FitChecked(IReadOnlyList<double> x, IReadOnlyList<double> y, PowerLawFitOptions o)
    {
        // Work with x / x0 (x0 the geometric mean) so x^−b stays in range for every b searched; a = a'·x0^b at the end.
        int n = x.Count;
        double x0 = Math.Exp(x.Average(Math.Log));
        var logX = new double[n];
        var logY = new double[n];
        for (int i = 0; i < n; i++) { logX[i] = Math.Log(x[i] / x0); logY[i] = Math.Log(y[i]); }
        var problem = new Projected(logX, logY, o);

        double bMax = o.MaxAbsExponent, step = 2 * bMax / (o.GridPoints - 1);
        int best = 0;
        double bestLoss = double.PositiveInfinity;
        for (int g = 0; g < o.GridPoints; g++)
        {
            double loss = problem.Loss(-bMax + g * step);
            if (loss < bestLoss) { bestLoss = loss; best = g; }
        }
        double lo = -bMax + Math.Max(0, best - 1) * step, hi = -bMax + Math.Min(o.GridPoints - 1, best + 1) * step;
        double b = GoldenSection(problem.Loss, lo, hi, tolerance: 1e-12);
        if (problem.Loss(-bMax + best * step) < problem.Loss(b)) b = -bMax + best * step;
        (double a1, double c, double finalLoss) = problem.Solve(b);
        return new PowerLaw(a1 * Math.Pow(x0, b), b, c, finalLoss, R2(logY, problem.Residuals(b, a1, c)), Rmse(problem.Residuals(b, a1, c)), n);
    }

    /// <summary>Minimum of a unimodal f on [lo, hi] to within tolerance (relative to the bracket's scale).</summary>
    internal static double GoldenSection(Func<double, double> f, double lo, double hi, double tolerance)
    {
        double r = (Math.Sqrt(5) - 1) / 2;
        double x1 = hi - r * (hi - lo), x2 = lo + r * (hi - lo);
        double f1 = f(x1), f2 = f(x2);
        for (int it = 0; it < 200 && hi - lo > tolerance * (1 + Math.Abs(lo) + Math.Abs(hi)); it++)
        {
            if (f1 <= f2) { hi = x2; x2 = x1; f2 = f1; x1 = hi - r * (hi - lo); f1 = f(x1); }
            else { lo = x1; x1 = x2; f1 = f2; x2 = lo + r * (hi - lo); f2 = f(x2); }
        }
        return f1 <= f2 ? x1 : x2;
    }

    private static double R2(double[] logY, double[] residuals)
    {
        double mean = logY.Average(), ssTot = logY.Sum(v => (v - mean) * (v - mean)), ssRes = residuals.Sum(r => r * r);
        return ssTot > 0 ? 1 - ssRes / ssTot : ssRes == 0 ? 1 : double.NaN;
    }

    private static double Rmse(double[] residuals) => Math.Sqrt(residuals.Average(r => r * r));

    /// <summary>Huber loss: ½r² inside ±δ, δ(|r| − ½δ) outside.</summary>
    public static double Huber(double r, double delta)
    {
        double abs = Math.Abs(r);
        return abs <= delta ? 0.5 * r * r : delta * (abs - 0.5 * delta);
    }

    /// <summary>The inner problem for a fixed b: the best (a', c) ≥ 0 in the scaled coordinates, and its loss.</summary>
    private sealed class Projected(double[] logX, double[] logY, PowerLawFitOptions o)
    {
        private readonly int _n = logX.Length;

        public double Loss(double b) => Solve(b).Loss;

        public double[] Residuals(double b, double a, double c)
        {
            var r = new double[_n];
            for (int i = 0; i < _n; i++) r[i] = Math.Log(a * Math.Exp(-b * logX[i]) + c) - logY[i];
            return r;
        }

        /// <summary>Gauss–Newton with Huber reweighting (IRLS) and step halving; a and c projected onto ≥ 0.</summary>
        public (double A, double C, double Loss) Solve(double b)
        {
            var phi = new double[_n];
            for (int i = 0; i < _n; i++) phi[i] = Math.Exp(-b * logX[i]);
            (double a, double c) = Start(phi);
            double loss = Objective(phi, a, c);
            for (int it = 0; it < 40; it++)
            {
                (double da, double dc) = Step(phi, a, c);
                double t = 1, na = a, nc = c, nl = loss;
                for (int h = 0; h < 30; h++, t /= 2)
                {
                    na = Math.Max(0, a + t * da);
                    nc = o.Offset ? Math.Max(0, c + t * dc) : 0;
                    if (na == 0 && nc == 0) continue;
                    nl = Objective(phi, na, nc);
                    if (nl <= loss) break;
                }
                if (!(nl <= loss)) break;
                bool converged = Math.Abs(na - a) <= 1e-12 * (1 + a) && Math.Abs(nc - c) <= 1e-12 * (1 + c);
                (a, c, loss) = (na, nc, nl);
                if (converged) break;
            }
            return (a, c, loss);
        }

        /// <summary>Least squares of y on (φ, 1) weighted by 1/y² (relative error ≈ log residual), projected onto ≥ 0.</summary>
        private (double A, double C) Start(double[] phi)
        {
            double spp = 0, sp1 = 0, s11 = 0, spy = 0, s1y = 0;
            for (int i = 0; i < _n; i++)
            {
                double y = Math.Exp(logY[i]), w = 1 / (y * y);
                spp += w * phi[i] * phi[i]; sp1 += w * phi[i]; s11 += w; spy += w * phi[i] * y; s1y += w * y;
            }
            if (o.Offset)
            {
                double det = spp * s11 - sp1 * sp1;
                if (det > 1e-300 * (spp * s11))
                {
                    double a = (spy * s11 - sp1 * s1y) / det, c = (spp * s1y - sp1 * spy) / det;
                    if (a > 0 && c > 0) return (a, c);
                }
                double aOnly = spy / spp, cOnly = s1y / s11;
                return Objective(phi, aOnly, 0) <= Objective(phi, 0, cOnly) ? (aOnly, 0) : (0, cOnly);
            }
            return (spy / spp, 0);
        }

        private double Objective(double[] phi, double a, double c)
        {
            double sum = 0;
            for (int i = 0; i < _n; i++) sum += Huber(Math.Log(a * phi[i] + c) - logY[i], o.HuberDelta);
            return sum / _n;
        }

        /// <summary>The Gauss–Newton step of the reweighted problem (weights min(1, δ/|r|)); c's component 0 without offset.</summary>
        private (double Da, double Dc) Step(double[] phi, double a, double c)
        {
            double jaa = 0, jac = 0, jcc = 0, ga = 0, gc = 0;
            for (int i = 0; i < _n; i++)
            {
                double yHat = a * phi[i] + c, r = Math.Log(yHat) - logY[i];
                double w = Math.Abs(r) <= o.HuberDelta ? 1 : o.HuberDelta / Math.Abs(r);
                double dA = phi[i] / yHat, dC = 1 / yHat;
                jaa += w * dA * dA; jac += w * dA * dC; jcc += w * dC * dC; ga += w * dA * r; gc += w * dC * r;
            }
            if (!o.Offset || jcc == 0) return jaa > 0 ? (-ga / jaa, 0) : (0, 0);
            double det = jaa * jcc - jac * jac;
            if (!(det > 1e-14 * jaa * jcc))
                return (jaa > 0 ? -ga / jaa : 0, 0);   // φ nearly constant (b ≈ 0): a and c are one direction
            return ((-ga * jcc + gc * jac) / det, (-gc * jaa + ga * jac) / det);
        }
    }
}
