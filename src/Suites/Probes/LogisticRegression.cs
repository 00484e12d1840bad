// LogisticRegression — a binary logistic-regression probe in float64, fitted by Newton's method with step halving:
// minimises mean log-loss + (λ/2)‖w‖² (the bias is not penalised). Deterministic (no randomness, no threads), exact to
// the stopping tolerance; meant for few features (k ≤ ~50: each step solves a (k+1)² system). No class weights.
namespace InterpEval.Suites.Probes;

public sealed class LogisticRegression
{
    private LogisticRegression(double[] weights, double bias, int iterations) => (Weights, Bias, Iterations) = (weights, bias, iterations);

    public double[] Weights { get; }
    public double Bias { get; }

    /// <summary>Newton steps taken.</summary>
    public int Iterations { get; }

    /// <summary>P(y = 1 | x) = σ(w·x + b).</summary>
    public double Probability(ReadOnlySpan<double> x) => Sigmoid(Logit(x));

    public double Logit(ReadOnlySpan<double> x)
    {
        double z = Bias;
        for (int j = 0; j < Weights.Length; j++) z += Weights[j] * x[j];
        return z;
    }

    /// <summary>Fraction of rows whose prediction (P ≥ ½) matches the label.</summary>
    public double Accuracy(double[][] x, bool[] y)
    {
        int correct = 0;
        for (int i = 0; i < x.Length; i++) correct += (Logit(x[i]) >= 0) == y[i] ? 1 : 0;
        return x.Length == 0 ? double.NaN : correct / (double)x.Length;
    }

    /// <summary>The regularised objective at (w, b): mean log-loss + (λ/2)‖w‖².</summary>
    public static double Objective(double[][] x, bool[] y, double[] w, double b, double lambda)
    {
        double loss = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double z = b;
            for (int j = 0; j < w.Length; j++) z += w[j] * x[i][j];
            loss += y[i] ? Softplus(-z) : Softplus(z);
        }
        return loss / x.Length + 0.5 * lambda * w.Sum(v => v * v);
    }

    /// <summary>Fits rows x [n][k] to labels y [n]; λ &gt; 0 keeps separable data finite.</summary>
    public static LogisticRegression Fit(double[][] x, bool[] y, double lambda = 1e-2, int maxIterations = 100, double tolerance = 1e-10)
    {
        if (x.Length == 0 || x.Length != y.Length) throw new ArgumentException($"{x.Length} rows and {y.Length} labels — expected the same, at least one");
        if (lambda <= 0) throw new ArgumentException($"lambda is {lambda} — expected > 0");
        int k = x[0].Length;
        var theta = new double[k + 1];                                      // [w_0 … w_{k-1}, b]
        double objective = ObjectiveOf(x, y, theta, lambda);
        int iteration = 0;
        while (iteration < maxIterations)
        {
            iteration++;
            var (gradient, hessian) = Derivatives(x, y, theta, lambda);
            var step = Solve(hessian, gradient);
            double size = 1, next;
            double[] candidate;
            do
            {
                candidate = theta.Select((t, j) => t - size * step[j]).ToArray();
                next = ObjectiveOf(x, y, candidate, lambda);
                size /= 2;
            } while (next > objective + 1e-15 && size > 1e-12);
            double moved = Math.Sqrt(candidate.Select((c, j) => (c - theta[j]) * (c - theta[j])).Sum());
            theta = candidate;
            objective = next;
            if (moved < tolerance) break;
        }
        return new LogisticRegression(theta[..k], theta[k], iteration);
    }

    private static double ObjectiveOf(double[][] x, bool[] y, double[] theta, double lambda) =>
        Objective(x, y, theta[..^1], theta[^1], lambda);

    // Gradient and Hessian of the objective in θ = (w, b); the bias row/column gets no λ (a 1e-12 ridge keeps the
    // system solvable when every row is identical).
    private static (double[] G, double[,] H) Derivatives(double[][] x, bool[] y, double[] theta, double lambda)
    {
        int k = theta.Length - 1, n = x.Length;
        var g = new double[k + 1];
        var h = new double[k + 1, k + 1];
        var row = new double[k + 1];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(x[i], row, k);
            row[k] = 1;
            double z = 0;
            for (int j = 0; j <= k; j++) z += theta[j] * row[j];
            double p = Sigmoid(z), r = p - (y[i] ? 1 : 0), v = p * (1 - p);
            for (int a = 0; a <= k; a++)
            {
                g[a] += r * row[a] / n;
                for (int c = 0; c <= k; c++) h[a, c] += v * row[a] * row[c] / n;
            }
        }
        for (int j = 0; j < k; j++) { g[j] += lambda * theta[j]; h[j, j] += lambda; }
        h[k, k] += 1e-12;
        return (g, h);
    }

    // Gaussian elimination with partial pivoting on a copy: returns H⁻¹ g.
    private static double[] Solve(double[,] h, double[] g)
    {
        int m = g.Length;
        var a = (double[,])h.Clone();
        var b = (double[])g.Clone();
        for (int col = 0; col < m; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < m; r++) if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            if (pivot != col)
            {
                for (int c = 0; c < m; c++) (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
                (b[col], b[pivot]) = (b[pivot], b[col]);
            }
            for (int r = col + 1; r < m; r++)
            {
                double factor = a[r, col] / a[col, col];
                for (int c = col; c < m; c++) a[r, c] -= factor * a[col, c];
                b[r] -= factor * b[col];
            }
        }
        var solution = new double[m];
        for (int r = m - 1; r >= 0; r--)
        {
            double s = b[r];
            for (int c = r + 1; c < m; c++) s -= a[r, c] * solution[c];
            solution[r] = s / a[r, r];
        }
        return solution;
    }

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    // log(1 + e^z), stable for large |z|.
    private static double Softplus(double z) => z > 0 ? z + double.LogP1(Math.Exp(-z)) : double.LogP1(Math.Exp(z));
}
